"""Candidate generation and vectorised name scoring for a batch of query names against one segment."""

import numpy as np

from nexus.names.similarity import pair_conflict, score_part_pairs
from nexus.screen.index import Segment
from nexus.screen.vocabulary import Vocabulary

#: A single part key shared by more names than this is too common to propose candidates alone.
MAX_SINGLE_POSTINGS = 200
MAX_PAIR_POSTINGS = 5_000
#: Candidates kept per query name, by number of keys shared, before full scoring.
MAX_CANDIDATES = 25


def top_candidates(q_rows: np.ndarray, r_rows: np.ndarray, n_results: int) -> tuple[np.ndarray, np.ndarray]:
    """Distinct (query name, result name) pairs, at most MAX_CANDIDATES per query name, most shared keys first."""
    if len(q_rows) == 0:
        return q_rows, r_rows
    codes, counts = np.unique(q_rows.astype(np.int64) * n_results + r_rows, return_counts=True)
    q, r = codes // n_results, codes % n_results
    order = np.lexsort((-counts, q))
    q, r = q[order], r[order]
    starts = np.flatnonzero(np.r_[True, q[1:] != q[:-1]])
    rank = np.arange(len(q)) - np.repeat(starts, np.diff(np.r_[starts, len(q)]))
    keep = rank < MAX_CANDIDATES
    return q[keep], r[keep].astype(np.int64)


def lookup(segment: Segment, key_owner: np.ndarray, keys: np.ndarray, pair_owner: np.ndarray, pair_keys: np.ndarray):
    """Candidate (query name row, segment name row) pairs from single-part and part-pair keys."""
    q1, r1 = segment.singles.lookup(key_owner, keys, MAX_SINGLE_POSTINGS)
    q2, r2 = segment.pairs.lookup(pair_owner, pair_keys, MAX_PAIR_POSTINGS)
    return top_candidates(np.concatenate([q1, q2]), np.concatenate([r1, r2]), max(len(segment.names), 1))


def score_candidates(
    vocabulary: Vocabulary,
    q_offsets: np.ndarray,
    q_parts: np.ndarray,
    q_conflicts: np.ndarray,
    q_names: list,
    segment: Segment,
    q_rows: np.ndarray,
    r_rows: np.ndarray,
) -> np.ndarray:
    """Name score for each (query name row, segment name row) candidate."""
    n = len(q_rows)
    if n == 0:
        return np.empty(0)
    nq = q_offsets[q_rows + 1] - q_offsets[q_rows]
    nr = segment.part_offsets[r_rows + 1] - segment.part_offsets[r_rows]
    sizes = nq * nr
    pair = np.repeat(np.arange(n), sizes)
    within = np.arange(int(sizes.sum())) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    width = nr[pair]
    q_pos, r_pos = within // width, within % width
    q_ids = q_parts[q_offsets[q_rows][pair] + q_pos]
    r_ids = segment.part_ids[segment.part_offsets[r_rows][pair] + r_pos]
    conflict = np.ones(n)
    for c in np.flatnonzero(q_conflicts[q_rows] & segment.name_conflicts[r_rows]).tolist():
        conflict[c] = pair_conflict(q_names[q_rows[c]].parts, segment.names[r_rows[c]].parts)
    return score_part_pairs(
        pair, q_pos, r_pos, vocabulary.similarities(q_ids, r_ids),
        vocabulary.weights(q_ids), vocabulary.weights(r_ids),
        vocabulary.anchors(q_ids), vocabulary.anchors(r_ids),
        conflict[pair], n,
    )
