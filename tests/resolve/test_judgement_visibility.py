"""A judgement may name only records its author may read: a hidden, unknown, retired or canonical id is refused as
one that does not exist (the same words either way), audited as not found, and nothing is written or re-clustered.

Audit S item 1: a RESTRICTED POLICE analyst split a SECRET INTEL merge, forced a wrong one for everyone, and learned
from her own entity's id changing that the hidden record existed and was merged with hers."""

import json
from datetime import date

import pytest
from followthemoney import model
from sqlalchemy import insert, select, update
from typer.testing import CliRunner

from nexus.cli import app
from nexus.errors import Forbidden, InvalidInput, NotFound
from nexus.model.labels import Classification, Labels
from nexus.model.statements import entity_statements
from nexus.resolve import cluster_id, load_judgements, recluster
from nexus.security.tokens import create_token
from nexus.security.users import create_user
from nexus.security.viewer import Viewer
from nexus.service.entities import get_entity
from nexus.service.resolution import judge_pair
from nexus.store import Store
from nexus.store.db import make_engine, migrate
from nexus.store.schema import audit_log, resolution_edges, statements
from nexus.store.writer import upsert_statements

SEEN = "2026-01-01T00:00:00.000000"
POLICE_LABELS = Labels("POLICE", Classification.RESTRICTED, ("POLICE", "INTEL"))
INTEL_LABELS = Labels("INTEL", Classification.SECRET, ("POLICE", "INTEL"))

# pol-1/int-1 the model merges (one SECRET record hidden from a RESTRICTED reader); pol-3/int-3 namesakes it keeps
# apart; pol-9 a record later retired.
RECORDS = [
    ("pol-1", "police", POLICE_LABELS, {"name": "Viktor Petrovich Ivanov", "birthDate": "1971-04-02"}),
    ("pol-2", "police", POLICE_LABELS, {"name": "Olena Kovalenko", "birthDate": "1985-02-11"}),
    ("pol-3", "police", POLICE_LABELS, {"name": "John Michael Smith", "birthDate": "1970-01-01"}),
    ("pol-9", "police", POLICE_LABELS, {"name": "Retired Record", "birthDate": "1960-01-01"}),
    ("int-1", "intel", INTEL_LABELS, {"name": "Виктор Петрович Иванов", "birthDate": "1971-04-02"}),
    ("int-3", "intel", INTEL_LABELS, {"name": "John Michael Smith", "birthDate": "1985-06-30"}),
]
MERGED = cluster_id(["pol-1", "int-1"])

ALICE = Viewer("alice", "POLICE", frozenset({"analyst"}), Classification.RESTRICTED, purpose="t")
BOB = Viewer("bob", "INTEL", frozenset({"analyst"}), Classification.SECRET, purpose="t")


def _rows() -> list[tuple]:
    rows: list[tuple] = []
    for entity_id, source, labels, props in RECORDS:
        proxy = model.make_entity("Person")
        proxy.id = entity_id
        for prop, value in props.items():
            proxy.add(prop, value)
        rows.extend(entity_statements(proxy, source, labels, SEEN, date(2030, 1, 1)))
    return rows


def _world(store: Store) -> Store:
    """The records, a resolution run that scored pol-1/int-1 as one person, its canonical ids, pol-9 retired."""
    with store.engine.begin() as conn:
        upsert_statements(conn, _rows())
        conn.execute(insert(resolution_edges).values(run_id="run1", left_id="int-1", right_id="pol-1", score=0.99,
                                                     method="splink", created_at=SEEN))
        conn.execute(update(statements).where(statements.c.entity_id == "pol-9").values(retired_at=SEEN))
    recluster(store)
    return store


def _canonical(store: Store) -> dict[str, str]:
    with store.engine.connect() as conn:
        return dict(conn.execute(select(statements.c.entity_id, statements.c.canonical_id).distinct()).all())


def _judge_audit(store: Store) -> list[dict]:
    with store.engine.connect() as conn:
        rows = conn.execute(select(audit_log.c.username, audit_log.c.action, audit_log.c.query,
                                   audit_log.c.result_ids, audit_log.c.outcome)
                            .where(audit_log.c.action.in_(("resolve.judge", "cli.command")))
                            .order_by(audit_log.c.seq)).mappings().all()
    return [dict(r, query=json.loads(r["query"]), result_ids=json.loads(r["result_ids"])) for r in rows]


@pytest.fixture
def world(store) -> Store:
    return _world(store)


def test_the_world_is_as_the_audit_found_it(world):
    assert _canonical(world)["pol-1"] == _canonical(world)["int-1"] == MERGED
    assert get_entity(world, ALICE, "int-1") is None  # hidden from her
    assert get_entity(world, ALICE, "pol-1").entity.id == MERGED


@pytest.mark.parametrize("left, right, decision, named", [
    ("pol-1", "int-1", "not_same", "int-1"),    # splitting a merge with a record she may not see
    ("pol-3", "int-3", "same", "int-3"),        # forcing a merge with one
    ("int-3", "pol-3", "same", "int-3"),        # either side
    ("pol-1", "int-999", "not_same", "int-999"),  # a record that does not exist
    ("int-404", "pol-1", "same", "int-404"),
    ("pol-1", MERGED, "not_same", MERGED),      # a canonical id: judgements are about source records
    ("pol-9", "pol-2", "same", "pol-9"),        # a retired record
    ("int-1", "int-3", "same", "int-1"),        # two hidden ones: the first is named, whatever exists
    ("pol-2", "x" * 300, "same", "x" * 300),    # an id no record can have
    ("pol-2", "int\x00-1", "same", "int\x00-1"),
], ids=["split-hidden", "merge-hidden", "merge-hidden-left", "absent", "absent-left", "canonical", "retired",
        "both-hidden", "too-long", "nul"])
