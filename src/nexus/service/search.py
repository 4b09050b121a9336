"""Name search over the statements a viewer may see."""

from dataclasses import dataclass

from normality import squash_spaces
from sqlalchemy import and_, func, select

from nexus.security import audit
from nexus.security.policy import require, statement_clause
from nexus.security.viewer import Viewer
from nexus.security.warrants import audit_refusals
from nexus.service.entities import S, group_entities, live, visible_statements
from nexus.store import Store
from nexus.store.schema import statements


@dataclass
class SearchResult:
    entity_id: str
    schema: str
    caption: str
    names: list[str]
    topics: list[str]


def search(store: Store, viewer: Viewer, query: str, limit: int = 20) -> list[SearchResult]:
    """Entities whose visible names contain every word of the query (case-insensitive)."""
    require(viewer, "search")
    tokens = squash_spaces(query).split(" ") if query.strip() else []
    if not tokens:
        return []
    allowed = statement_clause(viewer, statements, "search")
    matching = select(S.canonical_id).where(live(), allowed, S.prop_type == "name")
    for token in tokens:
        word = select(S.canonical_id).where(live(), allowed, S.prop_type == "name", S.value.icontains(token, autoescape=True))
        matching = matching.where(S.canonical_id.in_(word))
    hits = matching.distinct().order_by(S.canonical_id).limit(limit).subquery()
    with store.engine.connect() as conn:
        rows = conn.execute(
            visible_statements(viewer, "search")
            .where(S.canonical_id.in_(select(hits.c.canonical_id)))
            .order_by(S.canonical_id)
        ).all()
    results = [
        SearchResult(e.id, e.schema.name, e.caption, e.get("name", quiet=True), e.get("topics", quiet=True))
        for e in group_entities(rows)
    ]
    audit.log_event(store, viewer, "search", {"q": query, "limit": limit}, [r.entity_id for r in results])
    audit_refusals(store, viewer, "search", [r.entity_id for r in results], {"q": query}, action="search")
    return results


def count_visible(store: Store, viewer: Viewer) -> dict:
    """Statement, entity-by-schema and source counts, over what the viewer may see only."""
    require(viewer, "read")
    allowed = and_(live(), statement_clause(viewer, statements))
    with store.engine.connect() as conn:
        total = conn.execute(select(func.count()).where(allowed)).scalar_one()
        by_schema = conn.execute(
            select(S.schema, func.count(S.canonical_id.distinct()))
            .where(allowed, S.prop == "id")
            .group_by(S.schema)
            .order_by(S.schema)
        ).all()
        by_source = conn.execute(
            select(S.source, func.count()).where(allowed).group_by(S.source).order_by(S.source)
        ).all()
    result = {
        "statements": total,
        "entities": {schema: n for schema, n in by_schema},
        "sources": {source: n for source, n in by_source},
    }
    audit.log_event(store, viewer, "stats", {}, [])
    return result
