"""Screening queries against the index: one at a time or in vectorised batches.

    hits = screen_one(index, Query("Usama bin Laden", birth_date="1957"))
    table = screen_batch(index, queries)   # pyarrow Table / pandas DataFrame:
                                           # id, name, birth_date, nationality, gender, document

Each hit carries a calibrated score, the reasons behind it (how the name parts aligned,
date of birth, document, nationality, gender) and the `fingerprint` of the listed data
it rests on. (query_key, entity_id, fingerprint) identifies a hit for analyst judgements:
a dismissed hit comes back only when the listed data changes.
"""

import multiprocessing
import os
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from nexus.names import NameType
from nexus.names.similarity import align_parts, joined_similarity
from nexus.names.symbols import learn_name_tokens
from nexus.screen.candidates import lookup, score_candidates
from nexus.screen.evidence import NAME_CEILING, SCREEN_THRESHOLD, best_case, weigh
from nexus.screen.index import Compacts, ScreenIndex, name_arrays
from nexus.screen.query import PreparedQuery, Query, prepare
from nexus.screen.vocabulary import pair_keys

BATCH_CHUNK = 20_000
QUERY_COLUMNS = ("id", "name", "birth_date", "nationality", "gender", "document")
HIT_SCHEMA = pa.schema([
    ("query_id", pa.string()), ("query_key", pa.string()), ("entity_id", pa.string()),
    ("source", pa.string()), ("schema", pa.string()), ("caption", pa.string()),
    ("score", pa.float64()), ("name_score", pa.float64()), ("explanation", pa.string()),
    ("fingerprint", pa.string()),
])


@dataclass(frozen=True)
class Hit:
    query_id: str | None
    query_key: str
    entity_id: str
    source: str
    schema: str
    caption: str
    score: float
    name_score: float
    reasons: tuple[str, ...]
    fingerprint: str

    @property
    def explanation(self) -> str:
        return "; ".join(self.reasons)


def screen_one(index: ScreenIndex, query: Query, threshold: float = SCREEN_THRESHOLD, limit: int = 10) -> list[Hit]:
    """Hits for one query, best first."""
    return _screen(index, [prepare(query)], threshold, limit)[0]


def screen_batch(
    index: ScreenIndex,
    queries: pa.Table | pd.DataFrame,
    threshold: float = SCREEN_THRESHOLD,
    limit: int = 10,
    workers: int | None = None,
    chunk: int = BATCH_CHUNK,
) -> pa.Table:
    """Hits for a table of queries (columns id, name and optionally birth_date, nationality, gender, document, schema).

    Batches of more than `chunk` queries are split into chunks screened by `workers`
    forked processes (default: one per CPU) that share the index copy-on-write; hits
    come back in query order.
    """
    frame = queries.to_pandas() if isinstance(queries, pa.Table) else queries
    if "name" not in frame.columns:
        raise ValueError("query table needs a 'name' column")
    columns = {c: frame[c].astype(object).where(frame[c].notna(), None).tolist() if c in frame else [None] * len(frame)
               for c in (*QUERY_COLUMNS, "schema")}
    columns["id"] = [str(i) if i is not None else str(n) for n, i in enumerate(columns["id"])]
    chunks = [(start, min(start + chunk, len(frame))) for start in range(0, len(frame), chunk)]
    if not chunks:
        return HIT_SCHEMA.empty_table()
    workers = min(workers or os.cpu_count() or 1, len(chunks))
    learn_name_tokens(pa.array(columns["name"], pa.string()), {NameType.of_schema(s).rigour_tag for s in set(columns["schema"])})
    state = (index, columns, threshold, limit)
    if workers == 1:
        return pa.concat_tables([_screen_chunk(state, bounds) for bounds in chunks])
    # The state reaches the workers through fork (initargs are not pickled), never through a
    # global of this process, so concurrent batches in one process cannot see each other's.
    with multiprocessing.get_context("fork").Pool(workers, initializer=_adopt, initargs=(state,)) as pool:
        return pa.concat_tables(pool.map(_forked_chunk, chunks, chunksize=1))


#: In a forked batch worker: (index, query columns, threshold, limit).
_WORKER_STATE: tuple | None = None


def _adopt(state: tuple) -> None:
    global _WORKER_STATE
    _WORKER_STATE = state


def _forked_chunk(bounds: tuple[int, int]) -> pa.Table:
    return _screen_chunk(_WORKER_STATE, bounds)


def _screen_chunk(state: tuple, bounds: tuple[int, int]) -> pa.Table:
    index, columns, threshold, limit = state
    prepared = [
        prepare(Query(
            name=columns["name"][i] or "", birth_date=_text(columns["birth_date"][i]),
            nationality=columns["nationality"][i], gender=columns["gender"][i],
            document=_text(columns["document"][i]), schema=columns["schema"][i], id=columns["id"][i],
        ))
        for i in range(*bounds)
    ]
    return _hits_table([h for per_query in _screen(index, prepared, threshold, limit) for h in per_query])


def _text(value) -> str | None:
    if value is None:
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _hits_table(hits: list[Hit]) -> pa.Table:
    return pa.table({
        "query_id": [h.query_id for h in hits], "query_key": [h.query_key for h in hits],
        "entity_id": [h.entity_id for h in hits], "source": [h.source for h in hits],
        "schema": [h.schema for h in hits], "caption": [h.caption for h in hits],
        "score": [h.score for h in hits], "name_score": [h.name_score for h in hits],
        "explanation": [h.explanation for h in hits], "fingerprint": [h.fingerprint for h in hits],
    }, schema=HIT_SCHEMA)


