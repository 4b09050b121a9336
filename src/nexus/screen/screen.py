"""Screening queries against the index: one at a time or in vectorised batches.

    hits = screen_one(index, Query("Usama bin Laden", birth_date="1957"))
    table = screen_batch(index, queries)   # pyarrow Table / pandas DataFrame:
                                           # id, name, birth_date, nationality, gender, document

Each hit carries a calibrated score, its features (`explain.Feature`: how the name parts
aligned, date of birth, document, nationality, gender, each with score and weight), the
reasons rendered from them and the `fingerprint` of the listed data it rests on. A weak
alias (FtM weakAlias: the UN's "low quality" a.k.a.) matches at a reduced weight and its
hit says so; a strong name of the same entity that matches as well wins over it. A query
carrying a listed person's document number and birth date is a hit on them whatever its name
(the document-first floor, `SCORING.document_identity`), and its explanation says so.
(query_key, entity_id, fingerprint) identifies a hit for analyst judgements: a dismissed
hit comes back only when the listed data changes.
"""

import gc
import multiprocessing
import os
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from nexus.names import NameType
from nexus.names.similarity import run_ranks
from nexus.names.symbols import learn_name_tokens
from nexus.screen.candidates import QueryKeys, lookup, score_candidates
from nexus.screen.evidence import SCORING, SCREEN_THRESHOLD, ScoringConfig
from nexus.screen.explain import (
    Feature, corroborating, fact_features, features_json, identity_feature, name_features, name_weights, render,
)
from nexus.screen.index import NameArrays, ScreenIndex, Segment, name_information
from nexus.screen.query import QUERY_FIELDS, Query, QueryBatch, check_schemata

