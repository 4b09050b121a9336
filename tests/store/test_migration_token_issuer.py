"""Migration 0014 on both databases: an API token records who issued it; the tokens stored before are kept,
issuer unknown."""

from alembic import command
from sqlalchemy import inspect, insert, select

from nexus.store.db import alembic_config, make_engine, migrate
from nexus.store.schema import api_tokens

T = api_tokens.c
BEFORE = dict(id="0123456789abcdef", token_hash="0" * 64, username="paul", scopes="read",
              created_at="2026-01-01T00:00:00.000000", expires_at=None, revoked_at=None)


def run(engine, step, revision):
    config = alembic_config(engine)
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        step(config, revision)


def columns(engine) -> set[str]:
    return {c["name"] for c in inspect(engine).get_columns("api_tokens")}


def test_a_token_records_its_issuer_and_those_stored_before_are_kept(database_url):
    engine = make_engine(database_url)
    run(engine, command.upgrade, "0013")
    with engine.begin() as conn:
        conn.execute(insert(api_tokens).values(BEFORE))  # the columns 0013 has
    migrate(engine)
    assert "issued_by" in columns(engine)
    with engine.begin() as conn:
        assert dict(conn.execute(select(api_tokens)).mappings().one()) == BEFORE | {"issued_by": None}
        conn.execute(insert(api_tokens).values(BEFORE | {"id": "fedcba9876543210", "issued_by": "ada"}))
    run(engine, command.downgrade, "0013")
    assert "issued_by" not in columns(engine)
    with engine.connect() as conn:
        assert sorted(conn.execute(select(T.id)).scalars()) == ["0123456789abcdef", "fedcba9876543210"]
    engine.dispose()
