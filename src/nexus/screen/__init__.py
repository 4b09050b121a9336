"""Screening names against lists: an in-process index, a scorer with explanations, single and batch queries.

    from nexus.screen import Query, ScreenIndex, screen_batch, screen_one

    index = ScreenIndex()
    index.add_statements(snapshot)          # statement rows: canonical_id, schema, prop, prop_type, value, source
    index.add_entities("un-sc", entities)   # or FtM entities for one source
    hits = screen_one(index, Query("Osama bin Laden", birth_date="1957", nationality="sa"))
    table = screen_batch(index, frame)      # id, name, birth_date, nationality, gender, document;
                                            # large batches run in one forked worker per CPU

A hit's identity for analyst judgements is (query_key, entity_id, fingerprint). Its
`features` explain it as data (`Feature`: name, birth_date, document, nationality, gender,
each with score, weight and the values compared; document_identity where a listed person's
document number and birth date lifted the hit whatever its name); a hit table stores them
as JSON in the `features` column (`features_from_json`), and `render` turns one into a line
of text.
"""

from nexus.screen.evidence import NAME_CEILING, SCREEN_THRESHOLD
from nexus.screen.explain import Feature, features_from_json, render
from nexus.screen.index import ScreenIndex
from nexus.screen.query import Query, query_key
from nexus.screen.screen import HIT_SCHEMA, Hit, screen_batch, screen_one

__all__ = [
    "HIT_SCHEMA",
    "NAME_CEILING",
    "SCREEN_THRESHOLD",
    "Feature",
    "Hit",
    "Query",
    "ScreenIndex",
    "features_from_json",
    "query_key",
    "render",
    "screen_batch",
    "screen_one",
]
