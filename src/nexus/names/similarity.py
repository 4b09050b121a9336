"""How alike two name parts are, and how alike two names are.

Part similarity (0..1) is the strongest of several kinds of evidence, each named so
that a hit can say how its parts matched:

- ``exact``: same ASCII form (after transliteration);
- ``acronym``: one word of an organisation's name is the initials of a run of the other's
  words, each of which it matches (PLA ~ People's Liberation Army, US ~ United States);
- ``number``: same number (1, 1st, first);
- ``symbol``: rigour's reference data says they are the same name (Владимир ~ Vladimir,
  Bill ~ William, GmbH ~ AG class);
- ``phonetic``: same consonant skeleton or metaphone key (Mohammed ~ محمد ~ Muhammad);
- ``fuzzy``: few edits for the length (Scholz ~ Scholze);
- ``initial``: a single letter that starts the other part.

Two given names written in Latin script that rigour's reference data knows as different
names (both carry Wikidata name ids, none shared) are "known apart": a long common
beginning beyond the edit budget is no evidence between them (Tigran ≁ Tiger, Mahir ≁
Mahathir). A shared sound still is: Wikidata keeps many spellings of one name apart
(Mohammed, Mohamad; Yusuf, Youssef). Family names are exempt: many are also given names
somewhere, and a typo in one is often another real surname.

A name score aligns every part of each name with its best counterpart on the other
side and averages the similarities, weighted by kind (a particle counts little, a number
a lot). Unmatched parts on either side count as zero, so extra or missing parts lower
the score. Contradicting numbers or patronymics scale it down.

Words split or run together ("Pricewaterhouse Coopers", "Ramimakhlouf") defeat a
part-by-part alignment, so the names are also compared written as one word: equal, or
at most one edit per ten letters, scores (1 - edits/length)², and the name score is the
higher of the two. The arithmetic is done by
`score_part_pairs` over flat arrays so that batch screening runs it vectorised over
millions of pairs and a single comparison uses the very same code.
"""

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from jellyfish import damerau_levenshtein_distance, jaro_winkler_similarity

from nexus.names.parts import AnalyzedName, Part, PartKind, Role

EXACT, ACRONYM, NUMBER, SYMBOL, PHONETIC, FUZZY, INITIAL, NONE = (
    "exact", "acronym", "number", "symbol", "phonetic", "fuzzy", "initial", "none"
)

#: An extra part (a middle name, a second family name) lowers the score, but less than a mismatch.
UNMATCHED_WEIGHT = 0.6
SYMBOL_SCORE = 0.9
ACRONYM_SCORE = 0.9
JARO_WINKLER_FLOOR = 0.85
JARO_WINKLER_DISCOUNT = 0.1
PHONETIC_SCORE = 0.88
#: Below ANCHOR_SIMILARITY: an initial alone cannot anchor a match (N.N. is not Nursultan Nazarbayev).
INITIAL_SCORE = 0.75
NUMBER_MISMATCH_FACTOR = 0.5
PATRONYMIC_MISMATCH_FACTOR = 0.7
#: A pair needs one proper name part (not a particle, legal form or initial) matched this well.
ANCHOR_SIMILARITY = 0.8
_ONSET_VOWELS = frozenset("aeiouy")
_ANCHOR_KINDS = frozenset({PartKind.NAME, PartKind.PATRONYMIC, PartKind.NUMERIC})


def max_edits(length: int) -> int:
    """Edits allowed between two parts whose longer one has `length` letters."""
    return 0 if length < 4 else 1 if length < 8 else 2 if length < 12 else 3


def _numbers(part: Part) -> frozenset[str]:
    return frozenset(s for s in part.symbols if s.startswith("[NUM:"))