BATCH_CHUNK = 20_000
HIT_SCHEMA = pa.schema([
    ("query_id", pa.string()), ("query_key", pa.string()), ("entity_id", pa.string()),
    ("source", pa.string()), ("schema", pa.string()), ("caption", pa.string()),
    ("score", pa.float64()), ("name_score", pa.float64()), ("explanation", pa.string()),
    ("fingerprint", pa.string()), ("features", pa.string()),  # features: `explain.features_json`
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
    reasons: tuple[str, ...]  # rendered from `features`, one per feature
    fingerprint: str
    features: tuple[Feature, ...] = ()

    @property
    def explanation(self) -> str:
        return "; ".join(self.reasons)


def screen_one(index: ScreenIndex, query: Query, threshold: float = SCREEN_THRESHOLD, limit: int = 10) -> list[Hit]:
    """Hits for one query, best first."""
    return _screen(index, QueryBatch.of_queries([query]), threshold, limit)[0]


def screen_batch(
    index: ScreenIndex,
    queries: pa.Table | pd.DataFrame,
    threshold: float = SCREEN_THRESHOLD,
    limit: int = 10,
    workers: int | None = None,
    chunk: int = BATCH_CHUNK,
    progress: Callable[[int], None] | None = None,
    normalised: bool = False,
) -> pa.Table:
    """Hits for a table of queries (columns id, name and optionally birth_date, nationality, gender, document, schema).

    Batches of more than `chunk` queries are split into chunks screened by `workers`
    forked processes (default: one per CPU) that share the index copy-on-write; hits
    come back in query order. `progress` is told how many queries each finished chunk held.
    `normalised`: the queries are a table `query_table` gave (a caller combining several normalises each once).
    """
    table = queries if normalised else query_table(queries)
    chunks = [(start, min(start + chunk, table.num_rows)) for start in range(0, table.num_rows, chunk)]
    if not chunks:
        return HIT_SCHEMA.empty_table()
    workers = min(workers or os.cpu_count() or 1, len(chunks))
    schemas = pc.unique(table.column("schema")).to_pylist()
    learn_name_tokens(table.column("name"), {NameType.of_schema(s).rigour_tag for s in schemas})
    if index.segments:
        index.all_names()  # built once here: forked workers share it rather than each copying what it concatenates
    state = (index, table, threshold, limit)
    report = progress or (lambda done: None)
    if workers == 1:
        with _collector_paused():
            return pa.concat_tables([_reported(_screen_chunk(state, bounds), bounds, report) for bounds in chunks])
    # The state reaches the workers through fork (initargs are not pickled), never through a
    # global of this process, so concurrent batches in one process cannot see each other's.
    with multiprocessing.get_context("fork").Pool(workers, initializer=_adopt, initargs=(state,)) as pool:
        done = pool.imap(_forked_chunk, chunks, chunksize=1)
        return pa.concat_tables([_reported(hits, bounds, report) for hits, bounds in zip(done, chunks, strict=True)])


def _reported(hits: pa.Table, bounds: tuple[int, int], report: Callable[[int], None]) -> pa.Table:
    report(bounds[1] - bounds[0])
    return hits


def query_table(queries: pa.Table | pd.DataFrame) -> pa.Table:
    """The query columns as strings (dates in ISO form); a missing id is the row number."""
    table = queries if isinstance(queries, pa.Table) else pa.Table.from_pandas(queries, preserve_index=False)
    if "name" not in table.column_names:
        raise ValueError("query table needs a 'name' column")
    columns = {}
    for name in QUERY_FIELDS:
        if name not in table.column_names:
            columns[name] = pa.nulls(table.num_rows, pa.string())
            continue
        column = table.column(name).combine_chunks()
        if pa.types.is_date(column.type) or pa.types.is_timestamp(column.type):
            column = pc.strftime(column, "%Y-%m-%d")
        # Arrow calls are few per column, not per row, but a server's single queries pay each: none that change nothing.
        columns[name] = column if column.type == pa.string() else column.cast(pa.string())
    if columns["id"].null_count:
        columns["id"] = pc.coalesce(columns["id"], pa.array(np.arange(table.num_rows).astype(str)))
    check_schemata(pc.unique(columns["schema"]).drop_null().to_pylist())
    if columns["schema"].null_count:  # as `query.with_schema`: a query giving a birth date or gender is a person
        personal = pc.or_(pc.is_valid(columns["birth_date"]), pc.is_valid(columns["gender"]))
        columns["schema"] = pc.coalesce(columns["schema"], pc.if_else(personal, "Person", pa.scalar(None, pa.string())))
    return pa.table(columns)


#: In a forked batch worker: (index, query table, threshold, limit).
_WORKER_STATE: tuple | None = None


def _adopt(state: tuple) -> None:
    global _WORKER_STATE
    _WORKER_STATE = state
    # Off, not frozen: freezing rewrites every inherited object's collector links, copying each page.
    gc.disable()


@contextmanager
def _collector_paused():
    """Screening makes no reference cycles; the cyclic collector would only walk the index's
    millions of objects again and again (a third of the run time). Reference counting still frees.
    Forked workers (`_adopt`) run with it off too."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _forked_chunk(bounds: tuple[int, int]) -> pa.Table:
    return _screen_chunk(_WORKER_STATE, bounds)


def _screen_chunk(state: tuple, bounds: tuple[int, int]) -> pa.Table:
    index, table, threshold, limit = state
    batch = QueryBatch.of_table(table.slice(bounds[0], bounds[1] - bounds[0]))
    return _hits_table([h for per_query in _screen(index, batch, threshold, limit) for h in per_query])


def _hits_table(hits: list[Hit]) -> pa.Table:
    return pa.table({
        "query_id": [h.query_id for h in hits], "query_key": [h.query_key for h in hits],
        "entity_id": [h.entity_id for h in hits], "source": [h.source for h in hits],
        "schema": [h.schema for h in hits], "caption": [h.caption for h in hits],
        "score": [h.score for h in hits], "name_score": [h.name_score for h in hits],
        "explanation": [h.explanation for h in hits], "fingerprint": [h.fingerprint for h in hits],
        "features": [features_json(h.features) for h in hits],
    }, schema=HIT_SCHEMA)


def _document_candidates(index: ScreenIndex, segment: Segment, batch: QueryBatch) -> tuple[np.ndarray, np.ndarray]:
    """(query name row, name row) pairs for every name of an entity whose document number a query gives."""
    found = [(qi, index.vocabulary.key_id(f"d:{number}", create=False)) for qi, number in batch.documents.items()]
    found = [(qi, key) for qi, key in found if key >= 0]  # most numbers are on no list
    if not found:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    queries, keys = (np.asarray(column, dtype=np.int64) for column in zip(*found, strict=True))
    owners, entities, _ = segment.documents.lookup(queries, keys, 1 << 30)
    # A segment's names are in profile order, so each entity's names are one run of rows.
    starts = np.searchsorted(segment.name_entity, entities, side="left")
    counts = np.searchsorted(segment.name_entity, entities, side="right") - starts
    name_rows = np.repeat(starts, counts) + run_ranks(counts)
    position, q_rows = batch.name_rows(np.repeat(owners, counts))
    return q_rows, name_rows[position]


def _screen(index: ScreenIndex, batch: QueryBatch, threshold: float, limit: int) -> list[list[Hit]]:
    vocabulary = index.vocabulary
    queries = NameArrays.of(vocabulary, batch.names)
    keys = (vocabulary.single_keys(queries.offsets, queries.part_ids, create=False),
            vocabulary.pair_keys(queries.offsets, queries.part_ids, create=False),
            vocabulary.dated_keys(queries.offsets, queries.part_ids, batch.name_years(), create=False))
    results: list[list[Hit]] = [[] for _ in range(len(batch))]
    common = _common_names(index, queries)
    found = [(segment, *_candidates(index, segment, batch, keys))
             for segment in index.segments.values() if len(segment.names)]
    if not found:
        return results
    # Every segment's candidates are scored in one pass: a call costs more than its candidates.
    names, starts = index.all_names()
    scores, joined = score_candidates(vocabulary, queries, names, np.concatenate([q for _, q, _, _ in found]),
                                      np.concatenate([r + starts[segment.source] for segment, _, r, _ in found]), common)
    at = np.cumsum([0, *(len(q) for _, q, _, _ in found)]).tolist()
    for (segment, q_rows, r_rows, documented), start, stop in zip(found, at[:-1], at[1:], strict=True):
        transliterated = segment.transliterated(queries, q_rows, r_rows)
        weights = name_weights(segment.name_weak[r_rows], transliterated, common[q_rows])
        # Candidates that could not pass even with every fact of their query agreeing are dropped unweighed; those
        # found by a document number are all weighed, as the document-first floor may lift them whatever the name.
        keep = np.union1d(np.flatnonzero(weights * scores[start:stop] + batch.bonus[batch.owner[q_rows]] >= threshold),
                          np.flatnonzero(documented))
        _collect(vocabulary, segment, batch, queries, q_rows[keep], r_rows[keep], scores[start:stop][keep],
                 joined[start:stop][keep], weights[keep], transliterated[keep], common[q_rows[keep]], threshold, results)
    for hits in results:
        hits.sort(key=lambda h: (-h.score, h.entity_id))
        del hits[limit:]
    return results


def _candidates(index: ScreenIndex, segment: Segment, batch: QueryBatch, keys: tuple[QueryKeys, QueryKeys, QueryKeys]):
    """(query name row, segment name row, found by a document number) of every candidate in one segment, from the
    query names' single, pair and dated keys."""
    q_rows, r_rows = lookup(segment, *keys)
    documented = np.zeros(len(q_rows), bool)
    dq, dr = _document_candidates(index, segment, batch)
    if len(dq):
        codes = np.unique(np.r_[q_rows * len(segment.names) + r_rows, dq * len(segment.names) + dr])
        q_rows, r_rows = codes // len(segment.names), codes % len(segment.names)
        documented = np.isin(codes, dq * len(segment.names) + dr)
    allowed = segment.schemata.allow(batch.schemas, batch.owner[q_rows], segment.name_entity[r_rows])
    return q_rows[allowed], r_rows[allowed], documented[allowed]


def _common_names(index: ScreenIndex, queries: NameArrays, config: ScoringConfig = SCORING) -> np.ndarray:
    """Per query name: the listed entities would carry it by chance (`ScoringConfig.common_name_expected`).

    In bits: log2(listed / carriers) summed over its parts is below log2(listed / expected).
    """
    listed, counts = index.commonness()
    if listed < config.common_name_min_entities:
        return np.zeros(len(queries), bool)
    return name_information(index.vocabulary, queries, listed, counts) < np.log2(listed / config.common_name_expected)


def _collect(vocabulary, segment: Segment, batch: QueryBatch, queries: NameArrays, q_rows, r_rows, scores, joined, weights,
             transliterated, common, threshold, results) -> None:
    """Best name pair per (query, entity), weighed with the evidence; hits above threshold appended.

    Name pairs rank by weighted score, and a strong name before a weak alias that scores the same. A query
    carrying the entity's document number and birth date scores at least `SCORING.document_identity`, whatever
    the name (`explain.identity_feature`).
    """
    owner = batch.owner
    weighted = weights * scores
    weak = segment.name_weak[r_rows]
    pairs = owner[q_rows].astype(np.int64) * max(len(segment.profiles), 1) + segment.name_entity[r_rows]
    order = np.lexsort((weak, -weighted, pairs))
    first = order[np.r_[True, pairs[order][1:] != pairs[order][:-1]]] if len(order) else order
    weighed = []
    for at, qi, entity, name_score, name_part in zip(first.tolist(), owner[q_rows[first]].tolist(),
                                                     segment.name_entity[r_rows[first]].tolist(), scores[first].tolist(),
                                                     weighted[first].tolist(), strict=True):
        query, profile = batch.query(qi), segment.profiles[entity]
        facts = corroborating(fact_features(query, profile), bool(weak[at] and common[at]))
        score = name_part + sum(f.contribution for f in facts)
        identity = identity_feature(facts, name_score, score)
        if identity is not None:
            facts.append(identity)
            score = SCORING.document_identity
        score = min(1.0, max(0.0, score))
        if score >= threshold:
            weighed.append((at, qi, query, profile, score, facts))
    at = np.asarray([w[0] for w in weighed], dtype=np.int64)
    listed = segment.names.column.originals
    props = [w[3].names[listed[r]] for w, r in zip(weighed, r_rows[at].tolist(), strict=True)]  # which property each name is
    names = name_features(vocabulary, queries, segment.names, q_rows[at], r_rows[at], scores[at], joined[at], weights[at],
                          props, weak[at], transliterated[at], common[at])
    for (_, qi, query, profile, score, facts), name in zip(weighed, names, strict=True):
        features = (name, *facts)
        results[qi].append(Hit(
            query_id=query.query.id, query_key=query.key, entity_id=profile.entity_id, source=segment.source,
            schema=profile.schema, caption=profile.caption, score=round(score, 4), name_score=name.score,
            reasons=tuple(render(f) for f in features), fingerprint=profile.fingerprint, features=features,
        ))
