"""goAML reports: the real samples against the FIU's real XSDs (5.0.2 loads them, 5.0.1 rejects them with
exact reasons), field by field into FtM, a folder with one broken report, and hostile XML."""

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nexus.cli import app
from nexus.sources import SourceError, get_format
from nexus.sources.goaml.schema import xsd_pattern

runner = CliRunner()
SAMPLES = ("AIF.xml", "SAR.xml", "STR.xml", "TR.2079.200000309.xml")


@pytest.fixture
def goaml(shared_data):
    return shared_data / "goaml"


def read(goaml, name, version="5.0.2"):
    return list(get_format("goaml").read(goaml / "samples" / name, schema=goaml / f"goAMLSchema-{version}.xsd"))


def by_schema(entities):
    found = {}
    for entity in entities:
        found.setdefault(entity.schema.name, []).append(entity)
    return found


def test_xsd_patterns_lose_their_anchors_and_loose_hyphens():
    assert xsd_pattern("^[a-zA-Z0-9 .'-]*$") == "[a-zA-Z0-9 .'\\-]*"
    assert xsd_pattern("[_a-zA-Z0-9-+]+@x") == "[_a-zA-Z0-9\\-+]+@x"
    assert xsd_pattern("[-a-z]\\$") == "[\\-a-z]\\$"
    assert xsd_pattern("(\\d{3})-(\\d{4})") == "(\\d{3})-(\\d{4})"  # outside a class a hyphen is a hyphen


@pytest.mark.parametrize("name", SAMPLES)
def test_every_sample_is_valid_against_5_0_2(goaml, name):
    (record,) = read(goaml, name)
    assert record.error is None and record.entities


def test_a_str_becomes_a_filing_its_parties_and_a_payment(goaml):
    (record,) = read(goaml, "STR.xml")
    found = by_schema(record.entities)
    (filing,) = found["Event"]
    assert filing.get("name") == ["STR STR-2026-0042"] and filing.get("date") == ["2026-05-26"]
    assert filing.get("keywords") == ["STRUC"]
    assert filing.get("summary") == ["Customer conducted multiple cash deposits below threshold within 48 hours"]
    people = {p.first("name"): p for p in found["Person"]}
    assert set(people) == {"Sara Khan", "Layla Hassan", "John Smith"}
    layla = people["Layla Hassan"]
    assert layla.get("birthDate") == ["1989-07-02"] and layla.get("nationality") == ["ae"]
    assert layla.get("phone") == ["+971509998877"] and layla.get("idNumber") == ["784198512345671"]
    (document,) = found["Identification"]
    assert document.get("holder") == [layla.id] and document.get("endDate") == ["2030-01-14"]
    (payment,) = found["Payment"]
    assert payment.get("amount") == ["120000.00"] and payment.get("currency") == ["AED"]
    assert payment.get("date") == ["2026-05-24T14:30:00"] and payment.get("transactionNumber") == ["TXN-987654"]
    assert payment.get("payer") == [layla.id] and payment.get("beneficiary") == [people["John Smith"].id]
    assert payment.get("summary") == ["transmode ELCFT; from funds CASH; to funds BANKD"]
    # The compliance officer who filed it is the reporting entity's employee, not a party to the report.
    assert set(filing.get("involved")) == {layla.id, people["John Smith"].id}
    (job,) = found["Employment"]
    assert job.get("employee") == [people["Sara Khan"].id] and job.get("employer") == filing.get("organizer")


def test_an_entity_report_keeps_the_company_its_director_and_the_goods(goaml):
    (record,) = read(goaml, "TR.2079.200000309.xml")
    found = by_schema(record.entities)
    (company,) = found["Company"]
    assert company.get("registrationNumber") == ["100000"] and company.get("jurisdiction") == ["ae"]
    (directorship,) = found["Directorship"]
    director = next(p for p in found["Person"] if p.id == directorship.first("director"))
    assert director.get("passportNumber") == ["Z0000000"] and directorship.get("organization") == [company.id]
    assert by_schema(record.entities)["Event"][0].get("notes") == [
        "goods/services: GOLD 1234567.89 AED PURCHASE OF GOLD AND CASH PAID"]


def test_re_reading_a_report_yields_the_same_ids(goaml):
    assert [e.id for e in read(goaml, "SAR.xml")[0].entities] == [e.id for e in read(goaml, "SAR.xml")[0].entities]


