"""How alike two names are, from the similarities of their parts.

Part similarity (0..1, and how the parts matched) is `nexus.names.part_table.PartTable`'s;
`part_similarity` asks it about one pair. A name score aligns every part of each name
with its best counterpart on the other side and averages the similarities, weighted by
kind (a particle counts little, a number a lot, a family name more than a given name).
Unmatched parts on either side count as zero, so extra or missing parts lower the score.
Contradicting numbers or patronymics scale it down.

Words split or run together ("Pricewaterhouse Coopers", "Ramimakhlouf") defeat a
part-by-part alignment, so the names are also compared written as one word: equal, or
at most one edit per ten letters, scores (1 - edits/length)², and the name score is the
higher of the two; with a different number of parts, also by sound (`nexus.names.joined`:
Wali Jan ~ Walijan, حسن ظاهرعويس ~ Hassan Dahir Aweys). The arithmetic is done by `score_part_pairs` over flat arrays so that
batch screening runs it vectorised over millions of pairs and a single comparison uses
the very same code. Every constant is a field of `nexus.names.config.SCORING`.
"""

import threading
from dataclasses import dataclass

import numpy as np
from jellyfish import damerau_levenshtein_distance

from nexus.names.config import SCORING, ScoringConfig
from nexus.names.joined import joined_keys, joined_sounds
from nexus.names.part_rules import COMPOUND, EXACT, HOWS, NONE, numbers
from nexus.names.part_table import PartTable
from nexus.names.parts import AnalyzedName, Part, PartKind

__all__ = ["EXACT", "NONE", "NameComparison", "PartMatch", "compare_names", "part_similarity", "run_ranks", "score_part_pairs"]

# The table single comparisons intern their parts in (a process compares a bounded set of names).
_TABLE = PartTable()
_HOW_COMPOUND = HOWS.index(COMPOUND)
_LOCK = threading.RLock()


def part_similarity(a: Part, b: Part) -> tuple[float, str]:
    """(similarity, how) for two parts; (0.0, "none") when nothing links them."""
    score, how, _, _ = _cross((a,), (b,))
    return float(score[0, 0]), HOWS[int(how[0, 0])]


def _cross(q_parts: tuple[Part, ...], r_parts: tuple[Part, ...], table: PartTable = _TABLE):
    """(similarities, how codes) of every query part (rows) with every result part (columns), and the part ids."""
    with _LOCK:
        q_ids = np.asarray([table.add(p) for p in q_parts], dtype=np.int64)
        r_ids = np.asarray([table.add(p) for p in r_parts], dtype=np.int64)
        score, how = table.matches(np.repeat(q_ids, len(r_ids)), np.tile(r_ids, len(q_ids)))
    return score.reshape(len(q_ids), len(r_ids)), how.reshape(len(q_ids), len(r_ids)), q_ids, r_ids