def abbreviates(short: Part, long: Part) -> bool:
    """Whether a name word is an acronym of a run of words `long` is in (`Part.acronyms`)."""
    return short.kind is PartKind.NAME and short.text in long.acronyms


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
    if abbreviates(a, b) or abbreviates(b, a):
        return ACRONYM_SCORE, ACRONYM
    if not may_relate(a, b):
        return 0.0, NONE
    if a.kind is PartKind.NUMERIC or b.kind is PartKind.NUMERIC:
        same = a.kind is b.kind and bool(_numbers(a) & _numbers(b))
        return (1.0, NUMBER) if same else (0.0, NONE)
    if a.kind is PartKind.INITIAL or b.kind is PartKind.INITIAL:
        initial, other = (a, b) if a.kind is PartKind.INITIAL else (b, a)
        return (INITIAL_SCORE, INITIAL) if other.text[:1] == initial.text else (0.0, NONE)
    shared = bool(a.symbols & b.symbols)
    known_apart = not shared and is_given_name(a) and is_given_name(b)
    best = fuzzy_similarity(a.text, b.text, within_edits_only=known_apart)
    how = FUZZY if best > 0 else NONE
    if shared and SYMBOL_SCORE > best:
        best, how = SYMBOL_SCORE, SYMBOL
    same_sound = (len(a.skeleton) >= 2 and a.skeleton == b.skeleton and _may_sound_alike(a, b)) or (
        len(a.metaphone) >= 3 and a.metaphone == b.metaphone
    )
    if same_sound and PHONETIC_SCORE > best:
        best, how = PHONETIC_SCORE, PHONETIC
    return best, how


def _may_sound_alike(a: Part, b: Part) -> bool:
    """Whether an equal consonant skeleton counts: across scripts always (Muhammad ~ محمد); in Latin
    script if both begin with a vowel or with the same consonant (Usman ~ Ousmane, Jokhar ~ Dzhokhar,
    but Moorev ≁ Umarov)."""
    return not (a.latin and b.latin) or onset(a) == onset(b)


def onset(part: Part) -> str:
    """How a part begins: "V" for a vowel (y counts as one), else its skeleton's first consonant."""
    return "V" if part.text[:1] in _ONSET_VOWELS else part.skeleton[:1]


def is_given_name(part: Part) -> bool:
    """Whether the part can be known apart from another given name (see the module docstring)."""
    return part.given_name and part.role is not Role.FAMILY


def fuzzy_similarity(a: str, b: str, within_edits_only: bool = False) -> float:
    """Edit-distance similarity of two part texts: (1 - edits/length) to the power of edits.

    One edit is a typo and costs its share of the letters (Glencore ~ Glenmore 0.88);
    each further edit compounds, as two edits often make a different name (Petrushev ~
    Patrushov 0.60). Beyond the edit budget a shared beginning still counts, discounted
    (Merkel ~ Merkur).
    """
    longest = max(len(a), len(b))
    edits = damerau_levenshtein_distance(a, b)
    if edits <= max_edits(longest):
        return (1.0 - edits / longest) ** edits
    if min(len(a), len(b)) >= 4 and not within_edits_only:
        jw = jaro_winkler_similarity(a, b)
        if jw >= JARO_WINKLER_FLOOR:
            return (jw - JARO_WINKLER_DISCOUNT) ** 2
    return 0.0


def score_part_pairs(
    sim: np.ndarray,
    q_weight: np.ndarray,
    r_weight: np.ndarray,
    q_anchor: np.ndarray,
    r_anchor: np.ndarray,
    conflict: np.ndarray,
) -> np.ndarray:
    """Name scores for m name pairs of the same shape from the part similarities of their cross products.

    `sim` is (m, query parts, result parts); `q_weight`/`q_anchor` (m, query parts) hold
    each query part's weight and whether it can anchor a match, `r_weight`/`r_anchor`
    likewise; `conflict` is a factor (≤ 1) per pair for contradicting numbers or patronymics.
    Batch scoring groups its candidates by shape and calls this once per group.
    """
    q_best = _fold(np.maximum, sim)
    r_best = _fold(np.maximum, sim.transpose(0, 2, 1))
    q_side = _side_sums(q_best, q_weight, q_anchor)
    r_side = _side_sums(r_best, r_weight, r_anchor)
    matched = q_side[0] + r_side[0]
    total = q_side[1] + r_side[1]
    # Unmatched parts on both sides are a substitution (John Smith vs John Gruber) and count
    # fully; what one side has beyond that is an extra part (a middle name) and counts less.
    swapped = np.minimum(q_side[2], r_side[2])
    total += 2 * swapped + UNMATCHED_WEIGHT * (q_side[2] + r_side[2] - 2 * swapped)
    with np.errstate(invalid="ignore", divide="ignore"):
        score = np.where(total > 0, matched / total, 0.0)
    return np.where(q_side[3] | r_side[3], score * conflict, 0.0)


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