def test_against_5_0_1_the_report_is_rejected_whole_with_each_violation_located(goaml):
    records = read(goaml, "STR.xml", "5.0.1")
    assert all(not r.entities for r in records) and len(records) == 10
    first = records[0].error
    assert first.location == "/report/reporting_person/phones/phone/tph_contact_type line 20"
    assert first.field == "tph_contact_type"
    assert first.message == "not valid against goAMLSchema-5.0.1.xsd: value must be one of ['-', '1', '2', '3', '4']"
    order = [r.error for r in records if r.error.field == "from_person"]
    assert order[0].message.endswith("Unexpected child with tag 'id_number' at position 5. Tag 'ssn' expected.")


def test_without_a_schema_a_report_is_read_not_validated_and_a_bad_schema_is_named(goaml, tmp_path):
    (record,) = get_format("goaml").read(goaml / "samples" / "STR.xml")
    assert record.error is None and record.entities
    (not_xsd := tmp_path / "notxsd.xsd").write_text("not xml")
    for schema, reason in ((goaml / "samples" / "SAR.xml", "not a goAML schema"), (not_xsd, "not a goAML schema"),
                           (tmp_path / "missing.xsd", "cannot be read")):
        with pytest.raises(SourceError, match=reason):
            list(get_format("goaml").read(goaml / "samples" / "STR.xml", schema=schema))


def test_hostile_xml_is_refused(goaml, tmp_path):
    bomb = tmp_path / "bomb.xml"
    bomb.write_text('<?xml version="1.0"?><!DOCTYPE report [<!ENTITY a "aaaa">]><report>&a;</report>')
    with pytest.raises(SourceError, match="entit"):
        list(get_format("goaml").read(bomb, schema=goaml / "goAMLSchema-5.0.2.xsd"))


def test_a_folder_loads_every_valid_report_and_rejects_the_broken_one(goaml, workspace, tmp_path):
    folder = tmp_path / "reports"
    shutil.copytree(goaml / "samples", folder)
    broken = (folder / "STR.xml").read_text().replace("<amount_local>120000.00</amount_local>",
                                                      "<amount_local>lots</amount_local>")
    (folder / "STR.xml").write_text(broken)
    (folder / "A_garbage.xml").write_text("not xml &")  # cannot be read at all: the rest still loads
    schema = str(goaml / "goAMLSchema-5.0.2.xsd")
    assert runner.invoke(app, ["init"]).exit_code == 0
    result = runner.invoke(app, ["ingest", "goaml", str(folder), "--source", "fiu", "--agency", "FIU", "--schema", schema])
    assert result.exit_code == 1, result.output
    output = " ".join(result.output.split())
    assert "3 report(s) loaded, 2 rejected" in output and "A_garbage.xml: report: line 1: malformed XML" in output
    assert ("/report/transaction/amount_local line 54, field amount_local: not valid against goAMLSchema-5.0.2.xsd: "
            "invalid value 'lots' for xs:decimal") in output
    exported = runner.invoke(app, ["export", "ftm", "--output", "-"])
    names = {n for e in map(json.loads, exported.stdout.splitlines()) for n in e["properties"].get("name", [])}
    assert {"Aisha Mahmoud", "Yusuf Rahman", "Example Jewellery LLC"} <= names and "Layla Hassan" not in names
    again = runner.invoke(app, ["ingest", "goaml", str(folder), "--source", "fiu", "--schema", schema])
    # Reports accumulate: each loaded one is loaded once; a rejected one was not loaded, so it is validated again.
    assert again.output.count("unchanged since run") == 3 and "STR.xml: rejected" in again.output


def test_an_account_payment_names_the_holder_as_payer_and_keeps_directors_and_signatories(goaml):
    report = Path(__file__).resolve().parents[2] / "fuzz" / "corpus" / "goaml" / "ctr.xml"  # written for Nexus
    (record,) = get_format("goaml").read(report, schema=goaml / "goAMLSchema-5.0.2.xsd")
    found = by_schema(record.entities)
    (account,) = found["BankAccount"]
    assert account.get("accountNumber") == ["0012345678"] and account.get("bic") == ["EXBKNL2A"]
    (company,) = found["Company"]
    (payment,) = found["Payment"]
    assert payment.get("payerAccount") == [account.id] and payment.get("payer") == [company.id]
    assert {(o.first("owner"), o.first("role")) for o in found["Ownership"]} == {
        (company.id, "account holder"),
        (next(p.id for p in found["Person"] if p.get("idNumber") == ["NL-ID-4411"]), "SSIGN")}
    (directorship,) = found["Directorship"]
    assert directorship.get("organization") == [company.id] and directorship.get("role") == ["DIR"]
