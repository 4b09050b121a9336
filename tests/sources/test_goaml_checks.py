"""goAML reports read without the FIU's schema are still checked: the elements the reader needs are there, dates
are dates, amounts decimals, currencies ISO 4217 codes; a bad value rejects the report whole, each located by
element path and line, as the schema's violations are. With the schema, a date the validator admits but the store
cannot hold (a year past 9999) is rejected too, and a file holding more than one report is refused, not cut short."""

from pathlib import Path

import pytest

from nexus.sources import get_format

STR_DATE = "<date_transaction>2026-05-24T14:30:00</date_transaction>"


@pytest.fixture
def goaml(shared_data):
    return shared_data / "goaml"


def variant(goaml: Path, folder: Path, old: str, new: str, name: str = "report.xml") -> Path:
    """The STR sample with `old` replaced by `new`, written beside the test (the sample is read in place)."""
    text = (goaml / "samples" / "STR.xml").read_text()
    assert old in text
    path = folder / name
    path.write_text(text.replace(old, new))
    return path


def read(path: Path, schema: Path | None = None):
    return list(get_format("goaml").read(path, **({"schema": schema} if schema else {})))


@pytest.mark.parametrize("old, new, where, field, reason", [
    ("<amount_local>120000.00</amount_local>", "<amount_local>120,000.00</amount_local>",
     "/report/transaction/amount_local line 54", "amount_local", "invalid value '120,000.00': not a decimal number"),
    ("<currency_code_local>AED</currency_code_local>", "<currency_code_local>ZZZ</currency_code_local>",
     "/report/currency_code_local line 10", "currency_code_local",
     "invalid value 'ZZZ': not an ISO 4217 currency code"),
    (STR_DATE, "<date_transaction>2026-02-30T14:30:00</date_transaction>",
     "/report/transaction/date_transaction line 51", "date_transaction",
     "invalid value '2026-02-30T14:30:00': no such day"),
    (STR_DATE, "<date_transaction>24/05/2026</date_transaction>",
     "/report/transaction/date_transaction line 51", "date_transaction",
     "invalid value '24/05/2026': not a goAML date"),
    ("<rentity_id>101</rentity_id>", "",
     "/report line 2", "rentity_id", "missing: <rentity_id> is required"),
    ("<rentity_id>101</rentity_id>", "<rentity_id>one</rentity_id>",
     "/report/rentity_id line 4", "rentity_id", "invalid value 'one': not a whole number above 0"),
])
def test_without_a_schema_a_bad_value_rejects_the_report_with_its_place_and_reason(goaml, tmp_path, old, new, where,
                                                                                    field, reason):
    records = read(variant(goaml, tmp_path, old, new))
    assert all(not r.entities for r in records)
    (error,) = [r.error for r in records]
    assert (error.location, error.field) == (where, field)
    assert error.message.startswith(reason), error.message


def test_without_a_schema_a_transaction_needs_its_amount_and_date(goaml, tmp_path):
    records = read(variant(goaml, tmp_path, STR_DATE, ""))
    assert [(r.error.location, r.error.field) for r in records] == [("/report/transaction line 46", "date_transaction")]
    assert not records[0].entities


def test_with_the_schema_a_year_past_9999_is_rejected_not_dropped(goaml, tmp_path):
    report = variant(goaml, tmp_path, STR_DATE, "<date_transaction>12026-05-24T14:30:00</date_transaction>")
    (record,) = read(report, goaml / "goAMLSchema-5.0.2.xsd")
    assert not record.entities
    assert (record.error.location, record.error.field) == ("/report/transaction/date_transaction line 51",
                                                           "date_transaction")
    assert "'12026-05-24T14:30:00'" in record.error.message and "9999" in record.error.message


def test_a_file_holding_two_reports_is_refused_not_cut_to_the_first(goaml, tmp_path):
    text = (goaml / "samples" / "STR.xml").read_text().split("\n", 1)[1]
    second = text.replace("STR-2026-0042", "STR-2026-0043")
    path = tmp_path / "two.xml"
    path.write_text(f'<?xml version="1.0" encoding="UTF-8"?>\n<reports>\n{text}{second}</reports>\n')
    (record,) = read(path)
    assert not record.entities
    assert record.error.location == "/reports/report[2] line 103" and record.error.field == "report"
    assert "one report per file" in record.error.message


@pytest.mark.parametrize("name", ("AIF.xml", "SAR.xml", "STR.xml", "TR.2079.200000309.xml"))
def test_without_a_schema_every_sample_passes_the_checks(goaml, name):
    (record,) = read(goaml / "samples" / name)
    assert record.error is None and record.entities


def test_the_other_date_of_a_report_is_its_filing_date(goaml, tmp_path):
    report = variant(goaml, tmp_path, "<submission_date>2026-05-26T10:00:00</submission_date>",
                     "<report_date>2026-05-25T10:00:00</report_date>")
    (record,) = read(report, goaml / "goAMLSchema-5.0.2.xsd")
    (filing,) = [e for e in record.entities if e.schema.name == "Event"]
    assert filing.get("date") == ["2026-05-25"]


def test_a_schema_s_long_code_list_is_named_by_its_first_codes(goaml, tmp_path):
    path = variant(goaml, tmp_path, "<currency_code_local>AED</currency_code_local>",
                   "<currency_code_local>ZZZ</currency_code_local>")
    (record,) = read(path, goaml / "goAMLSchema-5.0.2.xsd")
    assert record.error.field == "currency_code_local" and len(record.error.message) < 250
    assert "'AED', 'AFN'" in record.error.message and "in all: see the schema" in record.error.message