def score_part_pairs(
    sim: np.ndarray,
    q_weight: np.ndarray,
    r_weight: np.ndarray,
    q_anchor: np.ndarray,
    r_anchor: np.ndarray,
    conflict: np.ndarray,
    config: ScoringConfig = SCORING,
    q_specific: np.ndarray | float | None = None,
    q_real: np.ndarray | None = None,
    r_real: np.ndarray | None = None,
) -> np.ndarray:
    """Name scores for m name pairs of the same shape from the part similarities of their cross products.

    `sim` is (m, query parts, result parts); `q_weight`/`q_anchor` (m, query parts) hold
    each query part's weight and whether it can anchor a match, `r_weight`/`r_anchor`
    likewise; `conflict` is a factor (≤ 1) per pair for contradicting numbers or patronymics; `q_specific` the
    weight a wholly matched query name needs to be specific (default `specific_weight`; screening asks more of a
    common name). Names of several lengths can share a block padded at the end: `q_real`/`r_real` (m, parts) say
    which parts are real (None: all are); padding weighs nothing and decides nothing.
    Batch scoring groups its candidates by shape and calls this once per group.
    """
    if q_real is not None:
        q_weight, q_anchor = np.where(q_real, q_weight, 0.0), q_anchor & q_real
    if r_real is not None:
        r_weight, r_anchor = np.where(r_real, r_weight, 0.0), r_anchor & r_real
    q_best = _fold(np.maximum, sim)
    r_best = _fold(np.maximum, sim.transpose(0, 2, 1))
    q_side = _side_sums(q_best, q_weight, q_anchor, config.anchor_similarity)
    r_side = _side_sums(r_best, r_weight, r_anchor, config.anchor_similarity)
    matched = q_side[0] + r_side[0]
    total = q_side[1] + r_side[1]
    # Unmatched parts on both sides are a substitution (John Smith vs John Gruber) and count
    # fully; what one side has beyond that is an extra part (a middle name) and counts less.
    swapped = np.minimum(q_side[2], r_side[2])
    total += 2 * swapped + config.unmatched_weight * (q_side[2] + r_side[2] - 2 * swapped)
    # A middle name left out (every part of one name matched, the other's first and last
    # too, only parts between them unmatched) is the commonest variation of a full name and
    # counts less than an extra part elsewhere (a short common name inside a longer one).
    # A name wholly matched that is specific enough (three names' weight) is not undone by the other's extra
    # parts wherever they stand: they count as left out too (Sher Abbas Stanekzai ~ Sher Mohammad Abbas Stanekzai
    # Padshah Khan), while a two-part common name inside a longer one is helped only with the ends matched.
    sure = config.middle_sure_similarity
    q_sure, r_sure = _all_sure(q_best, sure, q_real), _all_sure(r_best, sure, r_real)
    total -= (config.unmatched_weight - config.middle_weight) * (
        np.where(q_sure & (q_side[1] >= (config.specific_weight if q_specific is None else q_specific)), r_side[2],
                 np.where(q_sure, _middle_unmatched(r_best, r_weight, sure, r_real), 0.0))
        + np.where(r_sure & (r_side[1] >= config.specific_weight), q_side[2],
                   np.where(r_sure, _middle_unmatched(q_best, q_weight, sure, q_real), 0.0))
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        score = np.where(total > 0, matched / total, 0.0)
    return np.where(q_side[3] | r_side[3], score * conflict, 0.0)


def compounds_in_context(sim: np.ndarray, q_ids: np.ndarray, r_ids: np.ndarray, table: PartTable,
                         q_real: np.ndarray | None = None, r_real: np.ndarray | None = None) -> np.ndarray:
    """Part similarities (m, query parts, result parts) judged by the rest of the two names: a part matched exactly
    matches nothing else (`_taken_exactly`), and each compound matched by its tail is restored where the other
    name shares its head (`_shared_heads`), withdrawn where another given name stands beside the tail in the
    other name (`_substituted_heads`); a word's copies pair with the other name's in order (`_copies_paired`).
    `q_real`/`r_real` as in `score_part_pairs` (padding similar to nothing)."""
    words = table.column("word_id")
    sim = _taken_exactly(_copies_paired(sim, words[q_ids], words[r_ids], q_real, r_real))
    tail = table.column("tail")
    q_compound, r_compound = tail[q_ids] != q_ids, tail[r_ids] != r_ids
    if q_real is not None:
        q_compound &= q_real
    if r_real is not None:
        r_compound &= r_real
    q_any, r_any = q_compound.any(axis=1), r_compound.any(axis=1)
    # Nothing changes unless a name holds a compound: most pairs hold none, and are left as they are.
    rows = np.flatnonzero(q_any | r_any)
    if not len(rows):
        return sim
    given = table.column("given")
    q_given, r_given = given[q_ids[rows]], given[r_ids[rows]]
    if q_real is not None:
        q_given &= q_real[rows]
    if r_real is not None:
        r_given &= r_real[rows]
    free = (_fold(np.logical_or, (sim[rows].max(axis=2) == 0) & q_given)
            | _fold(np.logical_or, (sim[rows].max(axis=1) == 0) & r_given))
    head = table.column("head")

    def same_heads(chosen: np.ndarray) -> np.ndarray:
        return head[q_ids[chosen]][:, :, None] == head[r_ids[chosen]][:, None, :]

    chosen = rows[free]
    if len(chosen):
        sim[chosen] = _substituted_heads(sim[chosen], q_ids[chosen], r_ids[chosen], q_compound[chosen], r_compound[chosen],
                                         same_heads(chosen), q_given[free], r_given[free], table)
    chosen = rows[q_any[rows] & r_any[rows]]
    if len(chosen):
        sim[chosen] = _shared_heads(sim[chosen], q_compound[chosen], r_compound[chosen], same_heads(chosen), table)
    return sim


def _copies_paired(sim: np.ndarray, q_words: np.ndarray, r_words: np.ndarray, q_real: np.ndarray | None,
                   r_real: np.ndarray | None) -> np.ndarray:
    """Part similarities (a copy where any changes) in which the n-th copy of a word (`q_words`/`r_words`: each
    part's word, whatever its role) in one name is the n-th copy's in the other, not every copy's: Leo Leo is one
    Leo matched and one left over against Leo, not Leo twice."""
    q_copy, r_copy = _copy_numbers(q_words, q_real), _copy_numbers(r_words, r_real)
    rows = np.flatnonzero((q_copy > 0).any(axis=1) | (r_copy > 0).any(axis=1))
    if not len(rows):
        return sim
    other_copy = ((q_words[rows][:, :, None] == r_words[rows][:, None, :])
                  & (q_copy[rows][:, :, None] != r_copy[rows][:, None, :]))
    out = sim.copy()
    out[rows] = np.where(other_copy, 0.0, sim[rows])
    return out


def _copy_numbers(words: np.ndarray, real: np.ndarray | None) -> np.ndarray:
    """(m, parts): how many copies of each part's word stand before it in its name (-1 for padding)."""
    earlier = (words[:, :, None] == words[:, None, :]) & np.tri(words.shape[1], k=-1, dtype=bool)[None]
    if real is not None:
        earlier &= real[:, None, :]
        return np.where(real, earlier.sum(axis=2), -1)
    return earlier.sum(axis=2)


def _taken_exactly(sim: np.ndarray) -> np.ndarray:
    """Part similarities (a copy) without the inexact ones of parts matched exactly by another: a part another
    matched exactly is that part's, not also a look-alike's (Kim Sok Jin ≁ Kim Sok Chol, though 金 is Jin and Kim)."""
    exact = sim >= 1.0
    flat = exact.reshape(len(sim), -1)
    # Only names with a part matched exactly and another matched inexactly can change.
    rows = np.flatnonzero(_fold(np.logical_or, flat) & _fold(np.logical_or, (sim > 0).reshape(len(sim), -1) & ~flat))
    if not len(rows):
        return sim
    exact = exact[rows]
    # A word written twice on one side and once on the other leaves one of its copies free (Matuq Mautq ~ Matuq
    # Mohammed Matuq): a part is taken only if its copies on its side are no more than their exact partners.
    partners_q, partners_r = exact.sum(axis=2, dtype=np.int16), exact.sum(axis=1, dtype=np.int16)
    copies_q = np.where(exact, partners_r[:, None, :], 0).max(axis=2)
    copies_r = np.where(exact, partners_q[:, :, None], 0).max(axis=1)
    taken_q = (partners_q > 0) & (partners_q >= copies_q)
    taken_r = (partners_r > 0) & (partners_r >= copies_r)
    out = sim.copy()
    out[rows] = np.where((taken_q[:, :, None] | taken_r[:, None, :]) & ~exact, 0.0, sim[rows])
    return out


def _substituted_heads(sim, q_ids, r_ids, q_compound, r_compound, same, q_given, r_given, table) -> np.ndarray:
    """A compound matched by its tail alone, where the other name has no compound of its head left (none, or
    each matched exactly by another part) and a given name nothing matched stands beside that tail: the head
    stood where that name stands, and contradicts it (Abdul Mohammed ≁ Shah Mohammed; Abu Zayd Umar ~ Abu Umar
    keeps its match, the heads being shared)."""
    q_free, r_free = _beside_unmatched(sim.max(axis=2), q_given), _beside_unmatched(sim.max(axis=1), r_given)
    # A compound of the same head that another part matched exactly is that part's, not this head's.
    q_open, r_open = q_compound & (sim.max(axis=2) < 1.0), r_compound & (sim.max(axis=1) < 1.0)
    q_alone = q_compound & ~(same & r_open[:, None, :]).any(axis=2)
    r_alone = r_compound & ~(same & q_open[:, :, None]).any(axis=1)
    cells = (sim > 0) & (
        (q_alone[:, :, None] & ~r_compound[:, None, :] & r_free[:, None, :])
        | (r_alone[:, None, :] & ~q_compound[:, :, None] & q_free[:, :, None])
    )
    pair, i, j = np.nonzero(cells)
    if not len(pair):
        return sim
    by_tail = table.memoised_matches(q_ids[pair, i], r_ids[pair, j])[1] == _HOW_COMPOUND
    sim[pair[by_tail], i[by_tail], j[by_tail]] = 0.0  # `sim` is the caller's copy
    return sim


def _beside_unmatched(best: np.ndarray, given: np.ndarray) -> np.ndarray:
    """Per pair and part (from each part's best similarity): a neighbouring part of the same name is a given name
    that matched nothing (a word that is no known name may be the head misspelt: Abodul Kabir)."""
    unmatched = (best == 0) & given
    out = np.zeros_like(unmatched)
    out[:, 1:] |= unmatched[:, :-1]
    out[:, :-1] |= unmatched[:, 1:]
    return out


def _shared_heads(sim, q_compound, r_compound, same, table) -> np.ndarray:
    """A compound matched by its tail counts undiscounted where the other name has a compound of the same head as
    well: the head was written apart and stands for that compound (Abdul Khadem ~ Abdul Rauf Khadem), so the tail
    is that name's own part, not a compound's stand-in."""
    q_other = (same & r_compound[:, None, :]).any(axis=2)  # the result has a compound of the query part's head
    r_other = (same & q_compound[:, :, None]).any(axis=1)
    restore = (sim > 0) & (
        (q_compound & q_other)[:, :, None] & ~r_compound[:, None, :] | (r_compound & r_other)[:, None, :] & ~q_compound[:, :, None]
    )
    if not restore.any():
        return sim
    sim = np.where(restore, np.minimum(1.0, sim / table.config.compound_tail_factor), sim)
    # The other name's compound is matched by its head alone, partly.
    q_split = (q_compound & q_other & restore.any(axis=2))[:, :, None] & same & r_compound[:, None, :]
    r_split = (r_compound & r_other & restore.any(axis=1))[:, None, :] & same & q_compound[:, :, None]
    return np.where(q_split | r_split, np.maximum(sim, table.config.compound_head_score), sim)


def joined_edits(length: int) -> int:
    """Edits allowed between two names written as one word, the longer of `length` letters."""
    return length // 10


def joined_similarity(a: str, b: str) -> float:
    """Similarity of two names written as one word (`AnalyzedName.compact`); 0 beyond `joined_edits`."""
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    longest = max(len(a), len(b))
    budget = joined_edits(longest)
    if abs(len(a) - len(b)) > budget:
        return 0.0
    edits = damerau_levenshtein_distance(a, b)
    return (1.0 - edits / longest) ** 2 if edits <= budget else 0.0


def run_ranks(lengths: np.ndarray) -> np.ndarray:
    """0, 1, …, n-1 for each run length n, concatenated."""
    return np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)


