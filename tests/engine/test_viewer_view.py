"""An engine's view of a snapshot holds exactly the statements the store's policy shows the viewer.

The world below varies every security dimension, and the warrants every state (in force,
expired with and without the viewer's purpose, revoked, not yet issued, unknown); the
set of statement ids in the engine's view must equal what `statement_clause` selects
from the store, on SQLite and PostgreSQL, on DuckDB (and on Spark).
"""

from datetime import UTC, date, datetime, timedelta

import pytest
from followthemoney import model
from sqlalchemy import select

from nexus.engine import DuckDBEngine, SparkEngine, take_snapshot
from nexus.model.labels import Classification, Labels
from nexus.model.statements import entity_statements
from nexus.security.policy import statement_clause
from nexus.security.viewer import Viewer
from nexus.security.warrants import add_warrant, revoke_warrant
from nexus.store import utc_now
from nexus.store.schema import statements
from nexus.store.writer import upsert_statements

R, C, S, TS = (Classification.RESTRICTED, Classification.CONFIDENTIAL, Classification.SECRET,
               Classification.TOP_SECRET)

LABELS = {
    "open": Labels("POLICE", R),
    "police_confidential_orcon": Labels("POLICE", C, orcon=True),
    "intel_secret_own": Labels("INTEL", S, releasable_to=("INTEL",)),
    "intel_shared": Labels("INTEL", C, releasable_to=("INTEL", "POLICE")),
    "falcon": Labels("INTEL", S, compartment="OP-FALCON"),
    "live_warrant": Labels("POLICE", R, warrant="W-LIVE"),
    "expired_for_prosecution": Labels("POLICE", R, warrant="W-OLD"),
    "revoked_for_court": Labels("POLICE", R, warrant="W-REVOKED"),
    "not_yet_issued": Labels("POLICE", R, warrant="W-FUTURE"),
    "unknown_warrant": Labels("POLICE", R, warrant="W-NONE"),
    "agency_with_a_quote": Labels("O'BRIEN", C, releasable_to=("O'BRIEN",)),
}


def viewer(agency: str, role: str, clearance: Classification, compartments=(), purpose: str = "") -> Viewer:
    return Viewer(f"{agency}-{role}", agency, frozenset({role}), clearance, frozenset(compartments), purpose)


VIEWERS = {
    "police analyst": viewer("POLICE", "analyst", R),
    "police investigator, prosecution": viewer("POLICE", "investigator", C, purpose="prosecution"),
    "police investigator, court": viewer("POLICE", "investigator", TS, purpose="court"),
    "police targeter in OP-FALCON, a purpose with a comma": viewer("POLICE", "targeter", S, ["OP-FALCON"],
                                                                    purpose="prosecution,court"),
    "intel analyst": viewer("INTEL", "analyst", S),
    "intel analyst in OP-FALCON": viewer("INTEL", "analyst", S, ["OP-FALCON"]),
    "customs analyst": viewer("CUSTOMS", "analyst", TS),
    "an agency with a quote": viewer("O'BRIEN", "analyst", C, purpose="it's"),
    "oversight (no read)": viewer("POLICE", "oversight", TS),
}


@pytest.fixture
def labelled_store(store):
    now = datetime.now(UTC)
    boss = viewer("POLICE", "supervisor", TS)
    add_warrant(store, boss, "W-LIVE", agency="POLICE", kind="interception",
                expires_at=(now + timedelta(days=30)).isoformat())
    add_warrant(store, boss, "W-OLD", agency="POLICE", kind="interception", allowed_uses=["prosecution"],
                issued_at=(now - timedelta(days=60)).isoformat(), expires_at=(now - timedelta(days=1)).isoformat())
    add_warrant(store, boss, "W-REVOKED", agency="POLICE", kind="interception", allowed_uses=["court"],
                expires_at=(now + timedelta(days=30)).isoformat())
    revoke_warrant(store, boss, "W-REVOKED")
    add_warrant(store, boss, "W-FUTURE", agency="POLICE", kind="interception",
                issued_at=(now + timedelta(days=2)).isoformat(), expires_at=(now + timedelta(days=30)).isoformat())
    rows = []
    for n, (source, labels) in enumerate(LABELS.items()):
        # Entity "shared" mixes statements of every label set, as a real entity does.
        for entity_id in (f"p-{n}", "shared"):
            proxy = model.make_entity("Person")
            proxy.id = entity_id
            proxy.add("name", f"Person {source}")
            proxy.add("birthDate", f"19{50 + n}")
            rows.extend(entity_statements(proxy, source, labels, utc_now(), date(2030, 1, 1)))
    with store.engine.begin() as conn:
        upsert_statements(conn, rows)
    return store


def store_ids(store, who: Viewer, now: str) -> list[str]:
    query = select(statements.c.id).where(statements.c.retired_at.is_(None), statement_clause(who, statements, now=now))
    with store.engine.connect() as conn:
        return sorted(conn.execute(query).scalars())


def test_the_engine_view_is_the_store_policy_for_every_viewer(labelled_store, tmp_path):
    snapshot = take_snapshot(labelled_store, tmp_path / "snap")
    now = utc_now()
    seen = set()
    with DuckDBEngine() as engine:
        for name, who in VIEWERS.items():
            engine.use_snapshot(snapshot, who, now=now)
            ids = engine.run("statement_ids")["id"].to_pylist()
            assert ids == store_ids(labelled_store, who, now), name
            seen.add(frozenset(ids))
    assert len(seen) == len(VIEWERS)  # each viewer sees a different set
    assert frozenset() in seen


def test_the_view_follows_the_clock_of_the_warrants(labelled_store, tmp_path):
    snapshot = take_snapshot(labelled_store, tmp_path / "snap")
    later = (datetime.now(UTC) + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%S.%f")
    analyst = VIEWERS["police analyst"]
    with DuckDBEngine() as engine:
        engine.use_snapshot(snapshot, analyst, now=utc_now())
        today = set(engine.run("statement_ids")["id"].to_pylist())
        engine.use_snapshot(snapshot, analyst, now=later)
        in_three_days = set(engine.run("statement_ids")["id"].to_pylist())
    assert in_three_days == set(store_ids(labelled_store, analyst, later))
    assert in_three_days > today  # W-FUTURE is in force by then


def test_analytics_over_the_view_never_count_what_the_viewer_may_not_see(labelled_store, tmp_path):
    snapshot = take_snapshot(labelled_store, tmp_path / "snap")
    with DuckDBEngine() as engine:
        engine.use_snapshot(snapshot, VIEWERS["police analyst"])
        shared = [r for r in engine.run("entity_summary").to_pylist() if r["canonical_id"] == "shared"]
    # open and live_warrant only: the other nine sources of "shared" are neither shown nor counted
    assert shared[0]["sources"] == 2


@pytest.mark.spark
@pytest.mark.xdist_group("spark")
def test_spark_views_are_the_same(spark_session, labelled_store, tmp_path):
    snapshot = take_snapshot(labelled_store, tmp_path / "snap")
    now = utc_now()
    with SparkEngine(spark=spark_session, workdir=tmp_path) as engine:
        for name, who in VIEWERS.items():
            engine.use_snapshot(snapshot, who, now=now)
            assert engine.run("statement_ids")["id"].to_pylist() == store_ids(labelled_store, who, now), name
