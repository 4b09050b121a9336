"""A screening alert is about a record of the list, not the canonical id of the entity it belongs to: resolution that
merges records of other sources into a listed entity renames the entity, but neither raises its hits again as new
alerts nor undoes a decision on them. A list entry merged with nothing is about its own id, as it always was. On both
databases; held records, ad-hoc questions (service and API) and travellers alike."""

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from nexus.api import create_app
from nexus.ingest import ingest
from nexus.model import Classification, Labels
from nexus.resolve import apply_canonical_ids, cluster_id
from nexus.security import audit, tokens, users
from nexus.security.viewer import Viewer
from nexus.service.alerts import get_alert, review_alert
from nexus.service.screening import IndexCache, judge_hit, query_table, screen, screen_holdings
from nexus.service.travel import receive_message
from nexus.sources import get_format
from nexus.sources.travel.records import Document, Leg, Manifest, Traveller
from nexus.sources.travel.write import write_paxlst
from nexus.store.schema import alerts, statements

ANALYST = Viewer("ana", "POLICE", frozenset({"analyst"}), Classification.SECRET)
CLERK = Viewer("cal", "POLICE", frozenset({"analyst"}), Classification.RESTRICTED)
TARGETER = Viewer("tina", "POLICE", frozenset({"targeter"}), Classification.SECRET)
RESOLVER = Viewer("rex", "POLICE", frozenset({"administrator"}), Classification.SECRET)
LISTED = "wl-marko"
NAME, BORN = "Marko Petrovic", "1970-05-01"
TRAVELLER = Traveller("PETROVIC", "MARKO", birth_date=BORN, gender="male", nationality="SRB",
                      documents=[Document("P", "SR1234567", "SRB", "2030-01-01")])
LEG = Leg("JU", "360", "BEG", "BRU", "2025-03-02T10:00", "2025-03-02T12:30")


def person(entity_id: str, name: str = NAME) -> dict:
    return {"id": entity_id, "schema": "Person", "properties": {"name": [name], "birthDate": [BORN]}}


def load(store, tmp_path, source: str, *entities: dict, is_list: bool = False) -> None:
    path = tmp_path / f"{source}.json"
    path.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in entities))
    store.register_source(source, "ftm", Labels("POLICE"), is_list=is_list)
    ingest(store, source, path, get_format("ftm").read(path))


def resolve(store, *members: str) -> str:
    """Write the canonical id resolution gives a cluster of these records, and audit it as `resolve_store` does (which
    tells kept indexes to rebuild); returns it."""
    canonical = cluster_id(members)
    apply_canonical_ids(store, dict.fromkeys(members, canonical))
    audit.log_event(store, RESOLVER, "resolve", {"records": len(members)}, [])
    return canonical


@pytest.fixture
def watched(store, tmp_path):
    """`store` with a one-entry list (Marko Petrovic)."""
    load(store, tmp_path, "watch", person(LISTED), is_list=True)
    return store


def merge_more(store, tmp_path, source: str, *records: str) -> str:
    """Another record of the listed person, loaded into `source` (no list) and resolved into the listed entity with
    `records` (those merged before); returns the entity's new canonical id."""
    new = f"{source}-marko"
    load(store, tmp_path, source, person(new))
    return resolve(store, LISTED, *records, new)


def held_hit(store, record: str) -> dict | None:
    """Screen what the store holds; the record's one hit, or None."""
    hits = [h for h in screen_holdings(store, ANALYST)[1].to_pylist() if h["query_id"] == record]
    assert len(hits) <= 1
    return hits[0] if hits else None


def alerts_about(store, prefix: str) -> list[tuple[int, str]]:
    with store.engine.connect() as conn:
        rows = conn.execute(select(alerts.c.id, alerts.c.state).where(alerts.c.subject.startswith(prefix))
                            .order_by(alerts.c.id))
        return [tuple(row) for row in rows]


def test_a_held_records_alert_and_its_dismissal_outlive_re_resolution_of_the_listed_entity(watched, tmp_path):
    load(watched, tmp_path, "cases", person("p-1"))
    first = held_hit(watched, "p-1")
    assert first["entity_id"] == LISTED and first["alert_state"] == "open"

    merged = merge_more(watched, tmp_path, "intel")
    again = held_hit(watched, "p-1")
    assert again["entity_id"] == merged and again["fingerprint"] == first["fingerprint"]
    assert again["alert_id"] == first["alert_id"]  # the same alert, refreshed: not a second one to review
    assert get_alert(watched, ANALYST, first["alert_id"])["explanation"]["listed"]["entity_id"] == merged
    assert alerts_about(watched, "record/POLICE/p-1/") == [(first["alert_id"], "open")]

    review_alert(watched, ANALYST, first["alert_id"], "dismissed", "not him: another Marko Petrovic")
    assert merge_more(watched, tmp_path, "customs", "intel-marko") not in (LISTED, merged)
    assert held_hit(watched, "p-1") is None
    assert alerts_about(watched, "record/POLICE/p-1/") == [(first["alert_id"], "dismissed")]


