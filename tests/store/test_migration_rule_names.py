"""Migration 0013 on both databases: a targeting rule's name is its agency's, the rules already stored kept."""

import pytest
from alembic import command
from sqlalchemy import insert, inspect, select
from sqlalchemy.exc import IntegrityError

from nexus.store.db import alembic_config, make_engine, migrate
from nexus.store.schema import targeting_rules

T = targeting_rules.c


def run(engine, step, revision):
    config = alembic_config(engine)
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        step(config, revision)


def rule(agency, name, version, state="approved"):
    return dict(name=name, version=version, definition=f"name: {name}\n", state=state, author="tina", agency=agency,
                proposed_at="2026-01-01T00:00:00.000000", decided_by="sam" if state != "proposed" else None,
                decided_at=None, reason=None)


def key(engine) -> tuple[str, list[str]]:
    found = inspect(engine).get_pk_constraint("targeting_rules")
    return found["name"], found["constrained_columns"]


def test_rule_names_become_their_agencys_and_stored_rules_are_kept(database_url):
    engine = make_engine(database_url)
    run(engine, command.upgrade, "0012")
    stored = [rule("PIU", "cash-late", 1, "superseded"), rule("PIU", "cash-late", 2), rule("POLICE", "pol-cash", 1)]
    with engine.begin() as conn:
        conn.execute(insert(targeting_rules), stored)
    migrate(engine)
    assert key(engine) == ("targeting_rules_pkey", ["agency", "name", "version"])
    with engine.begin() as conn:
        rows = conn.execute(select(targeting_rules).order_by(T.agency, T.name, T.version)).mappings()
        assert [dict(r) for r in rows] == stored
        conn.execute(insert(targeting_rules).values(**rule("POLICE", "cash-late", 1, "proposed")))

    with pytest.raises(IntegrityError):  # back: a name shared by two agencies cannot be keyed by name alone
        run(engine, command.downgrade, "0012")
    assert key(engine) == ("targeting_rules_pkey", ["agency", "name", "version"])
    with engine.begin() as conn:
        conn.execute(targeting_rules.delete().where(T.agency == "POLICE", T.name == "cash-late"))
    run(engine, command.downgrade, "0012")
    assert key(engine) == ("targeting_rules_pkey", ["name", "version"])
    with engine.connect() as conn:
        kept = conn.execute(select(T.agency, T.name, T.version, T.state).order_by(T.agency, T.version)).all()
    assert kept == [("PIU", "cash-late", 1, "superseded"), ("PIU", "cash-late", 2, "approved"),
                    ("POLICE", "pol-cash", 1, "approved")]
    engine.dispose()
