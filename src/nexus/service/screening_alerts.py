"""Screening hits as alerts: their identity, the evidence they cite and its labels.

A hit on a record the store holds is about that record as screened by one agency
(`record/<agency>/<id>/<query key>:<entity>`) and cites the record's statements the question
was built from and the listed entity's statements. A hit on an ad-hoc question (a file, an API
call) is about that question as asked by one agency (`query/<agency>/<query key>:<entity>`)
and cites it as held by that agency alone. Either way one agency's hits, evidence and decisions
never join, hide or silence another's alert, though records of the same data share their ids.
"""

import orjson
import pyarrow as pa

from nexus.model.alerts import agency_subject, alert_key
from nexus.model.labels import Labels
from nexus.model.matching import DOCUMENT_HOLDER, DOCUMENT_NUMBERS, FEATURE_PROPS
from nexus.security.viewer import Viewer
from nexus.service.alerts import Evidence, NewAlert, cited_statements
from nexus.service.entities import S
from nexus.store import Store

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


def hit_subjects(hits: pa.Table, viewer: Viewer, holdings: bool) -> list[str]:
    pairs = zip(hits.column("query_key").to_pylist(), hits.column("entity_id").to_pylist())
    if not holdings:
        return [query_subject(viewer, key, entity) for key, entity in pairs]
    return [agency_subject("record", viewer.agency, record, f"{key}:{entity}")
            for record, (key, entity) in zip(hits.column("query_id").to_pylist(), pairs)]


def query_subject(viewer: Viewer, query_key: str, entity_id: str) -> str:
    return agency_subject("query", viewer.agency, f"{query_key}:{entity_id}")


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
