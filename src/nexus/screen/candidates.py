"""Candidate generation and vectorised name scoring for a batch of query names against one segment."""

import numpy as np

from nexus.names.part_table import may_be_within
from nexus.names.similarity import joined_similarity, pair_conflict, run_ranks, score_part_pairs
from nexus.screen.index import Compacts, NameArrays, Segment
from nexus.screen.vocabulary import Vocabulary

#: A single part key shared by more names than this is too common to propose candidates alone.
MAX_SINGLE_POSTINGS = 50
MAX_PAIR_POSTINGS = 5_000
#: Candidates kept per query name, by the rarity of the keys they share, before full scoring.
MAX_CANDIDATES = 15
_RANK_SCALE = 1 << 24


def top_candidates(q_rows: np.ndarray, r_rows: np.ndarray, weights: np.ndarray, n_results: int) -> tuple[np.ndarray, np.ndarray]:
    """Distinct (query name, result name) pairs, at most MAX_CANDIDATES per query name.

    A candidate ranks by the summed rarity of the keys it shares with the query: one
    rare family name outweighs several common given names.
    """
    if len(q_rows) == 0:
        return q_rows, r_rows
    codes = q_rows.astype(np.int64) * n_results + r_rows
    order = np.argsort(codes)
    codes = codes[order]
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    shared = np.add.reduceat(weights[order], starts)
    q, r = codes[starts] // n_results, codes[starts] % n_results
    # Best first within each query name: one sort on (query name, descending quantised weight).
    order = np.argsort(q * _RANK_SCALE + (_RANK_SCALE - 1 - np.minimum(shared * 1000, _RANK_SCALE - 1).astype(np.int64)))
    q, r = q[order], r[order]
    starts = np.flatnonzero(np.r_[True, q[1:] != q[:-1]])
    rank = np.arange(len(q)) - np.repeat(starts, np.diff(np.r_[starts, len(q)]))
    keep = rank < MAX_CANDIDATES
    return q[keep], r[keep].astype(np.int64)


def lookup(segment: Segment, key_owner: np.ndarray, keys: np.ndarray, pair_owner: np.ndarray, pair_keys: np.ndarray):
    """Candidate (query name row, segment name row) pairs from single-part and part-pair keys."""
    q1, r1, w1 = segment.singles.lookup(key_owner, keys, MAX_SINGLE_POSTINGS)
    q2, r2, w2 = segment.pairs.lookup(pair_owner, pair_keys, MAX_PAIR_POSTINGS)
    return top_candidates(np.concatenate([q1, q2]), np.concatenate([r1, r2]), np.concatenate([w1, w2]), max(len(segment.names), 1))


def part_pairs(queries: NameArrays, results: NameArrays, q_rows: np.ndarray, r_rows: np.ndarray):
    """Every (query part, result part) of each candidate pair, query part major: q_ids, r_ids, nq, nr."""
    nq = queries.offsets[q_rows + 1] - queries.offsets[q_rows]
    nr = results.offsets[r_rows + 1] - results.offsets[r_rows]
    sizes = nq * nr
    pair = np.repeat(np.arange(len(q_rows)), sizes)
    within = run_ranks(sizes)
    width = nr[pair]
    q_ids = queries.part_ids[queries.offsets[q_rows][pair] + within // width]
    r_ids = results.part_ids[results.offsets[r_rows][pair] + within % width]
    return q_ids, r_ids, nq, nr


def score_candidates(
    vocabulary: Vocabulary, queries: NameArrays, results: NameArrays, q_rows: np.ndarray, r_rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Name score of each (query name row, result name row) candidate, and its similarity written as one word."""
    if len(q_rows) == 0:
        return np.empty(0), np.empty(0)
    q_ids, r_ids, nq, nr = part_pairs(queries, results, q_rows, r_rows)
    q_each = queries.part_ids[_spans(queries.offsets[q_rows], nq)]
    r_each = results.part_ids[_spans(results.offsets[r_rows], nr)]
    conflict = np.ones(len(q_rows))
    for c in np.flatnonzero(queries.conflicts[q_rows] & results.conflicts[r_rows]).tolist():
        conflict[c] = pair_conflict(queries.name(q_rows[c]).parts, results.name(r_rows[c]).parts)
    parts = score_part_pairs(
        vocabulary.similarities(q_ids, r_ids), nq, nr,
        vocabulary.weights(q_each), vocabulary.weights(r_each),
        vocabulary.anchors(q_each), vocabulary.anchors(r_each), conflict,
    )
    joined = joined_scores(queries.compacts, results.compacts, q_rows, r_rows)
    return np.maximum(parts, joined * conflict), joined


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


def _spans(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Indices start, start+1, …, start+length-1 of every span, concatenated."""
    return np.repeat(starts, lengths) + run_ranks(lengths)
