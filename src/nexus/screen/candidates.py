"""Candidate generation in one segment, and vectorised name scoring of a batch of query names' candidates (of every
segment at once: `ScreenIndex.all_names`)."""

import numpy as np

from nexus.names.joined import joined_keys, joined_sounds
from nexus.names.part_table import may_be_within
from nexus.names.similarity import joined_similarity, pair_conflict, score_part_pairs, compounds_in_context
from nexus.screen.index import Compacts, NameArrays, Segment
from nexus.screen.vocabulary import Vocabulary

#: A single part key shared by more names than this is too common to propose candidates alone.
MAX_SINGLE_POSTINGS = 50
MAX_PAIR_POSTINGS = 5_000
#: Candidates kept per query name, by the rarity of the keys they share, before full scoring.
MAX_CANDIDATES = 15
_RANK_SCALE = 1 << 24
#: Candidates up to this many are scored as one block (`score_candidates`).
SMALL_CALL = 512
#: (query name row, key id) pairs of one kind of key.
QueryKeys = tuple[np.ndarray, np.ndarray]


def top_candidates(q_rows: np.ndarray, r_rows: np.ndarray, weights: np.ndarray, n_results: int) -> tuple[np.ndarray, np.ndarray]:
    """Distinct (query name, result name) pairs, at most MAX_CANDIDATES per query name.

    A candidate ranks by the summed rarity of the keys it shares with the query: one
    rare family name outweighs several common given names.
    """
    if len(q_rows) == 0:
        return q_rows, r_rows
    codes = q_rows.astype(np.int64) * n_results + r_rows
    # Stable sorts: a query's candidates, and the order their weights are summed in, must not depend on the batch.
    order = np.argsort(codes, kind="stable")
    codes = codes[order]
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    shared = np.add.reduceat(weights[order], starts)
    q, r = codes[starts] // n_results, codes[starts] % n_results
    # Best first within each query name: one sort on (query name, descending quantised weight).
    order = np.argsort(q * _RANK_SCALE + (_RANK_SCALE - 1 - np.minimum(shared * 1000, _RANK_SCALE - 1).astype(np.int64)),
                       kind="stable")
    q, r = q[order], r[order]
    starts = np.flatnonzero(np.r_[True, q[1:] != q[:-1]])
    rank = np.arange(len(q)) - np.repeat(starts, np.diff(np.r_[starts, len(q)]))
    keep = rank < MAX_CANDIDATES
    return q[keep], r[keep].astype(np.int64)


def lookup(segment: Segment, singles: QueryKeys, pairs: QueryKeys, dated: QueryKeys):
    """Candidate (query name row, segment name row) pairs from single-part, part-pair and dated keys."""
    q1, r1, w1 = segment.singles.lookup(*singles, MAX_SINGLE_POSTINGS)
    q2, r2, w2 = segment.pairs.lookup(*pairs, MAX_PAIR_POSTINGS)
    q3, r3, w3 = segment.dated.lookup(*dated, MAX_SINGLE_POSTINGS)
    return top_candidates(np.concatenate([q1, q2, q3]), np.concatenate([r1, r2, r3]), np.concatenate([w1, w2, w3]),
                          max(len(segment.names), 1))