def _all_sure(best: np.ndarray, sure: float, real: np.ndarray | None) -> np.ndarray:
    """Per pair: every (real) part of the name matched at least `sure`."""
    return _fold(np.logical_and, best >= sure if real is None else (best >= sure) | ~real)


def _middle_unmatched(best: np.ndarray, weight: np.ndarray, sure: float, real: np.ndarray | None) -> np.ndarray:
    """Per pair: the weight of a name's unmatched parts between its first and last, when both of those matched at least `sure`."""
    if best.shape[-1] < 3:
        return np.zeros(best.shape[:-1])
    if real is None:
        inner = _fold(np.add, np.where(best[..., 1:-1] > 0, 0.0, weight[..., 1:-1]))
        return np.where((best[..., 0] >= sure) & (best[..., -1] >= sure), inner, 0.0)
    last = real.sum(axis=1) - 1
    between = np.arange(1, best.shape[-1]) < last[:, None]  # padding lies beyond the last real part
    inner = _fold(np.add, np.where((best[:, 1:] > 0) | ~between, 0.0, weight[:, 1:]))
    return np.where((best[:, 0] >= sure) & (best[np.arange(len(best)), last] >= sure), inner, 0.0)


def _side_sums(best: np.ndarray, weight: np.ndarray, anchor: np.ndarray, anchor_similarity: float):
    """Per pair (rows of `best`, one column per part): matched weight·similarity, matched weight, unmatched weight, anchored."""
    hit = best > 0
    return (
        _fold(np.add, best * weight),
        _fold(np.add, np.where(hit, weight, 0.0)),
        _fold(np.add, np.where(hit, 0.0, weight)),
        _fold(np.logical_or, anchor & (best >= anchor_similarity)),
    )


