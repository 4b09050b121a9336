"""goAML intake runs: a rejected report is not loaded, so a re-run validates it again; a report loaded without a
schema is validated when one is given; a corrected report (same reporting entity and reference, later submission)
replaces what the earlier submission said, while reports of other references accumulate."""

from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from nexus.cli import app
from nexus.model.labels import Classification
from nexus.security.viewer import Viewer
from nexus.service import ingest as intake
from nexus.service.ingest import ingest_reports
from nexus.store.schema import statements

runner = CliRunner()
ANALYST = Viewer("ana", "FIU", frozenset({"analyst"}), Classification.SECRET, purpose="reports")
AMOUNT = "<amount_local>120000.00</amount_local>"
SUBMITTED = "<submission_date>2026-05-26T10:00:00</submission_date>"


@pytest.fixture
def goaml(shared_data):
    return shared_data / "goaml"


def variant(goaml: Path, path: Path, *changes: tuple[str, str]) -> Path:
    """The STR sample with each (old, new) replaced, written to `path` (the sample is read in place)."""
    text = (goaml / "samples" / "STR.xml").read_text()
    for old, new in changes:
        assert old in text
        text = text.replace(old, new)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def live(store, prop: str) -> list[str]:
    with store.engine.connect() as conn:
        return sorted(conn.execute(select(statements.c.value).where(
            statements.c.source == "fiu", statements.c.prop == prop, statements.c.retired_at.is_(None))).scalars())


def ingest(*args: str):
    return runner.invoke(app, ["ingest", "goaml", *args, "--source", "fiu", "--agency", "FIU"])


def test_a_rejected_report_is_validated_and_rejected_again_on_a_re_run(goaml, workspace, tmp_path):
    report = variant(goaml, tmp_path / "bad.xml", (AMOUNT, "<amount_local>lots</amount_local>"))
    schema = str(goaml / "goAMLSchema-5.0.2.xsd")
    assert runner.invoke(app, ["init"]).exit_code == 0
    for _ in range(2):
        result = ingest(str(report), "--schema", schema)
        assert result.exit_code == 1, result.output
        assert "bad.xml: rejected" in result.output and "unchanged" not in result.output
        assert "invalid value 'lots' for xs:decimal" in " ".join(result.output.split())


def test_without_a_schema_a_bad_value_rejects_the_report_from_the_cli(goaml, workspace, tmp_path):
    report = variant(goaml, tmp_path / "comma.xml", (AMOUNT, "<amount_local>120,000.00</amount_local>"))
    assert runner.invoke(app, ["init"]).exit_code == 0
    result = ingest(str(report))
    assert result.exit_code == 1, result.output
    output = " ".join(result.output.split())
    assert "comma.xml: rejected" in output and "0 report(s) loaded, 1 rejected" in output
    assert "/report/transaction/amount_local line 54, field amount_local: invalid value '120,000.00'" in output


def test_a_report_loaded_without_a_schema_is_validated_when_a_schema_is_given(goaml, store, tmp_path):
    report = variant(goaml, tmp_path / "str.xml")
    (_, unvalidated), = ingest_reports(store, ANALYST, report, "fiu", None)
    assert not unvalidated.errors and unvalidated.entities
    (_, old_schema), = ingest_reports(store, ANALYST, report, "fiu", goaml / "goAMLSchema-5.0.1.xsd")
    assert not old_schema.skipped_unchanged and len(old_schema.errors) == 10  # validated now, and rejected
    (_, validated), = ingest_reports(store, ANALYST, report, "fiu", goaml / "goAMLSchema-5.0.2.xsd")
    assert not validated.skipped_unchanged and not validated.errors
    (_, again), = ingest_reports(store, ANALYST, report, "fiu", goaml / "goAMLSchema-5.0.2.xsd")
    assert again.skipped_unchanged and again.run_id == validated.run_id


def test_a_correction_replaces_what_the_earlier_submission_of_its_reference_said(goaml, store, tmp_path):
    schema = goaml / "goAMLSchema-5.0.2.xsd"
    original = variant(goaml, tmp_path / "a" / "original.xml")
    corrected = variant(goaml, tmp_path / "b" / "corrected.xml", (AMOUNT, "<amount_local>130000.00</amount_local>"),
                        (SUBMITTED, "<submission_date>2026-05-27T10:00:00</submission_date>"),
                        ("DXB-MAIN", "AUH-MAIN"))
    other = variant(goaml, tmp_path / "c" / "other.xml", ("STR-2026-0042", "STR-2026-0077"),
                    (AMOUNT, "<amount_local>5000.00</amount_local>"),
                    (SUBMITTED, "<submission_date>2026-05-20T10:00:00</submission_date>"))
    for path in (other, original, corrected):
        ((_, result),) = ingest_reports(store, ANALYST, path, "fiu", schema)
        assert not result.errors
    assert live(store, "amount") == ["130000.00", "5000.00"]  # the other reference accumulates
    assert live(store, "date") == ["2026-05-20", "2026-05-24T14:30:00", "2026-05-24T14:30:00", "2026-05-27"]  # filings, payments
    # The reporting entity is shared by its reports: what the other report says of it stays.
    assert {"DXB-MAIN", "AUH-MAIN"} <= set(live(store, "notes"))
    ((_, again),) = ingest_reports(store, ANALYST, corrected, "fiu", schema, force=True)
    assert not again.errors and live(store, "amount") == ["130000.00", "5000.00"]  # a re-read changes nothing