def test_a_judgement_naming_a_record_the_judge_may_not_read_is_refused_and_changes_nothing(
        world, left, right, decision, named):
    before = _canonical(world)
    with pytest.raises(NotFound) as refused:
        judge_pair(world, ALICE, left, right, decision, "probe")
    assert str(refused.value) == f"no entity {named!r}"
    assert refused.value.audited  # the service recorded the refusal; the CLI and the API need not
    assert load_judgements(world) == []
    assert _canonical(world) == before
    assert get_entity(world, ALICE, "pol-1").entity.id == MERGED  # her own entity's id tells her nothing
    assert _judge_audit(world) == [{"username": "alice", "action": "resolve.judge", "outcome": "not found",
                                    "result_ids": [], "query": {"left_id": left, "right_id": right,
                                                                "decision": decision, "reason": "probe"}}]


def test_a_hidden_record_and_an_absent_one_are_refused_alike(world):
    answers = []
    for hidden_or_absent in ("int-1", "int-999"):
        with pytest.raises(NotFound) as refused:
            judge_pair(world, ALICE, "pol-1", hidden_or_absent, "not_same", "probe")
        answers.append((type(refused.value), str(refused.value).replace(hidden_or_absent, "ID"),
                        refused.value.status, refused.value.audited))
    assert answers[0] == answers[1]
    trail = [dict(r, query=dict(r["query"], right_id="ID")) for r in _judge_audit(world)]
    assert trail[0] == trail[1]


def test_records_the_judge_may_read_are_judged_and_reclustered_at_once(world):
    judge_pair(world, BOB, "pol-1", "int-1", "not_same", "different fathers")
    ids = _canonical(world)
    assert ids["pol-1"] == "pol-1" and ids["int-1"] == "int-1"
    judge_pair(world, BOB, "int-1", "pol-1", "same", "same passport after all")
    assert _canonical(world)["pol-1"] == MERGED
    judge_pair(world, ALICE, "pol-2", "pol-3", "not_same")  # her own agency's records
    assert [(j.pair, j.decision) for j in load_judgements(world)] == [
        (("int-1", "pol-1"), "not_same"), (("int-1", "pol-1"), "same"), (("pol-2", "pol-3"), "not_same")]
    assert [(r["username"], r["outcome"], r["result_ids"]) for r in _judge_audit(world)] == [
        ("bob", "ok", ["pol-1", "int-1"]), ("bob", "ok", ["int-1", "pol-1"]), ("alice", "ok", ["pol-2", "pol-3"])]


def test_a_record_judged_against_itself_or_a_judge_who_may_not_read_is_refused_before_any_lookup(world):
    with pytest.raises(InvalidInput):
        judge_pair(world, BOB, "int-1", "int-1", "same")
    judge_only = Viewer("bob", "INTEL", frozenset({"analyst"}), Classification.SECRET, purpose="t",
                        scopes=frozenset({"judge", "screen"}))
    with pytest.raises(Forbidden, match="not scoped for read"):
        judge_pair(world, judge_only, "pol-1", "int-1", "not_same")
    assert load_judgements(world) == [] and _canonical(world)["int-1"] == MERGED


def test_the_judge_command_refuses_a_hidden_record_as_an_absent_one(workspace, database_url):
    runner = CliRunner()
    assert runner.invoke(app, ["init"]).exit_code == 0
    store = Store(make_engine(database_url))
    migrate(store.engine)
    try:
        _world(store)
        create_user(store, "alice", "POLICE", ["analyst"], Classification.RESTRICTED)
        admin = Viewer("admin", "POLICE", frozenset({"administrator"}), Classification.TOP_SECRET)
        token = create_token(store, admin, "alice", frozenset({"read", "judge"}))
        env = {"NEXUS_TOKEN": token}
        outputs = []
        for other in ("int-1", "int-999"):
            result = runner.invoke(app, ["judge", "pol-1", other, "not_same", "--reason", "probe"], env=env)
            assert isinstance(result.exception, NotFound), result.output
            assert str(result.exception) == f"no entity {other!r}"
            outputs.append(result.output.replace(other, "ID"))
        assert outputs[0] == outputs[1]
        assert load_judgements(store) == []
        assert _canonical(store)["pol-1"] == MERGED
        # one record of each refusal, the service's own: the command does not record it again as cli.command
        assert [(r["action"], r["outcome"], r["query"]["right_id"]) for r in _judge_audit(store)] == [
            ("resolve.judge", "not found", "int-1"), ("resolve.judge", "not found", "int-999")]
        done = runner.invoke(app, ["judge", "pol-1", "pol-2", "not_same", "--reason", "checked"], env=env)
        assert done.exit_code == 0, done.output
        assert "pol-1 / pol-2: not_same" in done.output
    finally:
        store.close()