def _fold(ufunc: np.ufunc, values: np.ndarray) -> np.ndarray:
    """`ufunc.reduce` over the last axis, which is short (a name's parts): column by column is several times faster."""
    out = values[..., 0].copy()
    for column in range(1, values.shape[-1]):
        ufunc(out, values[..., column], out=out)
    return out


def pair_conflict(q_parts: tuple[Part, ...], r_parts: tuple[Part, ...], sim: np.ndarray, config: ScoringConfig = SCORING) -> float:
    """Factor (≤ 1) for contradictions between two names: different numbers, different patronymics.

    `sim` holds the similarities of their parts (query parts × result parts).
    """
    factor = 1.0
    q_nums = frozenset().union(*(numbers(p) | {p.text} for p in q_parts if p.kind is PartKind.NUMERIC))
    r_nums = frozenset().union(*(numbers(p) | {p.text} for p in r_parts if p.kind is PartKind.NUMERIC))
    if q_nums and r_nums and not q_nums & r_nums:
        factor *= config.number_mismatch_factor
    q_pat = [i for i, p in enumerate(q_parts) if p.kind is PartKind.PATRONYMIC]
    r_pat = [j for j, p in enumerate(r_parts) if p.kind is PartKind.PATRONYMIC]
    if q_pat and r_pat and _patronymics_differ(sim >= config.anchor_similarity, q_pat, r_pat):
        factor *= config.patronymic_mismatch_factor
    return factor


