"""Migration 0006 on both databases: screening judgements become alerts with their history."""

import orjson
from alembic import command
from sqlalchemy import insert, inspect, select

from nexus.ingest import ingest
from nexus.model.alerts import alert_key
from nexus.model.labels import Classification, Labels
from nexus.sources import get_format
from nexus.store import Store
from nexus.store.db import alembic_config, make_engine, migrate
from nexus.store.schema import alert_evidence, alert_reviews, alerts, statements, users


QK, KK = "0123456789abcdef0123", "fedcba9876543210fedc"  # query keys are 20 hex digits


def run(engine, step, revision):
    config = alembic_config(engine)
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        step(config, revision)


def test_judgements_move_into_alerts(database_url, tmp_path):
    engine = make_engine(database_url)
    run(engine, command.upgrade, "0005")
    store = Store(engine)
    store.register_source("watch", "ftm", Labels("POLICE", Classification.CONFIDENTIAL, compartment="CEDAR"), is_list=True)
    judgements = [
        (QK, "w1", "f1", "confirmed", "same man", "ana", "2026-01-01T00:00:00.000000"),
        (QK, "w1", "f1", "dismissed", "different DOB", "ana", "2026-01-02T00:00:00.000000"),
        (KK, "gone", "f2", "dismissed", "never listed", "bob", "2026-01-03T00:00:00.000000"),
    ]
    path = tmp_path / "watch.json"
    path.write_bytes(orjson.dumps({"id": "w1", "schema": "Person", "properties": {"name": ["Viktor Bout"]}}))
    ingest(store, "watch", path, get_format("ftm").read(path))
    with engine.begin() as conn:
        conn.execute(insert(users).values(username="ana", agency="POLICE", roles="analyst", clearance=3,
                                          compartments="", failed_logins=0, disabled=False,
                                          created_at="2026-01-01T00:00:00.000000"))
        for q, e, f, d, r, u, at in judgements:
            conn.exec_driver_sql(
                "INSERT INTO screen_judgements (query_key, entity_id, fingerprint, decision, reason, username, created_at)"
                f" VALUES ('{q}', '{e}', '{f}', '{d}', '{r}', '{u}', '{at}')")
    migrate(engine)
    assert "screen_judgements" not in inspect(engine).get_table_names()
    with engine.connect() as conn:
        migrated = {r["subject"]: dict(r) for r in conn.execute(select(alerts)).mappings()}
        evidence = conn.execute(select(alert_evidence)).mappings().all()
        history = conn.execute(select(alert_reviews).order_by(alert_reviews.c.id)).mappings().all()
        cited = {r.id for r in conn.execute(select(statements.c.id).where(statements.c.entity_id == "w1"))}
    bout = migrated[f"query/POLICE/{QK}:w1"]  # an ad-hoc question of the judge's agency
    assert bout["key"] == alert_key("screening", f"query/POLICE/{QK}:w1", "f1") and bout["state"] == "dismissed"
    assert bout["title"] == "screening hit on Viktor Bout" and bout["score"] is None
    assert bout["classification"] == Classification.CONFIDENTIAL and bout["compartments"] == "CEDAR"
    assert bout["releasable_to"] == "POLICE"
    assert orjson.loads(bout["explanation"])["entity_id"] == "w1"
    assert {e["ref_id"] for e in evidence if e["alert_id"] == bout["id"]} == cited | {QK}
    assert [(h["previous_state"], h["state"], h["reason"], h["username"], h["agency"]) for h in history
            if h["alert_id"] == bout["id"]] == [
        ("open", "confirmed", "same man", "ana", "POLICE"), ("confirmed", "dismissed", "different DOB", "ana", "POLICE")]
    gone = migrated[f"query/LOCAL/{KK}:gone"]  # its judge and its entity are gone; the decision holds
    assert gone["state"] == "dismissed" and gone["title"] == "screening hit on gone"

    run(engine, command.downgrade, "0005")
    with engine.connect() as conn:
        back = conn.exec_driver_sql("SELECT query_key, entity_id, decision FROM screen_judgements ORDER BY id").all()
    assert sorted(back) == sorted((q, e, d) for q, e, _, d, *_ in judgements)
    engine.dispose()

