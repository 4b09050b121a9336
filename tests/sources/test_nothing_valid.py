"""A file in which not one record is valid (an XML file given as `ftm`, a roster none of whose rows has its key, a
list none of whose listings has its id, a feed none of whose rows converts) is refused whole: one error naming the
file and its first bad record, no source registered, an existing one's registration and statements as they were, a
non-zero exit. A file with some good records still loads them, its bad ones named (both databases)."""

import orjson
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from nexus.cli import app
from nexus.errors import InvalidInput
from nexus.model.labels import Classification
from nexus.security import audit
from nexus.security.viewer import Viewer
from nexus.service.ingest import LabelChanges, ingest_file
from nexus.service.ledger import ingest_transactions
from nexus.store.schema import ingest_errors, ingest_runs, ledger_batches, statements

OWNER = Viewer("owner", "LOCAL", frozenset({"administrator"}), Classification.TOP_SECRET)
OVERSIGHT = Viewer("olivia", "OVERSIGHT", frozenset({"oversight"}), Classification.TOP_SECRET)
XML = '<?xml version="1.0"?>\n<list>\n  <person>Omar</person>\n</list>\n'
ROSTER_MAPPING = """
queries:
  - entities:
      inmate:
        schema: Person
        keys: [inmate_id]
        properties:
          name: {column: name}
"""
UN_LIST = ('<?xml version="1.0" encoding="UTF-8"?>\n<CONSOLIDATED_LIST>\n<INDIVIDUALS>\n'
           + "<INDIVIDUAL><FIRST_NAME>TEST PERSON</FIRST_NAME><REFERENCE_NUMBER>QDi.900</REFERENCE_NUMBER></INDIVIDUAL>\n" * 2
           + "</INDIVIDUALS>\n<ENTITIES/>\n</CONSOLIDATED_LIST>\n")
FEED_HEADER = ("Timestamp,From Bank,Account,To Bank,Account,Amount Received,Receiving Currency,Amount Paid,"
               "Payment Currency,Payment Format,Is Laundering\n")
GOOD_ROW = "2022/09/01 00:20,010,8000EBD30,010,8000EBD30,3697.34,US Dollar,3697.34,US Dollar,Reinvestment,0\n"
BAD_ROW = "2022/13/01 00:00,03209,8000F4670,03209,8000F4670,14675.57,US Dollar,14675.57,US Dollar,Reinvestment,0\n"


def people(path, *ids: str):
    path.write_bytes(b"".join(orjson.dumps({"id": i, "schema": "Person", "properties": {"name": [f"Person {i}"]}})
                              + b"\n" for i in ids))
    return path


def counts(store) -> dict:
    with store.engine.connect() as conn:
        return {"live": conn.execute(select(func.count()).select_from(statements)
                                     .where(statements.c.retired_at.is_(None))).scalar(),
                "errors": conn.execute(select(func.count()).select_from(ingest_errors)).scalar(),
                "batches": conn.execute(select(func.count()).select_from(ledger_batches)).scalar()}


def statuses(store, source: str) -> list[str]:
    with store.engine.connect() as conn:
        return list(conn.execute(select(ingest_runs.c.status).where(ingest_runs.c.source == source)
                                 .order_by(ingest_runs.c.id)).scalars())


@pytest.mark.parametrize(("format", "content", "first"), [
    ("ftm", XML, "4 bad; the first: line 1: invalid JSON"),
    ("csv", "inmate_id,name\n,Ivan Petrov\n,Omar Khalil\n", "2 bad; the first: line 2, field inmate_id"),
    ("un-sc", UN_LIST, "2 bad; the first: INDIVIDUAL #1 line 4 (REFERENCE_NUMBER=QDi.900), field DATAID: missing"),
    ("csv", "inmate_id,name\n", "it holds no record to load"),
], ids=["xml-as-ftm", "roster-without-keys", "list-without-ids", "roster-header-only"])
def test_a_file_without_one_valid_record_is_refused_and_registers_nothing(store, tmp_path, format, content, first):
    path = tmp_path / "upload.dat"
    path.write_text(content)
    (tmp_path / "roster.yml").write_text(ROSTER_MAPPING)
    options = {"mapping": tmp_path / "roster.yml"} if format == "csv" else {}
    with pytest.raises(InvalidInput) as refused:
        ingest_file(store, OWNER, format, path, "bad", **options)
    assert str(refused.value).startswith(f"{path}: refused, nothing loaded: ")
    assert first in str(refused.value)
    assert store.get_source("bad") is None and counts(store) == {"live": 0, "errors": 0, "batches": 0}
    assert statuses(store, "bad") == ["failed"]  # not resumed: the same file is refused again


