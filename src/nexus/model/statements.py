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


def entity_statements(
    proxy: EntityProxy,
    source: str,
    labels: Labels,
    seen: str,
    retention_until: date | None,
) -> Iterator[tuple]:
    """Rows (in STATEMENT_COLUMNS order) for one entity, including its ``id`` base statement."""
    entity_id = proxy.id
    if entity_id is None:
        raise ValueError("entity has no id")
    schema = proxy.schema.name
    retention = retention_until.isoformat() if retention_until else None
    label_cols = (
        labels.agency,
        int(labels.classification),
        labels.releasable_text,
        labels.compartment,
        labels.orcon,
        labels.warrant,
        labels.legal_basis,
    )
    yield (
        statement_id(source, entity_id, BASE_PROP, entity_id),
        entity_id, entity_id, schema, BASE_PROP, "id", entity_id, None, None, source,
        *label_cols, seen, seen, retention,
    )
    for prop, value in proxy.itervalues():
        yield (
            statement_id(source, entity_id, prop.name, value),
            entity_id, entity_id, schema, prop.name, prop.type.name, value, None, None, source,
            *label_cols, seen, seen, retention,
        )
