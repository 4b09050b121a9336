"""How alike two name parts are, and how alike two names are.

Part similarity (0..1) is the strongest of several kinds of evidence, each named so
that a hit can say how its parts matched:

- ``exact``: same ASCII form (after transliteration);
- ``number``: same number (1, 1st, first);
- ``symbol``: rigour's reference data says they are the same name (Владимир ~ Vladimir,
  Bill ~ William, GmbH ~ AG class);
- ``phonetic``: same consonant skeleton or metaphone key (Mohammed ~ محمد ~ Muhammad);
- ``fuzzy``: few edits for the length (Scholz ~ Scholze);
- ``initial``: a single letter that starts the other part.

A name score aligns every part of each name with its best counterpart on the other
side and averages the similarities, weighted by kind (a particle counts little, a number
a lot). Unmatched parts on either side count as zero, so extra or missing parts lower
the score. Contradicting numbers or patronymics scale it down. The arithmetic is done by
`score_part_pairs` over flat arrays so that batch screening runs it vectorised over
millions of pairs and a single comparison uses the very same code.
"""

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from jellyfish import damerau_levenshtein_distance, jaro_winkler_similarity

from nexus.names.parts import AnalyzedName, Part, PartKind

EXACT, NUMBER, SYMBOL, PHONETIC, FUZZY, INITIAL, NONE = "exact", "number", "symbol", "phonetic", "fuzzy", "initial", "none"
#: Evidence kinds in the order of the codes `part_similarity_code` returns.
HOW = (NONE, EXACT, NUMBER, SYMBOL, PHONETIC, FUZZY, INITIAL)
_HOW_CODE = {how: code for code, how in enumerate(HOW)}

#: An extra part (a middle name, a second family name) lowers the score, but less than a mismatch.
UNMATCHED_WEIGHT = 0.6
SYMBOL_SCORE = 0.9
JARO_WINKLER_FLOOR = 0.85
JARO_WINKLER_DISCOUNT = 0.1
PHONETIC_SCORE = 0.88
INITIAL_SCORE = 0.9
NUMBER_MISMATCH_FACTOR = 0.5
PATRONYMIC_MISMATCH_FACTOR = 0.7
#: A pair needs one proper name part (not a particle, legal form or initial) matched this well.
ANCHOR_SIMILARITY = 0.8
_ANCHOR_KINDS = frozenset({PartKind.NAME, PartKind.PATRONYMIC, PartKind.NUMERIC})


def _max_edits(length: int) -> int:
    return 0 if length < 4 else 1 if length < 8 else 2 if length < 12 else 3


def _numbers(part: Part) -> frozenset[str]:
    return frozenset(s for s in part.symbols if s.startswith("[NUM:"))


def may_relate(a: Part, b: Part) -> bool:
    """Cheap necessary condition for a non-zero similarity (batch scoring checks it vectorised first).

    Related parts start alike (same first letter, first consonant or first metaphone
    sound), are both numbers, or both carry reference-data symbols.
    """
    return (
        a.text[:1] == b.text[:1]
        or (a.skeleton[:1] == b.skeleton[:1] and bool(a.skeleton))
        or (a.metaphone[:1] == b.metaphone[:1] and bool(a.metaphone))
        or (a.kind is PartKind.NUMERIC and b.kind is PartKind.NUMERIC)
        or (bool(a.symbols) and bool(b.symbols))
    )