def test_an_existing_source_keeps_its_registration_and_its_statements(store, tmp_path):
    ingest_file(store, OWNER, "ftm", people(tmp_path / "people.json", "a", "b"), "police")
    before, held = store.get_source("police"), counts(store)
    (tmp_path / "people.json").write_text(XML)  # a complete re-load would have retired everything it held
    with pytest.raises(InvalidInput, match="people.json: refused, nothing loaded: not one of its records is valid"):
        ingest_file(store, OWNER, "ftm", tmp_path / "people.json", "police", LabelChanges(classification="SECRET"))
    assert store.get_source("police") == before and counts(store) == held
    assert audit.search_audit(store, OVERSIGHT, action="sources.relabel") == []


def test_a_file_with_some_good_records_loads_them_and_names_the_bad_ones(store, tmp_path):
    path = people(tmp_path / "people.json", "a")
    path.write_text(path.read_text() + "not json\n")
    result = ingest_file(store, OWNER, "ftm", path, "police")
    assert (result.entities, [e.location for e in result.errors]) == (1, ["line 2"])
    assert store.get_source("police") is not None


def test_the_cli_exits_non_zero_naming_the_file_and_its_first_bad_line(workspace, tmp_path):
    runner = CliRunner()
    (tmp_path / "bad.xml").write_text(XML)
    refused = runner.invoke(app, ["ingest", "ftm", str(tmp_path / "bad.xml"), "--source", "ftm-bad"])
    assert refused.exit_code == 1
    assert f"{tmp_path / 'bad.xml'}: refused, nothing loaded: not one of its records is valid" in str(refused.exception)
    assert "ftm-bad" not in runner.invoke(app, ["sources"]).output
    partly = people(tmp_path / "people.json", "a")
    partly.write_text(partly.read_text() + XML)
    loaded = runner.invoke(app, ["ingest", "ftm", str(partly), "--source", "police"])
    assert loaded.exit_code == 1 and "1 entities" in loaded.output and "4 errors" in loaded.output


def test_a_feed_without_one_valid_row_is_refused_and_registers_nothing(store, tmp_path):
    home, feed = tmp_path / "home", tmp_path / "feed.csv"
    feed.write_text(FEED_HEADER + BAD_ROW * 2)
    with pytest.raises(InvalidInput, match="feed.csv: refused, nothing loaded: not one of its records is valid "
                                           r"\(2 bad; the first: line 2, field timestamp"):
        ingest_transactions(store, OWNER, feed, "bank-a", home)
    assert store.get_source("bank-a") is None and statuses(store, "bank-a") == []

    feed.write_text(FEED_HEADER + GOOD_ROW + BAD_ROW)
    assert ingest_transactions(store, OWNER, feed, "bank-a", home).entities == 1
    before, held = store.get_source("bank-a"), counts(store)
    feed.write_text(FEED_HEADER + BAD_ROW)
    with pytest.raises(InvalidInput, match="feed.csv: refused, nothing loaded"):
        ingest_transactions(store, OWNER, feed, "bank-a", home, LabelChanges(classification="SECRET"))
    assert store.get_source("bank-a") == before and counts(store) == held
    feed.write_text(FEED_HEADER)
    with pytest.raises(InvalidInput, match="feed.csv: refused, nothing loaded: it holds no record to load"):
        ingest_transactions(store, OWNER, feed, "bank-a", home)
