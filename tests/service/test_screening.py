"""Screening through the service layer: policy filtering, suppression of dismissed hits, audit, no lists."""

import threading
import time
from datetime import UTC, datetime, timedelta

import orjson
import pyarrow as pa
import pytest
from sqlalchemy import select

from nexus.errors import Conflict, InvalidInput, NotFound
from nexus.ingest import ingest
from nexus.model import Classification, Labels
from nexus.security.policy import AccessDenied
from nexus.security.viewer import Viewer
from nexus.security.warrants import add_warrant
from nexus.service.screening import IndexCache, judge_hit, screen
from nexus.sources import get_format
from nexus.store import utc_stamp
from nexus.store.schema import audit_log

ANALYST = Viewer("ana", "POLICE", frozenset({"analyst"}), Classification.SECRET)
CLERK = Viewer("clerk", "POLICE", frozenset({"analyst"}), Classification.RESTRICTED)


def load_list(store, tmp_path, name, classification, entities):
    path = tmp_path / f"{name}.json"
    path.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in entities))
    store.register_source(name, "ftm", Labels(agency="POLICE", classification=classification), is_list=True)
    ingest(store, name, path, get_format("ftm").read(path))


def person(entity_id, name, birth_date):
    return {"id": entity_id, "schema": "Person", "properties": {"name": [name], "birthDate": [birth_date]}}


@pytest.fixture
def lists(store, tmp_path):
    load_list(store, tmp_path, "open-list", Classification.UNCLASSIFIED, [person("w1", "Viktor Bout", "1967-01-13")])
    load_list(store, tmp_path, "secret-list", Classification.SECRET, [person("w2", "Hamza Al-Masri", "1980")])
    return store


def queries(*rows):
    return pa.table({"id": [r[0] for r in rows], "name": [r[1] for r in rows], "birth_date": [r[2] for r in rows]})


def test_hits_are_filtered_by_clearance(lists):
    q = queries(("q1", "Viktor Bout", "1967"), ("q2", "Hamza al Masri", "1980"))
    assert set(screen(lists, ANALYST, q).column("entity_id").to_pylist()) == {"w1", "w2"}
    assert screen(lists, CLERK, q).column("entity_id").to_pylist() == ["w1"]


def test_dismissed_hit_is_not_raised_again_until_its_data_changes(lists, tmp_path):
    q = queries(("q1", "Viktor Bout", "1967"))
    (hit,) = screen(lists, ANALYST, q).to_pylist()
    assert hit["alert_id"] is None  # ad-hoc screening raises alerts only when asked
    with pytest.raises(NotFound, match="no screening alert"):
        judge_hit(lists, ANALYST, hit["query_key"], hit["entity_id"], hit["fingerprint"], "dismissed", "x")
    (hit,) = screen(lists, ANALYST, q, alerts=True).to_pylist()
    assert hit["alert_state"] == "open"
    with pytest.raises(InvalidInput, match="reason"):
        judge_hit(lists, ANALYST, hit["query_key"], hit["entity_id"], hit["fingerprint"], "dismissed")
    judge_hit(lists, ANALYST, hit["query_key"], hit["entity_id"], hit["fingerprint"], "dismissed", "different person")
    assert screen(lists, ANALYST, q).num_rows == 0
    assert screen(lists, ANALYST, q, alerts=True).num_rows == 0
    load_list(lists, tmp_path, "open-list", Classification.UNCLASSIFIED,
              [{"id": "w1", "schema": "Person",
                "properties": {"name": ["Viktor Bout"], "birthDate": ["1967-01-13"], "nationality": ["ru"]}}])
    (again,) = screen(lists, ANALYST, q).to_pylist()
    assert again["fingerprint"] != hit["fingerprint"]


def test_screening_is_audited_and_needs_the_role(lists):
    screen(lists, ANALYST, queries(("q1", "Viktor Bout", None)))
    with lists.engine.connect() as conn:
        last = conn.execute(select(audit_log).order_by(audit_log.c.seq.desc()).limit(1)).mappings().one()
    assert last["action"] == "screen" and "w1" in last["result_ids"]
    with pytest.raises(AccessDenied):
        screen(lists, Viewer("adm", "POLICE", frozenset({"administrator"}), Classification.SECRET),
               queries(("q1", "Viktor Bout", None)))