@lru_cache(maxsize=1_000_000)
def part_similarity(a: Part, b: Part) -> tuple[float, str]:
    """(similarity, how) for two parts; (0.0, "none") when nothing links them."""
    if a.text == b.text:
        return 1.0, EXACT
    if not may_relate(a, b):
        return 0.0, NONE
    if a.kind is PartKind.NUMERIC or b.kind is PartKind.NUMERIC:
        same = a.kind is b.kind and bool(_numbers(a) & _numbers(b))
        return (1.0, NUMBER) if same else (0.0, NONE)
    if a.kind is PartKind.INITIAL or b.kind is PartKind.INITIAL:
        initial, other = (a, b) if a.kind is PartKind.INITIAL else (b, a)
        return (INITIAL_SCORE, INITIAL) if other.text[:1] == initial.text else (0.0, NONE)
    best, how = 0.0, NONE
    longest = max(len(a.text), len(b.text))
    edits = damerau_levenshtein_distance(a.text, b.text)
    # Fuzzy similarity is squared: one edit in five letters is often a different name.
    if edits <= _max_edits(longest):
        best, how = (1.0 - edits / longest) ** 2, FUZZY
    elif min(len(a.text), len(b.text)) >= 4:
        # Beyond the edit budget a shared beginning still counts, discounted (Merkel ~ Merkur).
        jw = jaro_winkler_similarity(a.text, b.text)
        if jw >= JARO_WINKLER_FLOOR:
            best, how = (jw - JARO_WINKLER_DISCOUNT) ** 2, FUZZY
    if a.symbols & b.symbols and SYMBOL_SCORE > best:
        best, how = SYMBOL_SCORE, SYMBOL
    same_sound = (len(a.skeleton) >= 2 and a.skeleton == b.skeleton) or (
        len(a.metaphone) >= 3 and a.metaphone == b.metaphone
    )
    if same_sound and PHONETIC_SCORE > best:
        best, how = PHONETIC_SCORE, PHONETIC
    return best, how


def part_similarity_code(a: Part, b: Part) -> tuple[float, int]:
    score, how = part_similarity(a, b)
    return score, _HOW_CODE[how]


def score_part_pairs(
    pair: np.ndarray,
    q_pos: np.ndarray,
    r_pos: np.ndarray,
    sim: np.ndarray,
    q_weight: np.ndarray,
    r_weight: np.ndarray,
    q_anchor: np.ndarray,
    r_anchor: np.ndarray,
    conflict: np.ndarray,
    n_pairs: int,
) -> np.ndarray:
    """Name scores for `n_pairs` name pairs from the flat cross product of their parts.

    One row per (name pair, query part, result part): `pair` is the name-pair index,
    `q_pos`/`r_pos` the part positions, `sim` the part similarity, `*_weight` the parts'
    weights, `*_anchor` whether a part can anchor a match, `conflict` a factor (≤ 1) for
    contradicting numbers or patronymics. Every part of every name must appear in some row.
    """
    q_best = _group_max(pair, q_pos, sim, q_weight, q_anchor)
    r_best = _group_max(pair, r_pos, sim, r_weight, r_anchor)
    matched = np.zeros(n_pairs)
    total = np.zeros(n_pairs)
    unmatched = [np.zeros(n_pairs), np.zeros(n_pairs)]
    anchored = np.zeros(n_pairs, dtype=bool)
    factor = np.ones(n_pairs)
    for side, (groups, best, weight, anchor) in enumerate((q_best, r_best)):
        hit = best > 0
        np.add.at(matched, groups, best * weight)
        np.add.at(total, groups, np.where(hit, weight, 0.0))
        np.add.at(unmatched[side], groups, np.where(hit, 0.0, weight))
        np.logical_or.at(anchored, groups, anchor & (best >= ANCHOR_SIMILARITY))
    # Unmatched parts on both sides are a substitution (John Smith vs John Gruber) and count
    # fully; what one side has beyond that is an extra part (a middle name) and counts less.
    swapped = np.minimum(*unmatched)
    total += 2 * swapped + UNMATCHED_WEIGHT * (unmatched[0] + unmatched[1] - 2 * swapped)
    np.minimum.at(factor, pair, conflict)
    with np.errstate(invalid="ignore", divide="ignore"):
        score = np.where(total > 0, matched / total, 0.0)
    return np.where(anchored, score * factor, 0.0)


