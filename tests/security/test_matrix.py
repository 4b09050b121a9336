"""Every service read path × role × security dimension: allowed or denied, and no leaks.

The expected visibility is written out by hand in ``world.py``; these tests compare the
SQL filter (statement_clause), the per-record decision point (decide) and every read
path against it, on SQLite and PostgreSQL.
"""

import io

import orjson
import pytest
from sqlalchemy import select, update

from nexus.security import audit
from nexus.security.policy import AccessDenied, decide
from nexus.model.labels import Labels
from nexus.security.warrants import warrant_usable
from nexus.service.alerts import Evidence, NewAlert, list_alerts, raise_alerts
from nexus.service.cases import get_case, open_case
from nexus.service.entities import entity_statements, get_entity
from nexus.service.ingest import list_sources
from nexus.store.schema import statements
from nexus.service.export import export_ftm
from nexus.service.search import count_visible, search
from .world import ENTITY_SOURCES, EXPORTABLE, READABLE, SOURCES, VIEWERS, build, visible_entities

READERS = [name for name, sources in READABLE.items() if sources]
NON_READERS = ["oversight", "administrator"]


@pytest.fixture
def world(store, tmp_path):
    return build(store, tmp_path)


def test_decision_point_matches_the_hand_written_matrix(world):
    for name, v in VIEWERS.items():
        for source, (labels, _) in SOURCES.items():
            usable = warrant_usable(world.store, v, labels.warrant)
            assert decide(v, labels, "read", usable).allowed == (source in READABLE[name]), (name, source)
            assert decide(v, labels, "export", usable).allowed == (source in EXPORTABLE[name]), (name, source)


def test_entity_reads_show_only_readable_statements(world):
    store = world.store
    for name in READERS:
        v = VIEWERS[name]
        for entity_id, sources in ENTITY_SOURCES.items():
            allowed = sources & READABLE[name]
            view = get_entity(store, v, entity_id)
            rows = entity_statements(store, v, entity_id)
            if not allowed:
                assert view is None and rows == [], (name, entity_id)
                continue
            assert view is not None, (name, entity_id)
            assert {r["source"] for r in rows} == allowed, (name, entity_id)
            expected_names = {n for s in allowed for e in SOURCES[s][1] if e["id"] == entity_id for n in e["properties"]["name"]}
            assert set(view.entity.get("name")) == expected_names, (name, entity_id)


def test_a_hidden_record_does_not_lead_to_the_entity_it_was_merged_into(world):
    """Asking by the id of a record one may not see must not answer with the entity resolution merged it into:
    that would say the record exists and whom it is about (a warranted intercept's subject, say)."""
    store = world.store
    with store.engine.begin() as conn:
        conn.execute(update(statements).where(statements.c.entity_id.in_(["p-sergei", "p-wire"]))
                     .values(canonical_id="nx-merged"))
        wire = conn.execute(select(statements).where(statements.c.entity_id == "p-wire")).mappings().first()
    alert = NewAlert("nexus", "nexus/p-wire", "f1", "Wilma", 0.9, {"why": "test"},
                     (Evidence("statement", wire["id"], "p-wire", Labels.from_row(wire)),))
    raise_alerts(store, VIEWERS["police_analyst"], [alert], "read")
    for name in READERS:
        v = VIEWERS[name]
        sees = bool(ENTITY_SOURCES["p-sergei"] & READABLE[name])
        assert get_entity(store, v, "nx-merged") is not None, name  # every reader reads the wiretap record
        assert (get_entity(store, v, "p-sergei") is not None) == sees, name
        assert bool(entity_statements(store, v, "p-sergei")) == sees, name
        assert bool(list_alerts(store, v, entity_id="p-sergei")) == sees, name
        assert list_alerts(store, v, entity_id="p-wire"), name
    # A case of INTEL's holding the secret record, shared with POLICE: the police team member does not get the
    # entity it was merged into, though they may read its wiretap record.
    case = open_case(store, VIEWERS["intel_analyst"], "Sergei", agencies=["POLICE"], entity_ids=["p-sergei"])
    police = get_case(store, VIEWERS["police_analyst"], case["id"])
    assert police["entities"] == [] and "withheld" not in police  # absent, not counted
    assert [e["id"] for e in get_case(store, VIEWERS["intel_analyst"], case["id"])["entities"]] == ["nx-merged"]