def test_hits_come_in_the_order_of_the_queries_best_first(lists):
    q = queries(("q10", "Hamza al Masri", "1980"), ("q2", "Viktor Bout", None), ("q1", "Viktor Bout", "1967"))
    hits = screen(lists, ANALYST, q)
    assert hits.column("query_id").to_pylist() == ["q10", "q2", "q1"]


def test_screening_without_list_sources_says_how_to_fix_it(store):
    with pytest.raises(Conflict, match="nexus ingest un-sc"):
        screen(store, ANALYST, queries(("q1", "Viktor Bout", None)))


def test_an_unknown_list_or_schema_is_the_callers_error(lists):
    with pytest.raises(NotFound, match="nope"):
        screen(lists, ANALYST, queries(("q1", "Viktor Bout", None)), lists=["nope"])
    bad = queries(("q1", "Viktor Bout", None)).append_column("schema", pa.array(["Persn"]))
    with pytest.raises(InvalidInput, match="Persn"):
        screen(lists, ANALYST, bad)


def test_a_kept_index_follows_the_warrants_the_viewer_may_use_not_their_words(store, tmp_path):
    admin = Viewer("admin", "POLICE", frozenset({"supervisor"}), Classification.SECRET)
    now = datetime.now(UTC)
    add_warrant(store, admin, "W-1", agency="POLICE", kind="interception", issued_at=utc_stamp(now - timedelta(days=60)),
                expires_at=utc_stamp(now - timedelta(days=1)), allowed_uses=["prosecution"])  # expired: evidence only
    path = tmp_path / "intercepts.json"
    path.write_bytes(orjson.dumps(person("w9", "Omar Intercepted", "1975")) + b"\n")
    store.register_source("intercepts", "ftm", Labels(agency="POLICE", warrant="W-1"), is_list=True)
    ingest(store, "intercepts", path, get_format("ftm").read(path))
    cache = IndexCache()
    query = queries(("q", "Omar Intercepted", "1975"))

    def viewer(purpose):
        return Viewer("ana", "POLICE", frozenset({"analyst"}), Classification.SECRET, purpose=purpose)

    prosecution, other = cache.get(store, viewer("prosecution")), cache.get(store, viewer("checking a name"))
    assert screen(store, viewer("prosecution"), query, index=prosecution).column("entity_id").to_pylist() == ["w9"]
    assert screen(store, viewer("checking a name"), query, index=other).num_rows == 0
    assert cache.get(store, viewer("yet other words")) is other  # new words, the same warrants: no new index


def test_requests_screened_at_once_share_the_matcher_and_each_get_their_own_hits(lists, monkeypatch):
    from nexus.service import screening

    index = IndexCache().get(lists, ANALYST)
    asked = [(None, "Viktor Bout", "1967"), ("mine", "Hamza al Masri", "1980"), (None, "Jane Nobody", None),
             ("x", "Viktor Bout", None), (None, "Hamza Al-Masri", None)]
    alone = [screen(lists, ANALYST, queries(row), index=index).to_pylist() for row in asked]
    calls = []
    real = screening.screen_batch

    def counted(index, table, *args, **kwargs):
        calls.append(table.num_rows)
        time.sleep(0.05)  # let the other requests queue behind this call
        return real(index, table, *args, **kwargs)

    monkeypatch.setattr(screening, "screen_batch", counted)
    together, start = {}, threading.Barrier(len(asked) * 4)

    def ask(n):
        start.wait()
        together[n] = screen(lists, ANALYST, queries(asked[n % len(asked)]), index=index).to_pylist()

    threads = [threading.Thread(target=ask, args=(n,)) for n in range(len(asked) * 4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for n, hits in together.items():
        assert hits == alone[n % len(asked)]  # the same hits and query ids ("0" for a query without one)
    assert sum(calls) == len(threads) and len(calls) < len(threads)
    assert alone[0][0]["query_id"] == "0" and alone[1][0]["query_id"] == "mine"


def test_requests_that_find_no_index_wait_for_one_build(lists, monkeypatch):
    from nexus.service import screening

    builds = []
    real = screening.build_index

    def slow_build(*args, **kwargs):
        builds.append(1)
        time.sleep(0.1)  # the others arrive while it builds
        return real(*args, **kwargs)

    monkeypatch.setattr(screening, "build_index", slow_build)
    cache, got, start = IndexCache(), [], threading.Barrier(8)

    def ask():
        start.wait()
        got.append(cache.get(lists, ANALYST))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(builds) == 1 and len(got) == 8 and all(index is got[0] for index in got)
