"""A load that loads nothing changes nothing: a file (a goAML report, a transactions feed) loaded already unchanged
leaves its source's registration as it is, and a relabel given with it is refused with the way to do it (--force),
so that `nexus sources` never disagrees with the statements; a relabel a load writes is audited, saying which labels
it loosened. Labels given are checked before anything loads (both databases)."""

import orjson
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from nexus.cli import app
from nexus.errors import InvalidInput
from nexus.model.labels import Classification
from nexus.security import audit
from nexus.security.viewer import Viewer
from nexus.service.ingest import LabelChanges, ingest_file, ingest_reports
from nexus.service.ledger import ingest_transactions
from nexus.store.schema import statements

OWNER = Viewer("owner", "LOCAL", frozenset({"administrator"}), Classification.TOP_SECRET)
OVERSIGHT = Viewer("olivia", "OVERSIGHT", frozenset({"oversight"}), Classification.TOP_SECRET)
FIU = Viewer("ana", "FIU", frozenset({"analyst"}), Classification.SECRET, purpose="reports")
SECRET_ORCON = LabelChanges(agency="INTEL", classification="SECRET", orcon=True)
runner = CliRunner()


def people(path, *ids: str):
    path.write_bytes(b"".join(orjson.dumps({"id": i, "schema": "Person", "properties": {"name": [f"Person {i}"]}})
                              + b"\n" for i in ids))
    return path


def stored_labels(store, source: str) -> set[tuple[int, bool]]:
    with store.engine.connect() as conn:
        return set(tuple(r) for r in conn.execute(select(statements.c.classification, statements.c.orcon)
                                .where(statements.c.source == source).distinct()))


def relabels(store) -> list[dict]:
    found = audit.search_audit(store, OVERSIGHT, action="sources.relabel")
    return [r["query"] if isinstance(r["query"], dict) else orjson.loads(r["query"]) for r in found]


def test_an_unchanged_file_neither_relabels_its_source_nor_says_it_did(store, tmp_path):
    path = people(tmp_path / "intel.ftm.json", "p1", "p2")
    assert ingest_file(store, OWNER, "ftm", path, "intel", SECRET_ORCON).statements
    for lowered, field in ((LabelChanges(agency="INTEL", classification="UNCLASSIFIED"), "classification"),
                           (LabelChanges(orcon=False), "orcon")):
        with pytest.raises(InvalidInput, match="re-load it with --force") as refused:
            ingest_file(store, OWNER, "ftm", path, "intel", lowered)
        assert refused.value.field == field
        source = store.get_source("intel")
        assert (source["classification"], bool(source["orcon"])) == (Classification.SECRET, True)
    # the same labels again, or none, are not a relabel: nothing to do, and nothing is refused
    assert ingest_file(store, OWNER, "ftm", path, "intel", SECRET_ORCON).skipped_unchanged
    assert ingest_file(store, OWNER, "ftm", path, "intel").skipped_unchanged
    # a later delta is labelled as the source's data is, not as the refused relabel said
    ingest_file(store, OWNER, "ftm", people(tmp_path / "delta.json", "p3"), "intel", partial=True)
    assert stored_labels(store, "intel") == {(Classification.SECRET, True)}
    assert relabels(store) == []


def test_a_forced_re_load_relabels_source_and_statements_together_and_is_audited_as_lowering(store, tmp_path):
    path = people(tmp_path / "intel.ftm.json", "p1", "p2")
    ingest_file(store, OWNER, "ftm", path, "intel", SECRET_ORCON)
    result = ingest_file(store, OWNER, "ftm", path, "intel", LabelChanges(classification="UNCLASSIFIED", orcon=False),
                         force=True)
    assert not result.skipped_unchanged
    assert store.get_source("intel")["classification"] == Classification.UNCLASSIFIED
    assert stored_labels(store, "intel") == {(Classification.UNCLASSIFIED, False)}
    (event,) = relabels(store)
    assert event["source"] == "intel" and sorted(event["lowered"]) == ["classification", "orcon"]
    assert event["changes"]["classification"] == {"from": "SECRET", "to": "UNCLASSIFIED"}


def test_the_cli_refuses_a_relabel_of_an_unchanged_file_and_sources_still_agrees(workspace, tmp_path):
    path = str(people(tmp_path / "intel.ftm.json", "p1"))
    base = ["ingest", "ftm", path, "--source", "intel", "--agency", "INTEL"]
    assert runner.invoke(app, [*base, "--classification", "SECRET", "--orcon"]).exit_code == 0
    again = runner.invoke(app, [*base, "--classification", "UNCLASSIFIED"])
    assert again.exit_code != 0 and "--force" in str(again.exception) and "nothing to do" not in again.output
    listed = " ".join(runner.invoke(app, ["sources"]).output.split())
    assert "SECRET" in listed and "UNCLASSIFIED" not in listed and "ORCON" in listed