def _patronymics_differ(alike: np.ndarray, q_pat: list[int], r_pat: list[int]) -> bool:
    """Whether the fathers' names contradict, from which parts are alike (query parts × result parts).

    Arabic names chain them in order, "X bin Father bin Grandfather": with as many on both
    sides they must agree generation by generation, else one of each must agree. A
    patronymic that is the other name's family name or a later generation there is no
    contradiction (a middle name dropped: Imed ben Zarkaoui ~ Imed ben Mekki Zarkaoui);
    one that is the other's first name is (Salman bin Muhammad ≁ Muhammad bin Salman).
    """
    q_elsewhere = alike[:, 1:].any(axis=1)
    r_elsewhere = alike[1:, :].any(axis=0)
    if len(q_pat) == len(r_pat):
        pairs = list(zip(q_pat, r_pat, strict=True))
    elif alike[np.ix_(q_pat, r_pat)].any():
        return False
    else:
        pairs = [(i, j) for i in q_pat for j in r_pat]
    return any(not alike[i, j] and not q_elsewhere[i] and not r_elsewhere[j] for i, j in pairs)


@dataclass(frozen=True)
class PartMatch:
    query: str
    result: str
    similarity: float
    how: str

    def __str__(self) -> str:
        if not self.result:
            return f"{self.query!r} unmatched in query"
        if not self.query:
            return f"{self.result!r} unmatched in result"
        if self.how == EXACT:
            return f"{self.query!r} exact"
        return f"{self.query!r}~{self.result!r} {self.how} {self.similarity:.2f}"