def test_an_earlier_submission_arriving_after_its_correction_does_not_undo_it(goaml, store, tmp_path):
    schema = goaml / "goAMLSchema-5.0.2.xsd"
    corrected = variant(goaml, tmp_path / "corrected.xml", (AMOUNT, "<amount_local>130000.00</amount_local>"),
                        (SUBMITTED, "<submission_date>2026-05-27T10:00:00</submission_date>"))
    original = variant(goaml, tmp_path / "original.xml")
    ((_, loaded),) = ingest_reports(store, ANALYST, corrected, "fiu", schema)
    ((_, late),) = ingest_reports(store, ANALYST, original, "fiu", schema)
    assert not late.errors and late.superseded_by == "2026-05-27" and late.run_id == loaded.run_id
    assert live(store, "amount") == ["130000.00"]



@pytest.mark.parametrize("first", ["original", "corrected"])
def test_a_report_and_its_correction_submitted_at_once_leave_the_correction(goaml, store, tmp_path, at_once, first):
    # The first to read what the store holds of the report waits here for the other to read too, as two submissions
    # at once would; before, both read that nothing was held and both stayed live.
    schema = goaml / "goAMLSchema-5.0.2.xsd"
    corrected = variant(goaml, tmp_path / "corrected.xml", (AMOUNT, "<amount_local>130000.00</amount_local>"),
                        (SUBMITTED, "<submission_date>2026-05-27T10:00:00</submission_date>"))
    original = variant(goaml, tmp_path / "original.xml")

    def submit(path: Path) -> None:
        ((_, result),) = ingest_reports(store, ANALYST, path, "fiu", schema)
        assert not result.errors

    order = (original, corrected) if first == "original" else (corrected, original)
    at_once(intake, "_later_submission", *(lambda path=path: submit(path) for path in order))
    assert live(store, "amount") == ["130000.00"]

def test_a_correction_that_drops_a_transaction_retires_it(goaml, store, tmp_path):
    text = (goaml / "samples" / "STR.xml").read_text()
    start, end = text.index("<transaction>"), text.index("</transaction>") + len("</transaction>")
    second = text[start:end].replace("TXN-987654", "TXN-987655").replace(AMOUNT, "<amount_local>7.00</amount_local>")
    (two := tmp_path / "two.xml").write_text(text[:end] + "\n    " + second + text[end:])
    corrected = variant(goaml, tmp_path / "one.xml",
                        (SUBMITTED, "<submission_date>2026-05-27T10:00:00</submission_date>"))
    ingest_reports(store, ANALYST, two, "fiu", None)
    assert live(store, "amount") == ["120000.00", "7.00"]
    ingest_reports(store, ANALYST, corrected, "fiu", None)
    assert live(store, "amount") == ["120000.00"] and live(store, "transactionNumber") == ["TXN-987654"]


def test_a_folder_holding_a_report_and_its_correction_loads_the_correction_whatever_the_order(goaml, workspace,
                                                                                                tmp_path):
    variant(goaml, tmp_path / "reports" / "a-correction.xml", (AMOUNT, "<amount_local>130000.00</amount_local>"),
            (SUBMITTED, "<submission_date>2026-05-27T10:00:00</submission_date>"))
    variant(goaml, tmp_path / "reports" / "b-original.xml")
    assert runner.invoke(app, ["init"]).exit_code == 0
    for _ in range(2):
        result = ingest(str(tmp_path / "reports"), "--schema", str(goaml / "goAMLSchema-5.0.2.xsd"))
        assert result.exit_code == 0, result.output
        output = " ".join(result.output.split())
        assert "b-original.xml: superseded: the later submission of its report (2026-05-27, run 1)" in output
        assert "1 report(s) loaded, 0 rejected, 1 superseded by a later submission" in output
    exported = runner.invoke(app, ["export", "ftm", "--output", "-"])
    assert '"130000.00"' in exported.stdout and '"120000.00"' not in exported.stdout