def test_a_report_loaded_already_or_superseded_leaves_the_registration(store, shared_data, tmp_path):
    sample = (shared_data / "goaml" / "samples" / "STR.xml").read_text()
    submitted = "<submission_date>2026-05-26T10:00:00</submission_date>"
    assert submitted in sample
    later = tmp_path / "later.xml"
    later.write_text(sample.replace(submitted, "<submission_date>2026-06-30T10:00:00</submission_date>"))
    ((_, loaded),) = ingest_reports(store, FIU, later, "fiu", None, LabelChanges(classification="SECRET"))
    assert not loaded.errors and not loaded.skipped_unchanged
    with pytest.raises(InvalidInput, match="--force"):
        ingest_reports(store, FIU, later, "fiu", None, LabelChanges(classification="UNCLASSIFIED"))
    assert store.get_source("fiu")["classification"] == Classification.SECRET
    earlier = tmp_path / "earlier.xml"
    earlier.write_text(sample)
    ((_, superseded),) = ingest_reports(store, FIU, earlier, "fiu", None, LabelChanges(classification="UNCLASSIFIED"))
    assert superseded.superseded_by is not None
    assert store.get_source("fiu")["classification"] == Classification.SECRET


FEED = ("Timestamp,From Bank,Account,To Bank,Account,Amount Received,Receiving Currency,Amount Paid,"
        "Payment Currency,Payment Format,Is Laundering\n"
        "2022/09/01 00:20,010,8000EBD30,010,8000EBD30,3697.34,US Dollar,3697.34,US Dollar,Reinvestment,0\n")


def test_a_feed_loaded_already_leaves_the_registration(store, tmp_path):
    feed = tmp_path / "feed.csv"
    feed.write_text(FEED)
    home = tmp_path / "home"
    ingest_transactions(store, FIU, feed, "bank", home, LabelChanges(agency="FIU", classification="SECRET"))
    with pytest.raises(InvalidInput, match="--force"):
        ingest_transactions(store, FIU, feed, "bank", home, LabelChanges(classification="UNCLASSIFIED"))
    assert store.get_source("bank")["classification"] == Classification.SECRET
    assert ingest_transactions(store, FIU, feed, "bank", home, LabelChanges(classification="SECRET")).skipped_unchanged
    forced = ingest_transactions(store, FIU, feed, "bank", home, LabelChanges(classification="CONFIDENTIAL"),
                                 force=True)
    assert not forced.skipped_unchanged
    assert store.get_source("bank")["classification"] == Classification.CONFIDENTIAL
    assert [e["lowered"] for e in relabels(store)] == [["classification"]]


@pytest.mark.parametrize(("changes", "field"), [
    (dict(agency=""), "agency"),
    (dict(agency="NO SUCH AGENCY"), "agency"),
    (dict(releasable_to=" , "), "releasable_to"),
    (dict(releasable_to="POLICE,,bad agency"), "releasable_to"),
    (dict(classification=""), "classification"),
    (dict(classification="SECRETISH"), "classification"),
    (dict(compartment="OP\x00-1"), "compartment"),
    (dict(legal_basis="art. 5\x00"), "legal_basis"),
])
def test_a_bad_label_is_refused_naming_its_field(changes, field):
    with pytest.raises(InvalidInput) as refused:
        LabelChanges(**changes)
    assert refused.value.field == field


def test_bad_retention_an_unregistered_warrant_or_a_nul_in_the_source_load_nothing(store, tmp_path):
    path = people(tmp_path / "p.json", "p1")
    for kwargs, field in ((dict(retention_days=-5), "retention_days"), (dict(retention_days=0), "retention_days"),
                          (dict(labels=LabelChanges(warrant="W-NOWHERE")), "warrant")):
        with pytest.raises(InvalidInput) as refused:
            ingest_file(store, OWNER, "ftm", path, "police", **kwargs)
        assert refused.value.field == field
        if field == "warrant":
            assert "W-NOWHERE" in str(refused.value)
    with pytest.raises(InvalidInput) as refused:
        ingest_file(store, OWNER, "ftm", path, "pol\x00ice")
    assert refused.value.field == "source"
    assert store.list_sources() == []
    assert ingest_file(store, OWNER, "ftm", path, "police", retention_days=30).statements


@pytest.mark.parametrize("agency", ["POLICE", "INTEL"])
def test_another_agencys_warrant_is_answered_as_none_whatever_agency_the_data_claims(store, tmp_path, agency):
    from nexus.security.warrants import add_warrant

    intel = Viewer(user="ines", agency="INTEL", roles=frozenset({"supervisor"}), clearance=Classification.SECRET)
    add_warrant(store, intel, "W-INTEL", agency="INTEL", kind="interception", expires_at="2099-01-01")
    analyst = Viewer(user="dave", agency="POLICE", roles=frozenset({"analyst"}), clearance=Classification.SECRET)
    path = people(tmp_path / "p.json", "p1")
    answers = []
    for warrant in ("W-INTEL", "W-NOWHERE"):
        with pytest.raises(InvalidInput) as refused:
            ingest_file(store, analyst, "ftm", path, "police", LabelChanges(agency=agency, warrant=warrant))
        answers.append(str(refused.value).replace(warrant, "W"))
    feed = tmp_path / "feed.csv"
    feed.write_text("Timestamp,From Bank,Account,To Bank,Account,Amount Received,Receiving Currency,Amount Paid,"
                    "Payment Currency,Payment Format,Is Laundering\n"
                    "2022/09/01 00:20,010,8000EBD30,011,8000EBD31,10.00,Euro,10.00,Euro,Wire,0\n")
    with pytest.raises(InvalidInput) as refused:  # nor into a bank feed, whose loader labels another's data
        ingest_transactions(store, analyst, feed, "bank", tmp_path / "home",
                            LabelChanges(agency=agency, warrant="W-INTEL"))
    answers.append(str(refused.value).replace("W-INTEL", "W"))
    assert answers[0] == answers[1] == answers[2]