def test_the_sources_listed_are_those_a_viewer_may_read(world):
    for name in READERS:
        assert {s["name"] for s in list_sources(world.store, VIEWERS[name])} == READABLE[name], name


def test_search_finds_nothing_through_a_hidden_statement(world):
    store = world.store
    # Every name word of every entity, searched by every reader.
    for name in READERS:
        v = VIEWERS[name]
        for source, (_, entities) in SOURCES.items():
            for entity in entities:
                word = entity["properties"]["name"][0].split()[-1]
                hits = {r.entity_id for r in search(store, v, word)}
                # An entity may appear only if some statement the viewer may read carries the word.
                carriers = {e["id"] for s in READABLE[name] for e in SOURCES[s][1]
                            if any(word.lower() in n.lower() for n in e["properties"]["name"])}
                assert hits == carriers, (name, word)
                for r in search(store, v, word):
                    assert all(word.lower() not in n.lower() or n in _readable_names(name) for n in r.names)


def _readable_names(viewer_name: str) -> set[str]:
    return {n for s in READABLE[viewer_name] for e in SOURCES[s][1] for n in e["properties"]["name"]}


def test_counts_include_only_what_the_viewer_may_read(world):
    for name in READERS:
        counts = count_visible(world.store, VIEWERS[name])
        assert counts["sources"] == {s: world.statements_by_source[s] for s in sorted(READABLE[name])}, name
        assert counts["statements"] == sum(world.statements_by_source[s] for s in READABLE[name])
        expected = visible_entities(READABLE[name])
        schemata = {"Company": {"c-acme"} & expected}
        assert sum(counts["entities"].values()) == len(expected), name
        assert counts["entities"].get("Company", 0) == len(schemata["Company"])


def test_export_releases_only_exportable_statements(world):
    store = world.store
    for name, v in VIEWERS.items():
        if not EXPORTABLE[name]:
            with pytest.raises(AccessDenied):
                export_ftm(store, v, io.BytesIO())
            continue
        out = io.BytesIO()
        export_ftm(store, v, out)
        exported = [orjson.loads(line) for line in out.getvalue().splitlines()]
        assert {e["id"] for e in exported} == visible_entities(EXPORTABLE[name]), name
        names = {n for e in exported for n in e["properties"].get("name", [])}
        assert names == {n for s in EXPORTABLE[name] for e in SOURCES[s][1] for n in e["properties"]["name"]}


@pytest.mark.parametrize("name", NON_READERS)
def test_oversight_and_administrators_cannot_read_intelligence(world, name):
    v = VIEWERS[name]
    for read in (lambda: get_entity(world.store, v, "p-ahmed"), lambda: entity_statements(world.store, v, "p-ahmed"),
                 lambda: search(world.store, v, "Karim"), lambda: count_visible(world.store, v)):
        with pytest.raises(AccessDenied):
            read()


def test_only_oversight_searches_the_audit_trail(world):
    store = world.store
    get_entity(store, VIEWERS["intel_falcon"], "p-falcon")
    for name, v in VIEWERS.items():
        if name == "oversight":
            rows = audit.search_audit(store, v, entity_id="p-falcon")
            assert [(r["username"], r["action"]) for r in rows] == [("intel_falcon", "entity.read")]
        else:
            with pytest.raises(AccessDenied):
                audit.search_audit(store, v)


def test_every_read_is_audited_with_user_purpose_query_and_ids(world):
    store = world.store
    v = VIEWERS["police_prosecutor"]
    search(store, v, "Expirado")
    row = audit.search_audit(store, VIEWERS["oversight"], user=v.user, action="search")[-1]
    assert row["purpose"] == "prosecution"
    assert orjson.loads(row["query"])["q"] == "Expirado"
    assert set(orjson.loads(row["result_ids"])) == {"p-ahmed", "p-expired"}


def test_withheld_count_reveals_no_compartment_or_agency_restricted_statement(world):
    # intel_analyst is cleared SECRET but not in OP-FALCON: the falcon statements must not exist
    # for them. What they are told of is only what an expired warrant (W-OLD) now withholds:
    # police_expired's id and name statements about p-ahmed.
    view = get_entity(world.store, VIEWERS["intel_analyst"], "p-ahmed")
    assert view.withheld == 2
    assert "Karim Falconi" not in view.entity.get("name")
