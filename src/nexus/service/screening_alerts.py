"""Screening hits as alerts: their identity, the evidence they cite and its labels.

A hit on a record the store holds is about that record as screened by one agency
(`record/<agency>/<id>/<query key>:<listed>`) and cites the record's statements the question
was built from and the listed entity's statements. A hit on an ad-hoc question (a file, an API
call) is about that question as asked by one agency (`query/<agency>/<query key>:<listed>`)
and cites it as held by that agency alone. Either way one agency's hits, evidence and decisions
never join, hide or silence another's alert, though records of the same data share their ids.

`<listed>` is a record of the list, not the entity's canonical id: resolution renames an entity whenever records join
it, and a hit whose list data is unchanged must stay one alert, its review standing (`listed_records`).
"""

from collections.abc import Iterable, Sequence

import orjson
import pyarrow as pa
from sqlalchemy import func, select

from nexus.model.alerts import agency_subject, alert_key
from nexus.model.labels import Labels
from nexus.model.matching import DOCUMENT_HOLDER, DOCUMENT_NUMBERS, FEATURE_PROPS
from nexus.security.policy import statement_clause
from nexus.security.viewer import Viewer
from nexus.service.alerts import CHUNK, Evidence, NewAlert, cited_statements
from nexus.service.entities import S, live
from nexus.store import Store
from nexus.store.schema import statements

KIND = "screening"
#: The properties of a held record that make up its screening query, by query field: its
#: own name (not an alias), and what `nexus.model.matching` says feeds each other feature.
QUERY_FIELD_PROPS: dict[str, frozenset[str]] = {
    "name": frozenset({"name"}),
    **{field: FEATURE_PROPS[field] for field in ("birth_date", "nationality", "gender", "document")},
}
QUERY_PROPS = frozenset().union(*QUERY_FIELD_PROPS.values())
#: What a held record's query cites of an identity document whose number it was asked with: its number, its holder.
DOCUMENT_PROPS = DOCUMENT_NUMBERS | {DOCUMENT_HOLDER}


def hit_subjects(store: Store, hits: pa.Table, viewer: Viewer, holdings: bool) -> list[str]:
    listed = listed_records(store, viewer, hits.column("entity_id").to_pylist(), hits.column("source").to_pylist())
    pairs = zip(hits.column("query_key").to_pylist(), listed)
    if not holdings:
        return [query_subject(viewer, key, record) for key, record in pairs]
    return [agency_subject("record", viewer.agency, held, f"{key}:{record}")
            for held, (key, record) in zip(hits.column("query_id").to_pylist(), pairs)]


def listed_records(store: Store, viewer: Viewer, entity_ids: Sequence[str], sources: Sequence[str]) -> list[str]:
    """What hits are about on the list side, row for row (a hit's listed entity by its canonical id, as the index
    names it, and the list that hit): the least id of that entity's records in that list that the viewer may see. It
    stays while records of other sources join the entity, and is the entity's own id for a list entry resolution
    merged with nothing. An entity renamed since the index was built (a kept one) has no records: its name stands."""
    least = least_listed_records(store, viewer, set(entity_ids), set(sources))
    return [least.get((entity, source), entity) for entity, source in zip(entity_ids, sources, strict=True)]


def least_listed_records(store: Store, viewer: Viewer, entity_ids: Iterable[str],
                         sources: Iterable[str]) -> dict[tuple[str, str], str]:
    """(canonical id, list) -> the least id of the entity's records in that list whose live statements the viewer
    may screen with."""
    ids, sources, least = sorted(entity_ids), sorted(sources), {}
    if not ids:
        return least
    with store.reader.connect() as conn:
        for start in range(0, len(ids), CHUNK):
            query = (select(S.canonical_id, S.source, func.min(S.entity_id))
                     .where(S.canonical_id.in_(ids[start : start + CHUNK]), S.source.in_(sources), live(),
                            statement_clause(viewer, statements, "screen"))
                     .group_by(S.canonical_id, S.source))
            least.update({(entity, source): record for entity, source, record in conn.execute(query)})
    return least


def query_subject(viewer: Viewer, query_key: str, listed: str) -> str:
    return agency_subject("query", viewer.agency, f"{query_key}:{listed}")


def hit_keys(subjects: list[str], hits: pa.Table, kind: str = KIND) -> list[str]:
    return [alert_key(kind, s, f) for s, f in zip(subjects, hits.column("fingerprint").to_pylist())]


def screening_alerts(
    store: Store, viewer: Viewer, asked: pa.Table, hits: pa.Table, subjects: list[str], holdings: bool,
    kind: str = KIND,
) -> list[NewAlert]:
    """One alert per hit, citing what the viewer screened with (`asked`: row for row, the query each hit answers) and
    against."""
    answers = list(zip(hits.to_pylist(), asked.to_pylist(), subjects, strict=True))
    return hit_alerts(store, viewer, answers, holdings, kind)


def hit_alerts(store: Store, viewer: Viewer, answers: list[tuple[dict, dict, str]], holdings: bool,
               kind: str = KIND) -> list[NewAlert]:
    """An alert for each (hit, the query it answers, subject); with `holdings` a hit's `query_id` is the held record
    whose statements it cites, and a query's `document_id` the identity document whose number it was asked with."""
    rows = [hit for hit, _, _ in answers]
    listed = cited_statements(store, viewer, "screen", S.canonical_id, {r["entity_id"] for r in rows},
                              S.source.in_({r["source"] for r in rows}))
    if holdings:
        held = cited_statements(store, viewer, "screen", S.entity_id, {r["query_id"] for r in rows}, S.prop.in_(QUERY_PROPS))
        documents = cited_statements(store, viewer, "screen", S.entity_id,
                                     {q["document_id"] for _, q, _ in answers if q.get("document_id")},
                                     S.prop.in_(DOCUMENT_PROPS))
    result = []
    for hit, query, subject in answers:
        if holdings:
            document = query.get("document_id")
            mine = [Evidence("statement", sid, hit["query_id"], labels) for sid, labels, _ in held[hit["query_id"]]]
            mine += [Evidence("statement", sid, document, labels) for sid, labels, _ in documents.get(document, ())]
        else:
            mine = [Evidence("query", hit["query_key"], None, Labels(viewer.agency, releasable_to=(viewer.agency,)))]
        theirs = [Evidence("statement", sid, hit["entity_id"], labels)
                  for sid, labels, source in listed[hit["entity_id"]] if source == hit["source"]]
        result.append(NewAlert(
            kind=kind, subject=subject, fingerprint=hit["fingerprint"],
            title=f"{query.get('name') or hit['query_id'] or hit['query_key']} ↔ {hit['caption']} ({hit['source']})",
            score=hit["score"], explanation=_explanation(hit, query), evidence=tuple(mine + theirs),
        ))
    return result


def _explanation(hit: dict, query: dict) -> dict:
    features = hit.get("features")
    return {
        "query": {k: v for k, v in query.items() if v is not None},
        "query_key": hit["query_key"],
        "listed": {k: hit[k] for k in ("entity_id", "caption", "schema", "source")},
        "score": hit["score"],
        "name_score": hit["name_score"],
        "reasons": [r for r in hit["explanation"].split("; ") if r],
        **({"features": orjson.loads(features)} if features else {}),
    }