@dataclass(frozen=True)
class NameComparison:
    score: float
    query: str
    result: str
    matches: tuple[PartMatch, ...]
    conflict: float
    joined: float = 0.0  # similarity written as one word, when it decided the score

    def explain(self) -> str:
        text = "; ".join(str(m) for m in self.matches)
        if self.joined:
            text += f"; written as one word {self.joined:.2f}"
        if self.conflict < 1.0:
            text += f"; contradicting numbers or patronymics x{self.conflict:.2f}"
        return text


def _alignment(q_parts, r_parts, sim: np.ndarray, how: np.ndarray) -> tuple[PartMatch, ...]:
    best = sim.argmax(axis=1)
    matches = [
        PartMatch(part.text, r_parts[j].text, float(sim[i, j]), HOWS[int(how[i, j])]) if sim[i, j] > 0 else PartMatch(part.text, "", 0.0, NONE)
        for i, (part, j) in enumerate(zip(q_parts, best.tolist(), strict=True))
    ]
    matched = {int(j) for i, j in enumerate(best.tolist()) if sim[i, j] > 0}
    matches.extend(PartMatch("", p.text, 0.0, NONE) for j, p in enumerate(r_parts) if j not in matched)
    return tuple(matches)


def compare_names(q: AnalyzedName, r: AnalyzedName) -> NameComparison:
    """Score two analysed names and say which parts matched how."""
    if not q.parts or not r.parts:
        return NameComparison(0.0, q.original, r.original, (), 1.0)
    sim, how, q_ids, r_ids = _cross(q.parts, r.parts)
    sim = compounds_in_context(sim[None], q_ids[None], r_ids[None], _TABLE)[0]
    weight, anchor = _TABLE.column("weight"), _TABLE.column("anchor")
    conflict = pair_conflict(q.parts, r.parts, sim, _TABLE.config)
    score = score_part_pairs(
        sim[None], weight[q_ids][None], weight[r_ids][None], anchor[q_ids][None], anchor[r_ids][None],
        np.array([conflict]), _TABLE.config,
    )[0]
    alignment = _alignment(q.parts, r.parts, sim, how)
    offsets = np.array([0, len(q_ids), len(q_ids) + len(r_ids)])
    with _LOCK:
        keys = joined_keys(_TABLE, offsets, np.concatenate([q_ids, r_ids]), np.array([0, 1]))
    sound = joined_sounds(*(tuple(k[i : i + 1] for k in keys) for i in (0, 1)), np.array([len(q_ids)]), np.array([len(r_ids)]), _TABLE.config)
    joined = max(joined_similarity(q.compact, r.compact), float(sound[0]))
    if joined * conflict > score:
        return NameComparison(joined * conflict, q.original, r.original, alignment, conflict, joined)
    return NameComparison(float(score), q.original, r.original, alignment, conflict)
