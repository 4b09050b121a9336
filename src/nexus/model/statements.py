"""Statement rows: every property value of an entity, keyed by a stable hash.

The key is followthemoney's statement key over (source, entity_id, prop, value, lang),
which is what makes a re-ingest idempotent.
"""

from collections.abc import Iterator
from datetime import date

from followthemoney import EntityProxy
from followthemoney.statement import Statement

from nexus.model.labels import Labels

BASE_PROP = Statement.BASE

STATEMENT_COLUMNS = (
    "id",
    "entity_id",
    "canonical_id",
    "schema",
    "prop",
    "prop_type",
    "value",
    "original_value",
    "lang",
    "source",
    "agency",
    "classification",
    "releasable_to",
    "compartment",
    "orcon",
    "warrant",
    "legal_basis",
    "first_seen",
    "last_seen",
    "retention_until",
)


def statement_id(source: str, entity_id: str, prop: str, value: str, lang: str | None = None) -> str:
    key = Statement.make_key(source, entity_id, prop, value, False, lang=lang)
    assert key is not None
    return key


VALUE_COLUMNS = ("id", "entity_id", "schema", "prop", "prop_type", "value", "original_value", "lang")


def statement_values(proxy: EntityProxy, source: str) -> Iterator[tuple]:
    """The per-statement part of an entity's rows (VALUE_COLUMNS), with its ``id`` statement."""
    entity_id = proxy.id
    if entity_id is None:
        raise ValueError("entity has no id")
    schema = proxy.schema.name
    yield (statement_id(source, entity_id, BASE_PROP, entity_id), entity_id, schema, BASE_PROP, "id", entity_id, None, None)
    for prop, value in proxy.itervalues():
        yield (statement_id(source, entity_id, prop.name, value), entity_id, schema, prop.name, prop.type.name, value, None, None)


def batch_context(source: str, labels: Labels, seen: str, retention_until: date | None) -> dict:
    """The columns every statement of one ingest batch shares."""
    return {
        "source": source,
        "agency": labels.agency,
        "classification": int(labels.classification),
        "releasable_to": labels.releasable_text,
        "compartment": labels.compartment,
        "orcon": labels.orcon,
        "warrant": labels.warrant,
        "legal_basis": labels.legal_basis,
        "first_seen": seen,
        "last_seen": seen,
        "retention_until": retention_until.isoformat() if retention_until else None,
    }


def entity_statements(
    proxy: EntityProxy,
    source: str,
    labels: Labels,
    seen: str,
    retention_until: date | None,
) -> Iterator[tuple]:
    """Full rows (in STATEMENT_COLUMNS order) for one entity."""
    context = batch_context(source, labels, seen, retention_until)
    for values in statement_values(proxy, source):
        row = dict(zip(VALUE_COLUMNS, values), canonical_id=values[1], **context)
        yield tuple(row[c] for c in STATEMENT_COLUMNS)
