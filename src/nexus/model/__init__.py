"""The data model: FollowTheMoney entities, nexus topics, security labels, statement rows."""

from nexus.model.labels import Classification, Labels
from nexus.model.statements import STATEMENT_COLUMNS, entity_statements, statement_id
from nexus.model.topics import CRIME_TOPICS, TERROR_TOPICS, nexus_side

__all__ = [
    "CRIME_TOPICS",
    "STATEMENT_COLUMNS",
    "TERROR_TOPICS",
    "Classification",
    "Labels",
    "entity_statements",
    "nexus_side",
    "statement_id",
]
