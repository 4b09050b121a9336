"""Canonical ids in the store: applied in bulk, undone by a judgement, sources intact."""

from sqlalchemy import select

from nexus.resolve import (
    apply_canonical_ids,
    cluster_id,
    judge,
    load_judgements,
    resolve,
    write_resolution,
)
from nexus.store.schema import statements
from nexus.store.writer import upsert_statements


def _canonical(store) -> dict[str, str]:
    with store.engine.connect() as conn:
        rows = conn.execute(select(statements.c.entity_id, statements.c.canonical_id).distinct()).all()
    by_entity: dict[str, set[str]] = {}
    for entity_id, canonical in rows:
        by_entity.setdefault(entity_id, set()).add(canonical)
    assert all(len(c) == 1 for c in by_entity.values()), "an entity's statements disagree on canonical_id"
    return {entity_id: c.pop() for entity_id, c in by_entity.items()}


def _source_columns(store) -> set[tuple]:
    with store.engine.connect() as conn:
        return set(conn.execute(select(statements.c.id, statements.c.entity_id, statements.c.prop,
                                       statements.c.value, statements.c.source)).all())


def _load(store, rows) -> None:
    with store.engine.begin() as conn:
        upsert_statements(conn, rows)


def test_apply_canonical_ids_updates_every_statement_of_the_entity(store, people_rows):
    _load(store, people_rows)
    before = _source_columns(store)
    changed = apply_canonical_ids(store, {"a1": "nx-x", "a2": "nx-x", "zz": "nx-y"})
    rows_a1_a2 = sum(1 for r in people_rows if r[1] in ("a1", "a2"))
    assert changed == rows_a1_a2
    ids = _canonical(store)
    assert ids["a1"] == ids["a2"] == "nx-x"
    assert ids["a3"] == "a3"
    assert apply_canonical_ids(store, {"a1": "nx-x"}) == 0  # already there: nothing rewritten
    assert _source_columns(store) == before


def test_resolution_written_then_undone_and_redone_by_judgements(store, people_rows, people):
    _load(store, people_rows)
    before = _source_columns(store)
    write_resolution(store, resolve(people))
    ids = _canonical(store)
    assert ids["a1"] == ids["a2"] == ids["a3"] == cluster_id(["a1", "a2", "a3"])
    assert ids["b1"] == ids["b2"] != ids["a1"]
    assert ids["d1"] == "d1" and ids["d2"] == "d2"

    # Undo: a3 is not the same person as a1. The model chains a1-a2-a3; the weaker link goes.
    judge(store, "a3", "a1", "not_same", user="analyst1", reason="different fathers' names")
    ids = _canonical(store)
    assert ids["a1"] == ids["a2"] == cluster_id(["a1", "a2"])
    assert ids["a3"] == "a3"
    assert ids["b1"] == ids["b2"] == cluster_id(["b1", "b2"])

    # An analyst merges a lookalike pair the model kept apart, then a third record into it.
    judge(store, "d1", "d2", "same", user="analyst2")
    judge(store, "d2", "f1", "same", user="analyst2")
    ids = _canonical(store)
    assert ids["d1"] == ids["d2"] == ids["f1"] == cluster_id(["d1", "d2", "f1"])

    # Reversing the not-same judgement restores the model's cluster.
    judge(store, "a1", "a3", "same", user="supervisor")
    assert _canonical(store)["a3"] == cluster_id(["a1", "a2", "a3"])
    assert [j.decision for j in load_judgements(store)] == ["not_same", "same", "same", "same"]
    assert _source_columns(store) == before