def _group_max(pair, pos, sim, weight, anchor):
    """Per (pair, part): the best similarity, with the part's weight and anchor flag."""
    key = pair.astype(np.int64) * 256 + pos
    order = np.lexsort((-sim, key))
    first = np.ones(len(order), dtype=bool)
    first[1:] = key[order][1:] != key[order][:-1]
    rows = order[first]
    return pair[rows], sim[rows], weight[rows], anchor[rows]


def pair_conflict(q_parts: tuple[Part, ...], r_parts: tuple[Part, ...]) -> float:
    """Factor (≤ 1) for contradictions between two names: different numbers, different patronymics."""
    factor = 1.0
    q_nums = frozenset().union(*(_numbers(p) | {p.text} for p in q_parts if p.kind is PartKind.NUMERIC))
    r_nums = frozenset().union(*(_numbers(p) | {p.text} for p in r_parts if p.kind is PartKind.NUMERIC))
    if q_nums and r_nums and not q_nums & r_nums:
        factor *= NUMBER_MISMATCH_FACTOR
    q_pat = [p for p in q_parts if p.kind is PartKind.PATRONYMIC]
    r_pat = [p for p in r_parts if p.kind is PartKind.PATRONYMIC]
    if q_pat and r_pat and max(part_similarity(a, b)[0] for a in q_pat for b in r_pat) < ANCHOR_SIMILARITY:
        factor *= PATRONYMIC_MISMATCH_FACTOR
    return factor


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

    def explain(self) -> str:
        text = "; ".join(str(m) for m in self.matches)
        if self.conflict < 1.0:
            text += f"; contradicting numbers or patronymics x{self.conflict:.2f}"
        return text


def align_parts(q: AnalyzedName, r: AnalyzedName) -> tuple[PartMatch, ...]:
    """Each query part with its best result part, then the result parts nothing matched."""
    matches: list[PartMatch] = []
    matched_r: set[int] = set()
    for part in q.parts:
        scored = [part_similarity(part, other) for other in r.parts]
        row = max(range(len(r.parts)), key=lambda j: scored[j][0]) if r.parts else -1
        if row >= 0 and scored[row][0] > 0:
            matched_r.add(row)
            matches.append(PartMatch(part.text, r.parts[row].text, scored[row][0], scored[row][1]))
        else:
            matches.append(PartMatch(part.text, "", 0.0, NONE))
    matches.extend(PartMatch("", p.text, 0.0, NONE) for j, p in enumerate(r.parts) if j not in matched_r)
    return tuple(matches)


def _flat_pairs(q: AnalyzedName, r: AnalyzedName):
    nq, nr = len(q.parts), len(r.parts)
    q_pos = np.repeat(np.arange(nq), nr)
    r_pos = np.tile(np.arange(nr), nq)
    sims = [part_similarity(q.parts[i], r.parts[j]) for i, j in zip(q_pos, r_pos, strict=True)]
    return q_pos, r_pos, sims


def compare_names(q: AnalyzedName, r: AnalyzedName) -> NameComparison:
    """Score two analysed names and say which parts matched how."""
    if not q.parts or not r.parts:
        return NameComparison(0.0, q.original, r.original, (), 1.0)
    q_pos, r_pos, sims = _flat_pairs(q, r)
    sim = np.array([s for s, _ in sims], dtype=np.float64)
    conflict = pair_conflict(q.parts, r.parts)
    score = score_part_pairs(
        np.zeros(len(sim), dtype=np.int64), q_pos, r_pos, sim,
        np.array([q.parts[i].weight for i in q_pos]), np.array([r.parts[j].weight for j in r_pos]),
        np.array([q.parts[i].kind in _ANCHOR_KINDS for i in q_pos]),
        np.array([r.parts[j].kind in _ANCHOR_KINDS for j in r_pos]),
        np.full(len(sim), conflict), 1,
    )[0]
    return NameComparison(float(score), q.original, r.original, align_parts(q, r), conflict)


def is_anchor(part: Part) -> bool:
    return part.kind in _ANCHOR_KINDS