def _query_keys(index: ScreenIndex, prepared: list[PreparedQuery]):
    vocabulary = index.vocabulary
    names = [n for p in prepared for n in p.names]
    owner = np.fromiter((qi for qi, p in enumerate(prepared) for _ in p.names), dtype=np.int64, count=len(names))
    offsets, parts, conflicts = name_arrays(vocabulary, names)
    key_owner, keys, pair_owner, pairs = [], [], [], []
    for row, name in enumerate(names):
        found = {k for pid in parts[offsets[row] : offsets[row + 1]].tolist() for k in vocabulary.keys_of_part(pid)}
        keys.extend(found)
        key_owner.extend([row] * len(found))
        for key in pair_keys(name):
            key_id = vocabulary.key_id(key, create=False)
            if key_id >= 0:
                pairs.append(key_id)
                pair_owner.append(row)
    as_array = lambda values: np.asarray(values, dtype=np.int64)  # noqa: E731
    return names, owner, offsets, parts, conflicts, as_array(key_owner), as_array(keys), as_array(pair_owner), as_array(pairs)


def _document_candidates(index: ScreenIndex, segment, prepared, owner_rows: dict[int, list[int]]):
    """(query name row, name row) pairs for every name of an entity whose document number a query gives."""
    q_rows, r_rows = [], []
    for qi, p in enumerate(prepared):
        if not p.document or qi not in owner_rows:
            continue
        key = index.vocabulary.key_id(f"d:{p.document}", create=False)
        if key < 0:
            continue
        _, entities = segment.documents.lookup(np.zeros(1, np.int64), np.asarray([key]), 1 << 30)
        for name_row in np.flatnonzero(np.isin(segment.name_entity, entities)).tolist():
            for q_row in owner_rows[qi]:
                q_rows.append(q_row)
                r_rows.append(name_row)
    return np.asarray(q_rows, dtype=np.int64), np.asarray(r_rows, dtype=np.int64)


def _screen(index: ScreenIndex, prepared: list[PreparedQuery], threshold: float, limit: int) -> list[list[Hit]]:
    names, owner, q_offsets, q_parts, q_conflicts, key_owner, keys, pair_owner, pairs = _query_keys(index, prepared)
    compacts = Compacts.of(names)
    owner_rows: dict[int, list[int]] = {}
    for row, qi in enumerate(owner.tolist()):
        owner_rows.setdefault(qi, []).append(row)
    results: list[list[Hit]] = [[] for _ in prepared]
    # Candidates that could not pass even with every fact of their query agreeing are dropped unweighed.
    bonus = np.asarray([best_case(p, 0.0) for p in prepared])
    for segment in index.segments.values():
        if not segment.names:
            continue
        q_rows, r_rows = lookup(segment, key_owner, keys, pair_owner, pairs)
        dq, dr = _document_candidates(index, segment, prepared, owner_rows)
        if len(dq):
            q_rows, r_rows = np.concatenate([q_rows, dq]), np.concatenate([r_rows, dr])
            codes = np.unique(q_rows * len(segment.names) + r_rows)
            q_rows, r_rows = codes // len(segment.names), codes % len(segment.names)
        scores = score_candidates(index.vocabulary, q_offsets, q_parts, q_conflicts, names, compacts, segment, q_rows, r_rows)
        documented = set(zip(dq.tolist(), dr.tolist(), strict=True))
        keep = np.flatnonzero(best_case_scores(scores, bonus[owner[q_rows]]) >= threshold)
        extra = [i for i, pair in enumerate(zip(q_rows.tolist(), r_rows.tolist(), strict=True)) if pair in documented]
        keep = np.union1d(keep, np.asarray(extra, dtype=np.int64))
        _collect(segment, prepared, names, owner, q_rows[keep], r_rows[keep], scores[keep], threshold, results)
    for hits in results:
        hits.sort(key=lambda h: (-h.score, h.entity_id))
        del hits[limit:]
    return results


def best_case_scores(name_scores: np.ndarray, bonus: np.ndarray) -> np.ndarray:
    return NAME_CEILING * name_scores + bonus


def _collect(segment, prepared, names, owner, q_rows, r_rows, scores, threshold, results) -> None:
    """Best name pair per (query, entity), weighed with the evidence; hits above threshold appended."""
    pairs = owner[q_rows].astype(np.int64) * max(len(segment.profiles), 1) + segment.name_entity[r_rows]
    order = np.lexsort((-scores, pairs))
    first = order[np.r_[True, pairs[order][1:] != pairs[order][:-1]]] if len(order) else order
    best = zip(q_rows[first].tolist(), r_rows[first].tolist(), owner[q_rows[first]].tolist(),
               segment.name_entity[r_rows[first]].tolist(), scores[first].tolist(), strict=True)
    for q_row, r_row, qi, entity, name_score in best:
        query = prepared[qi]
        profile = segment.profiles[entity]
        score, reasons = weigh(query, profile, name_score)
        if score < threshold:
            continue
        q_name, r_name = names[q_row], segment.names[r_row]
        alignment = "; ".join(str(m) for m in align_parts(q_name, r_name))
        joined = joined_similarity(q_name.compact, r_name.compact)
        if joined >= name_score:
            alignment += f"; written as one word {joined:.2f}"
        name_reason = f"name {name_score:.2f}: {q_name.original!r} ~ {r_name.original!r} [{alignment}]"
        results[qi].append(Hit(
            query_id=query.query.id, query_key=query.key, entity_id=profile.entity_id, source=segment.source,
            schema=profile.schema, caption=profile.caption, score=round(score, 4), name_score=round(name_score, 4),
            reasons=(name_reason, *reasons), fingerprint=profile.fingerprint,
        ))