def score_candidates(
    vocabulary: Vocabulary, queries: NameArrays, results: NameArrays, q_rows: np.ndarray, r_rows: np.ndarray, common: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Name score of each (query name row, result name row) candidate, and its similarity written as one word
    (by letters, `joined_similarity`, or by sound, `nexus.names.joined`).

    Candidates are grouped by shape (number of query parts, number of result parts), so
    each group's part similarities form one dense (candidates, query parts, result parts)
    array; a call of few candidates (a server's single query) scores them all as one block, each name padded at
    the end to the longest, since its cost is per block. The similarities of all blocks are looked up in one call.
    A query name the list would carry by chance (`common`, per query name row) must weigh more to count as specific
    (`common_specific_weight`).
    """
    if len(q_rows) == 0:
        return np.empty(0), np.empty(0)
    nq = queries.offsets[q_rows + 1] - queries.offsets[q_rows]
    nr = results.offsets[r_rows + 1] - results.offsets[r_rows]
    blocks = []
    named = np.flatnonzero((nq > 0) & (nr > 0))  # a name of punctuation alone (found by its document) has no parts
    for rows in (named[r] for r in _blocks(nq[named], nr[named])):
        q_parts, q_real = _padded(queries, q_rows[rows], nq[rows])
        r_parts, r_real = _padded(results, r_rows[rows], nr[rows])
        blocks.append((rows, q_parts, r_parts, q_real, r_real, _cells(q_real, r_real, len(rows), q_parts.shape[1], r_parts.shape[1])))
    q_cross, r_cross = [], []
    for _, q_parts, r_parts, _, _, cells in blocks:
        q, r = np.broadcast_arrays(q_parts[:, :, None], r_parts[:, None, :])
        q_cross.append(q.ravel() if cells is None else q[cells])
        r_cross.append(r.ravel() if cells is None else r[cells])
    sims = vocabulary.similarities(np.concatenate([np.zeros(0, np.int64), *q_cross]),
                                   np.concatenate([np.zeros(0, np.int64), *r_cross]))
    config = vocabulary.table.config
    specific = np.where(common[q_rows], config.common_specific_weight, config.specific_weight)
    conflict = np.ones(len(q_rows))
    scores = np.zeros(len(q_rows))
    at = 0
    for (rows, q_parts, r_parts, q_real, r_real, cells), size in zip(blocks, map(len, q_cross), strict=True):
        shape = (len(rows), q_parts.shape[1], r_parts.shape[1])
        if cells is None:
            sim = sims[at : at + size].reshape(shape)
        else:
            sim = np.zeros(shape)
            sim[cells] = sims[at : at + size]
        at += size
        sim = compounds_in_context(sim, q_parts, r_parts, vocabulary.table, q_real, r_real)
        for c in np.flatnonzero(queries.conflicts[q_rows[rows]] & results.conflicts[r_rows[rows]]).tolist():
            pair = rows[c]
            conflict[pair] = pair_conflict(queries.name(q_rows[pair]).parts, results.name(r_rows[pair]).parts,
                                           sim[c, : nq[pair], : nr[pair]])
        scores[rows] = score_part_pairs(
            sim, vocabulary.weights(q_parts), vocabulary.weights(r_parts),
            vocabulary.anchors(q_parts), vocabulary.anchors(r_parts), conflict[rows], config, specific[rows], q_real, r_real,
        )
    joined = joined_scores(queries.compacts, results.compacts, q_rows, r_rows)
    split = np.flatnonzero(nq != nr)  # only names with a different number of parts are compared by sound
    joined[split] = np.maximum(joined[split], joined_sounds(
        _joined_keys(vocabulary, queries, q_rows[split]), _joined_keys(vocabulary, results, r_rows[split]), nq[split], nr[split], vocabulary.table.config,
    ))
    return np.maximum(scores, joined * conflict), joined


def _blocks(nq: np.ndarray, nr: np.ndarray) -> list[np.ndarray]:
    """The candidates (by position) scored together: all of them in a small call, else those of one shape."""
    if len(nq) <= SMALL_CALL:
        return [np.arange(len(nq))] if len(nq) else []
    shape = nq * (int(nr.max()) + 1) + nr
    order = np.argsort(shape, kind="stable")
    bounds = np.flatnonzero(np.r_[True, shape[order][1:] != shape[order][:-1], True])
    return [order[start:stop] for start, stop in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True)]


def _padded(names: NameArrays, rows: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """The part ids of the given name rows (one row each, as wide as the longest) and which are real (None: all
    are; padding repeats a name's first part)."""
    width = int(lengths.max())
    at = names.offsets[rows][:, None] + np.arange(width)
    if (lengths == width).all():
        return names.part_ids[at], None
    real = np.arange(width) < lengths[:, None]
    return names.part_ids[np.where(real, at, at[:, :1])], real


def _cells(q_real, r_real, m: int, width_q: int, width_r: int) -> np.ndarray | None:
    """Which (candidate, query part, result part) cells of a block pair two real parts; None: all do."""
    if q_real is None and r_real is None:
        return None
    q = np.ones((m, width_q), bool) if q_real is None else q_real
    r = np.ones((m, width_r), bool) if r_real is None else r_real
    return q[:, :, None] & r[:, None, :]


def _joined_keys(vocabulary: Vocabulary, names: NameArrays, rows: np.ndarray) -> tuple:
    """`joined_keys` of the given name rows, worked out once for all the names and kept on them (the index's names
    until a segment changes, a batch's queries for the call)."""
    found = names.derived.get("joined_keys")
    if found is None:
        found = names.derived["joined_keys"] = joined_keys(vocabulary.table, names.offsets, names.part_ids, np.arange(len(names)))
    return tuple(k[rows] for k in found)


def joined_scores(queries: Compacts, results: Compacts, q_rows: np.ndarray, r_rows: np.ndarray) -> np.ndarray:
    """`joined_similarity` of each candidate pair; strings are compared only where lengths and letters allow it."""
    len_q, len_r = queries.lengths[q_rows], results.lengths[r_rows]
    budget = np.maximum(len_q, len_r) // 10
    rows = np.flatnonzero((np.abs(len_q - len_r) <= budget) & (len_q > 0))
    rows = rows[may_be_within(len_q[rows], len_r[rows], queries.bags[q_rows[rows]], results.bags[r_rows[rows]], budget[rows])]
    out = np.zeros(len(q_rows))
    out[rows] = [
        joined_similarity(queries.text(i), results.text(j))
        for i, j in zip(q_rows[rows].tolist(), r_rows[rows].tolist(), strict=True)
    ]
    return out
