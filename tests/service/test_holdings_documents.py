"""Screening what the store holds asks with every document number a record has: its own (passportNumber, idNumber,
…) and those of the identity documents it holds (FtM Passport/Identification naming it their holder, goAML's
`<identification>`), each as the viewer may see it; one query per (record, document), and the record's best hit on
each listed person is its one alert. Against the UN list sample cut to Ri Won Ho (KPi.033), on both databases."""

from pathlib import Path

import orjson
import pyarrow as pa
import pytest
from sqlalchemy import func, select

from nexus.engine import DuckDBEngine, SparkEngine, take_snapshot
from nexus.ingest import ingest
from nexus.model import Classification, Labels
from nexus.screen.evidence import SCORING
from nexus.security.viewer import Viewer
from nexus.service import screening
from nexus.service.alerts import get_alert, list_alerts
from nexus.service.ingest import ingest_reports
from nexus.service.screening import holdings_queries, screen, screen_holdings
from nexus.sources import get_format
from nexus.store.schema import alerts, statements

#: KPi.033 on the UN list: RI WON HO, born 1964-07-17, DPRK passport 381310014.
RI_WON_HO, PASSPORT, BORN = "unsc-6908555", "381310014", "1964-07-17"
ANALYST = Viewer("fay", "FIU", frozenset({"analyst"}), Classification.SECRET)
CLERK = Viewer("cal", "FIU", frozenset({"analyst"}), Classification.RESTRICTED)
FIU = Labels("FIU", Classification.RESTRICTED, releasable_to=("FIU",))
FIU_CONFIDENTIAL = Labels("FIU", Classification.CONFIDENTIAL, releasable_to=("FIU",))
S = statements.c



def load(store, tmp_path: Path, source: str, labels: Labels, *entities: dict) -> None:
    path = tmp_path / f"{source}.json"
    path.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in entities))
    store.register_source(source, "ftm", labels)
    ingest(store, source, path, get_format("ftm").read(path))


def person(entity_id: str, name: str, **props) -> dict:
    return {"id": entity_id, "schema": "Person",
            "properties": {"name": [name], "birthDate": [BORN], **{k: v if isinstance(v, list) else [v]
                                                                   for k, v in props.items()}}}


def document(entity_id: str, holder: str, number: str, schema: str = "Passport") -> dict:
    return {"id": entity_id, "schema": schema, "properties": {"holder": [holder], "number": [number]}}


def documents_of(queries: pa.Table, record: str) -> list[tuple[str | None, str | None]]:
    return [(q["document"], q.get("document_id")) for q in queries.to_pylist() if q["id"] == record]


def hits_of(hits: pa.Table, record: str) -> list[dict]:
    return [h for h in hits.to_pylist() if h["query_id"] == record]


def alert_count(store) -> int:
    with store.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(alerts)).scalar_one()


def test_a_number_held_only_in_a_passport_entity_is_screened_as_the_viewer_may_see_it(un_store, tmp_path):
    """Peter Johnson's record has no number of its own; a Passport naming him holder (kept CONFIDENTIAL) carries Ri
    Won Ho's. The analyst's screening asks with it and raises the document-first hit, citing the passport; a clerk
    who may not see the passport is asked nothing of it, and does not see the alert."""
    load(un_store, tmp_path, "customers", FIU, person("c1", "Peter Johnson"))
    load(un_store, tmp_path, "passports", FIU_CONFIDENTIAL, document("c1-passport", "c1", PASSPORT))
    queries, hits = screen_holdings(un_store, ANALYST)
    assert documents_of(queries, "c1") == [(PASSPORT, "c1-passport")]
    (hit,) = hits_of(hits, "c1")
    assert hit["entity_id"] == RI_WON_HO and hit["score"] >= SCORING.document_identity
    alert = get_alert(un_store, ANALYST, hit["alert_id"])
    assert alert["explanation"]["query"]["document"] == PASSPORT
    assert {e["entity_id"] for e in alert["evidence"]} == {"c1", "c1-passport", RI_WON_HO}
    assert alert["labels"]["classification"] == "CONFIDENTIAL"

    clerk_queries, clerk_hits = screen_holdings(un_store, CLERK)
    assert documents_of(clerk_queries, "c1") == [(None, None)] and hits_of(clerk_hits, "c1") == []
    assert list_alerts(un_store, CLERK, kind="screening") == []


def test_a_record_is_screened_with_its_second_own_number_too(un_store, tmp_path):
    """The least of two own numbers is not the listed one: the second raises the hit."""
    load(un_store, tmp_path, "customers", FIU, person("c2", "Peter Johnson", idNumber="100000001", passportNumber=PASSPORT))
    queries, hits = screen_holdings(un_store, ANALYST)
    assert documents_of(queries, "c2") == [("100000001", None), (PASSPORT, None)]
    (hit,) = hits_of(hits, "c2")
    assert hit["entity_id"] == RI_WON_HO and hit["score"] >= SCORING.document_identity
    assert get_alert(un_store, ANALYST, hit["alert_id"])["explanation"]["query"]["document"] == PASSPORT


