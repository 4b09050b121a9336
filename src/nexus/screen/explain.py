"""The name reason of many hits at once: how each query part aligned with the listed name.

The same alignment as `nexus.names.similarity.align_parts` (each query part with its most
similar result part, then the result parts nothing matched), computed from the
vocabulary's part similarities over arrays; only the kind of each inexact match is
looked up per part pair.
"""

import numpy as np

from nexus.names.similarity import EXACT, NONE, PartMatch, part_similarity, run_ranks
from nexus.screen.index import NameArrays
from nexus.screen.vocabulary import Vocabulary


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


def name_reasons(
    vocabulary: Vocabulary,
    queries: NameArrays,
    results: NameArrays,
    q_rows: np.ndarray,
    r_rows: np.ndarray,
    name_scores: np.ndarray,
    joined: np.ndarray,
) -> list[str]:
    """`name 0.93: 'query' ~ 'listed' [alignment]` for each (query name row, result name row)."""
    if len(q_rows) == 0:
        return []
    q_ids, r_ids, nq, nr = part_pairs(queries, results, q_rows, r_rows)
    sim = vocabulary.similarities(q_ids, r_ids)
    # Per query part: its rows are contiguous (nr of them); the first best one wins, as in max().
    group_len = np.repeat(nr, nq)
    starts = np.cumsum(group_len) - group_len
    best = np.maximum.reduceat(sim, starts)
    position = run_ranks(group_len)
    first_best = np.where(sim == np.repeat(best, group_len), position, np.iinfo(np.int64).max)
    choice = np.minimum.reduceat(first_best, starts)
    chosen_rows = starts + choice
    parts = vocabulary.parts
    reasons: list[str] = []
    part_at = 0
    for k, (q_row, r_row) in enumerate(zip(q_rows.tolist(), r_rows.tolist(), strict=True)):
        matches: list[PartMatch] = []
        matched: set[int] = set()
        for _ in range(int(nq[k])):
            row = int(chosen_rows[part_at])
            q_part = parts[int(q_ids[row])]
            if best[part_at] > 0:
                r_part = parts[int(r_ids[row])]
                matched.add(int(choice[part_at]))
                how = EXACT if q_part.text == r_part.text else part_similarity(q_part, r_part)[1]
                matches.append(PartMatch(q_part.text, r_part.text, float(best[part_at]), how))
            else:
                matches.append(PartMatch(q_part.text, "", 0.0, NONE))
            part_at += 1
        r_parts = results.part_ids[results.offsets[r_row] : results.offsets[r_row + 1]].tolist()
        matches.extend(PartMatch("", parts[p].text, 0.0, NONE) for j, p in enumerate(r_parts) if j not in matched)
        alignment = "; ".join(map(str, matches))
        if joined[k] >= name_scores[k]:
            alignment += f"; written as one word {joined[k]:.2f}"
        q_name, r_name = queries.column.originals[q_row], results.column.originals[r_row]
        reasons.append(f"name {name_scores[k]:.2f}: {q_name!r} ~ {r_name!r} [{alignment}]")
    return reasons