def _side_sums(best: np.ndarray, weight: np.ndarray, anchor: np.ndarray):
    """Per pair (rows of `best`, one column per part): matched weight·similarity, matched weight, unmatched weight, anchored."""
    hit = best > 0
    return (
        _fold(np.add, best * weight),
        _fold(np.add, np.where(hit, weight, 0.0)),
        _fold(np.add, np.where(hit, 0.0, weight)),
        _fold(np.logical_or, anchor & (best >= ANCHOR_SIMILARITY)),
    )


def _fold(ufunc: np.ufunc, values: np.ndarray) -> np.ndarray:
    """`ufunc.reduce` over the last axis, which is short (a name's parts): column by column is several times faster."""
    out = values[..., 0].copy()
    for column in range(1, values.shape[-1]):
        ufunc(out, values[..., column], out=out)
    return out


def pair_conflict(q_parts: tuple[Part, ...], r_parts: tuple[Part, ...]) -> float:
    """Factor (≤ 1) for contradictions between two names: different numbers, different patronymics."""
    factor = 1.0
    q_nums = frozenset().union(*(_numbers(p) | {p.text} for p in q_parts if p.kind is PartKind.NUMERIC))
    r_nums = frozenset().union(*(_numbers(p) | {p.text} for p in r_parts if p.kind is PartKind.NUMERIC))
    if q_nums and r_nums and not q_nums & r_nums:
        factor *= NUMBER_MISMATCH_FACTOR
    q_pat = [p for p in q_parts if p.kind is PartKind.PATRONYMIC]
    r_pat = [p for p in r_parts if p.kind is PartKind.PATRONYMIC]
    if q_pat and r_pat and _patronymics_differ(q_pat, r_pat):
        factor *= PATRONYMIC_MISMATCH_FACTOR
    return factor


def _patronymics_differ(q_pat: list[Part], r_pat: list[Part]) -> bool:
    """No patronymic of one name is one of the other's; as many on both sides: one in the same place differs.

    Arabic names chain them in order, "X bin Father bin Grandfather", so two names listing
    both generations must agree generation by generation.
    """
    if len(q_pat) == len(r_pat):
        return any(part_similarity(a, b)[0] < ANCHOR_SIMILARITY for a, b in zip(q_pat, r_pat, strict=True))
    return max(part_similarity(a, b)[0] for a in q_pat for b in r_pat) < ANCHOR_SIMILARITY


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


def compare_names(q: AnalyzedName, r: AnalyzedName) -> NameComparison:
    """Score two analysed names and say which parts matched how."""
    if not q.parts or not r.parts:
        return NameComparison(0.0, q.original, r.original, (), 1.0)
    sim = np.array([[[part_similarity(a, b)[0] for b in r.parts] for a in q.parts]], dtype=np.float64)
    conflict = pair_conflict(q.parts, r.parts)
    score = score_part_pairs(
        sim, np.array([[p.weight for p in q.parts]]), np.array([[p.weight for p in r.parts]]),
        np.array([[is_anchor(p) for p in q.parts]]), np.array([[is_anchor(p) for p in r.parts]]),
        np.array([conflict]),
    )[0]
    joined = joined_similarity(q.compact, r.compact)
    if joined * conflict > score:
        return NameComparison(joined * conflict, q.original, r.original, align_parts(q, r), conflict, joined)
    return NameComparison(float(score), q.original, r.original, align_parts(q, r), conflict)


def is_anchor(part: Part) -> bool:
    return part.kind in _ANCHOR_KINDS