def test_three_numbers_on_one_listed_person_are_one_hit_and_one_alert(un_store, tmp_path):
    """Ri Won Ho's passport written three ways, two of them the record's own and one an Identification it holds:
    three queries, one hit on him, one alert."""
    load(un_store, tmp_path, "customers", FIU,
         person("c3", "Peter Johnson", passportNumber=PASSPORT, idNumber="381 310 014"),
         document("c3-id", "c3", "381-310-014", schema="Identification"))
    queries, hits = screen_holdings(un_store, ANALYST)
    assert documents_of(queries, "c3") == [("381 310 014", None), (PASSPORT, None), ("381-310-014", "c3-id")]
    (hit,) = hits_of(hits, "c3")
    assert hit["entity_id"] == RI_WON_HO and hit["score"] >= SCORING.document_identity
    (alert,) = list_alerts(un_store, ANALYST, kind="screening")
    assert alert["id"] == hit["alert_id"] and alert_count(un_store) == 1


def test_screening_again_raises_nothing_new_and_a_one_number_record_keeps_its_key(un_store, tmp_path):
    """Two records on Ri Won Ho: one with his passport alone, one with it as its second number. Screening twice
    raises the same two alerts; the one-number record's alert is about the question it was asked before documents
    were counted one by one (the same question asked on its own)."""
    load(un_store, tmp_path, "customers", FIU, person("c4", "Peter Johnson", passportNumber=PASSPORT),
         person("c5", "John Peterson", idNumber="100000001"))
    load(un_store, tmp_path, "passports", FIU, document("c5-passport", "c5", PASSPORT))
    _, first = screen_holdings(un_store, ANALYST)
    assert sorted(first.column("query_id").to_pylist()) == ["c4", "c5"] and alert_count(un_store) == 2
    _, again = screen_holdings(un_store, ANALYST)
    assert again.select(["query_id", "query_key", "alert_id"]) == first.select(["query_id", "query_key", "alert_id"])
    assert alert_count(un_store) == 2
    asked_alone = screen(un_store, ANALYST, pa.table({"id": ["q"], "name": ["Peter Johnson"], "birth_date": [BORN],
                                                      "document": [PASSPORT]}))
    (c4,) = hits_of(again, "c4")
    assert c4["query_key"] == asked_alone.column("query_key")[0].as_py()


def test_the_goaml_str_samples_identification_number_reaches_the_queries(store, shared_data, tmp_path):
    """The STR sample's Layla Hassan, her number left in her `<identification>` alone: she is asked with it, and the
    query names the Identification entity it came from."""
    text = (shared_data / "goaml" / "samples" / "STR.xml").read_text(encoding="utf-8")
    own = "<id_number>784198512345671</id_number>"
    assert text.count(own) == 1 and text.count("<number>784198512345671</number>") == 1
    report = tmp_path / "STR.xml"
    report.write_text(text.replace(own, ""), encoding="utf-8")
    ingest_reports(store, ANALYST, report, "fiu", None)
    queries = holdings_queries(store, ANALYST)
    (layla,) = [q for q in queries.to_pylist() if q["name"] == "Layla Hassan"]
    assert (layla["document"], layla["birth_date"]) == ("784198512345671", "1989-07-02")
    with store.engine.connect() as conn:
        (holder,) = conn.execute(select(S.value).where(S.entity_id == layla["document_id"], S.schema == "Identification",
                                                       S.prop == "holder")).scalars()
    assert holder == layla["id"]


@pytest.mark.spark
@pytest.mark.sqlite_only
@pytest.mark.xdist_group("spark")
def test_the_queries_sql_means_the_same_on_spark(store, tmp_path, spark_session):
    """`person_queries.sql` over the viewer's view of one snapshot: the same queries on Spark as on DuckDB."""
    load(store, tmp_path, "customers", FIU, person("c6", "Peter Johnson", idNumber="100000001", passportNumber=PASSPORT),
         person("c7", "Anna Smith"), document("c6-id", "c6", "200000002", schema="Identification"),
         document("c6-passport", "c6", PASSPORT))
    load(store, tmp_path, "passports", FIU_CONFIDENTIAL, document("c7-passport", "c7", "300000003"))
    snapshot = take_snapshot(store, tmp_path / "snapshot")
    found = {}
    for name, session in (("duckdb", DuckDBEngine()), ("spark", SparkEngine(spark_session, workdir=tmp_path))):
        with session:
            session.use_snapshot(snapshot, CLERK, action="screen")
            found[name] = screening.person_queries(session).to_pylist()
    assert found["spark"] == found["duckdb"]
    assert [(q["id"], q["document"], q["document_id"]) for q in found["duckdb"]] == [
        ("c6", "100000001", None), ("c6", PASSPORT, None), ("c6", "200000002", "c6-id"), ("c7", None, None)]


def test_a_name_hit_equal_on_every_number_keeps_the_key_of_the_records_own_number(un_store, tmp_path):
    """Ri Won Ho by name and birth date, with an own number and a held passport whose number sorts first, neither
    listed: the hit is equally good on both questions, and is kept on the record's own (the question it was asked
    before held documents were counted), so its alert's key does not move."""
    load(un_store, tmp_path, "customers", FIU, person("c6", "Ri Won Ho", passportNumber="Z99999999"))
    load(un_store, tmp_path, "passports", FIU, document("c6-passport", "c6", "A00000001"))
    queries, hits = screen_holdings(un_store, ANALYST)
    assert documents_of(queries, "c6") == [("Z99999999", None), ("A00000001", "c6-passport")]
    (hit,) = hits_of(hits, "c6")
    asked_alone = screen(un_store, ANALYST, pa.table({"id": ["q"], "name": ["Ri Won Ho"], "birth_date": [BORN],
                                                      "document": ["Z99999999"]}))
    assert hit["entity_id"] == RI_WON_HO and hit["query_key"] == asked_alone.column("query_key")[0].as_py()