def test_an_ad_hoc_hits_alert_and_its_dismissal_outlive_re_resolution(watched, tmp_path):
    question = query_table({"id": "q1", "name": NAME, "birth_date": BORN})
    (first,) = screen(watched, ANALYST, question, alerts=True).to_pylist()
    merged = merge_more(watched, tmp_path, "intel")
    (again,) = screen(watched, ANALYST, question, alerts=True).to_pylist()
    assert again["entity_id"] == merged and again["alert_id"] == first["alert_id"]

    # judged by the hit as screening shows it now, under the entity's new name
    judge_hit(watched, ANALYST, again["query_key"], again["entity_id"], again["fingerprint"], "dismissed", "not him")
    merge_more(watched, tmp_path, "customs", "intel-marko")
    assert screen(watched, ANALYST, question, alerts=True).num_rows == 0
    assert alerts_about(watched, "query/POLICE/") == [(first["alert_id"], "dismissed")]


def test_an_alert_raised_over_the_api_outlives_re_resolution(watched, tmp_path):
    users.create_user(watched, "ana", agency="POLICE", roles=["analyst"], clearance=Classification.SECRET)
    token = tokens.create_token(watched, users.viewer_for(watched, "ana"), "ana", frozenset({"read", "screen"}))
    headers = {"Authorization": f"Bearer {token}", "X-Nexus-Purpose": "alert identity"}
    app = create_app(watched)
    app.state.indexes = IndexCache(recheck=0)  # a kept index rebuilt as soon as resolution changed the list's entities
    client = TestClient(app)

    def raise_one() -> dict:
        response = client.post("/api/v1/screen", json={"name": NAME, "birth_date": BORN, "alerts": True},
                               headers=headers)
        assert response.status_code == 200, response.text
        (hit,) = response.json()["hits"]
        return hit

    first = raise_one()
    merged = merge_more(watched, tmp_path, "intel")
    again = raise_one()
    assert again["entity_id"] == merged and again["alert_id"] == first["alert_id"]


def test_a_travellers_trip_alert_and_its_dismissal_outlive_re_resolution(watched, tmp_path):
    def receive(reference: str) -> list[int]:
        message = write_paxlst(Manifest(reference, [LEG], [TRAVELLER])).encode()
        return receive_message(watched, TARGETER, message, f"{reference}.edi", "paxlst", "api").screening_alerts

    (first,) = receive("M1")
    merge_more(watched, tmp_path, "intel")
    assert receive("M2") == [first]  # the same trip's alert, raised again
    review_alert(watched, TARGETER, first, "dismissed", "a namesake")
    merge_more(watched, tmp_path, "customs", "intel-marko")
    assert receive("M3") == []  # that trip's decision holds


def test_an_alert_is_about_the_list_entry_itself_or_the_least_list_record_of_a_merged_entity(watched, tmp_path):
    """An entry merged with nothing keys its alerts as before (its canonical id is its own); one merged with records of
    other sources is about its own id too, not the cluster's."""
    load(watched, tmp_path, "other-list", person("ol-ivan", "Ivan Horvat"), is_list=True)
    load(watched, tmp_path, "cases", person("p-1"), person("p-2", "Ivan Horvat"))
    merged = merge_more(watched, tmp_path, "intel")
    unmerged, on_merged = held_hit(watched, "p-2"), held_hit(watched, "p-1")
    assert unmerged["entity_id"] == "ol-ivan" and on_merged["entity_id"] == merged
    assert get_alert(watched, ANALYST, unmerged["alert_id"])["subject"] == \
        f"record/POLICE/p-2/{unmerged['query_key']}:ol-ivan"  # the key it always had
    assert get_alert(watched, ANALYST, on_merged["alert_id"])["subject"] == \
        f"record/POLICE/p-1/{on_merged['query_key']}:{LISTED}"


def test_a_merged_entity_is_named_by_a_list_record_the_viewer_may_see(watched, tmp_path):
    """Two entries of the list resolved together: the least of them names the alert, unless it is hidden from the
    viewer (relabelled SECRET here), whose alert then names the one they screened against."""
    load(watched, tmp_path, "watch", person(LISTED), person("wl-petrovic"), is_list=True)
    merged = resolve(watched, LISTED, "wl-petrovic")
    with watched.engine.begin() as conn:
        conn.execute(update(statements).where(statements.c.entity_id == LISTED)
                     .values(classification=int(Classification.SECRET)))
    question = query_table({"id": "q1", "name": NAME, "birth_date": BORN})
    for viewer, record in ((ANALYST, LISTED), (CLERK, "wl-petrovic")):
        (hit,) = screen(watched, viewer, question, alerts=True).to_pylist()
        assert hit["entity_id"] == merged
        assert get_alert(watched, viewer, hit["alert_id"])["subject"] == f"query/POLICE/{hit['query_key']}:{record}"
