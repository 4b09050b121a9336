"""Reading entities: statements the viewer may see, merged under their canonical id."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from followthemoney import EntityProxy, model
from followthemoney.exc import InvalidData
from sqlalchemy import Connection, ScalarSelect, Select, func, select

from nexus.model.labels import Classification
from nexus.model.statements import BASE_PROP
from nexus.security import audit
from nexus.security.policy import require, statement_clause, warrant_withheld_clause
from nexus.security.viewer import Viewer
from nexus.security.warrants import audit_refusals
from nexus.store import Store
from nexus.store.schema import statements

S = statements.c


@dataclass
class EntityView:
    entity: EntityProxy
    withheld: int  # statements about it that exist but are not shown to this viewer
    statements: list  # the visible statement rows it was merged from


def live() -> object:
    return S.retired_at.is_(None)


def visible_statements(viewer: Viewer, action: str = "read") -> Select:
    return select(statements).where(live(), statement_clause(viewer, statements, action))


def merge(canonical_id: str, rows: Iterable) -> EntityProxy | None:
    """Build one FtM entity from statement rows of the same canonical id."""
    rows = list(rows)
    if not rows:
        return None
    schemata = {r.schema for r in rows}
    schema = model.get(rows[0].schema)
    for name in schemata:
        try:
            schema = model.common_schema(schema, name)
        except InvalidData:
            continue
    proxy = model.make_entity(schema)
    proxy.id = canonical_id
    for row in rows:
        if row.prop != BASE_PROP and row.prop in proxy.schema.properties:
            proxy.unsafe_add(proxy.schema.properties[row.prop], row.value, cleaned=True)
    return proxy


def group_entities(rows: Iterable) -> Iterator[EntityProxy]:
    """Merge a stream of statement rows ordered by canonical id into entities."""
    current, bucket = None, []
    for row in rows:
        if row.canonical_id != current and bucket:
            entity = merge(current, bucket)
            if entity is not None:
                yield entity
            bucket = []
        current = row.canonical_id
        bucket.append(row)
    if bucket:
        entity = merge(current, bucket)
        if entity is not None:
            yield entity


def canonical_query(viewer: Viewer, entity_id: str) -> ScalarSelect:
    """The canonical id of a source entity id the viewer may read a statement of, else NULL. A record hidden
    from the viewer must not lead them to the entity it was merged into: that would tell them it exists and
    whom it is about."""
    return select(S.canonical_id).where(S.entity_id == entity_id, live(), statement_clause(viewer, statements)) \
        .limit(1).scalar_subquery()


def canonical_of(conn: Connection, viewer: Viewer, entity_id: str) -> str:
    """`canonical_query`; any other id (a canonical id, or a record the viewer may not see) maps to itself."""
    return conn.execute(select(canonical_query(viewer, entity_id))).scalar() or entity_id


def get_entity(store: Store, viewer: Viewer, entity_id: str) -> EntityView | None:
    """One entity by its canonical id or any of its source entity ids; None if not visible."""
    require(viewer, "read")
    with store.engine.connect() as conn:
        canonical = canonical_of(conn, viewer, entity_id)
        rows = conn.execute(visible_statements(viewer).where(S.canonical_id == canonical)).all()
        withheld = conn.execute(
            select(func.count()).where(S.canonical_id == canonical, live(), warrant_withheld_clause(viewer, statements))
        ).scalar_one()
    entity = merge(canonical, rows)
    audit.log_event(store, viewer, "entity.read", {"id": entity_id}, [canonical] if entity else [])
    if withheld:
        audit_refusals(store, viewer, "entity.read", [canonical], {"id": entity_id})
    return EntityView(entity, withheld, rows) if entity is not None else None


def entity_record(store: Store, viewer: Viewer, entity_id: str) -> dict | None:
    """One entity as data: each property's values with their provenance and labels, the source records
    merged into it, its topics; None if not visible."""
    view = get_entity(store, viewer, entity_id)
    if view is None:
        return None
    properties: dict[str, list[dict]] = {}
    for row in sorted(view.statements, key=lambda r: (r.prop, r.value, r.source)):
        if row.prop == BASE_PROP:
            continue
        properties.setdefault(row.prop, []).append({
            "value": row.value, "original_value": row.original_value, "lang": row.lang, "source": row.source,
            "agency": row.agency, "classification": Classification(row.classification).name,
            "releasable_to": row.releasable_to, "compartment": row.compartment, "orcon": bool(row.orcon),
            "warrant": row.warrant, "legal_basis": row.legal_basis, "first_seen": row.first_seen,
            "last_seen": row.last_seen, "statement_id": row.id, "entity_id": row.entity_id})
    entity = view.entity
    return {"id": entity.id, "schema": entity.schema.name, "caption": entity.caption,
            "topics": entity.get("topics", quiet=True), "properties": properties,
            "records": sorted({r.entity_id for r in view.statements}), "withheld": view.withheld}


def entity_statements(store: Store, viewer: Viewer, entity_id: str) -> list[dict]:
    """The visible statements (with provenance and labels) behind one entity."""
    require(viewer, "read")
    with store.engine.connect() as conn:
        canonical = canonical_of(conn, viewer, entity_id)
        rows = conn.execute(
            visible_statements(viewer).where(S.canonical_id == canonical).order_by(S.prop, S.value)
        ).mappings().all()
    result = [dict(r) for r in rows]
    audit.log_event(store, viewer, "statements.read", {"id": entity_id}, [r["id"] for r in result])
    audit_refusals(store, viewer, "statements.read", [canonical], {"id": entity_id})
    return result
