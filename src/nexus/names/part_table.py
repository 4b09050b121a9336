"""Part similarity: many part pairs at once, by part id. The one implementation of the part rules.

A `PartTable` interns parts (`add`) and keeps what the rules look at as per-part arrays:
kind, length, first letters, text, skeleton and metaphone ids, symbol ids, letter counts,
the coarse cross-script skeleton and its one-deletion neighbours, the compound's tail.
`matches(a, b)` scores id pairs with numpy and says how each matched (`part_rules.HOWS`):

- ``exact``: same ASCII form (after transliteration);
- ``acronym``: one word of an organisation's name is the initials of a run of the other's
  words (PLA ~ People's Liberation Army, US ~ United States);
- ``number``: same number (1, 1st, first);
- ``symbol``: rigour's reference data says they are the same name (Владимир ~ Vladimir,
  Bill ~ William, GmbH ~ AG class);
- ``phonetic``: same consonant skeleton (Latin parts: beginning alike, `part_rules.onset`)
  or metaphone key (across scripts: both beginning with a vowel or both not); across
  scripts, where short vowels are not written and this is the best evidence there is,
  it scores higher; against Arabic script it counts also for the same coarse skeleton
  (ض ظ ذ ث: d, z, dh, th all one class; ج: j or g), or, lower, for one consonant apart in
  it (رجب Ragab, هاشم Hishan);
- ``fuzzy``: few edits for the length (Scholz ~ Scholze), or a long common beginning;
- ``initial``: a single letter that starts the other part;
- ``compound``: an Abd-/Abu- compound against its tail (Abu Omar ~ Umar), discounted.

Two Latin given names rigour knows apart (no shared symbol) get no credit for a long
common beginning beyond the edit budget (Tigran ≁ Tiger). Only pairs that could pass the
edit-distance or Jaro-Winkler rule go through the string functions, one Python call per
pair: parts within `max_edits` differ in at most 2·edits letter counts, and a
Jaro-Winkler of at least the floor needs common letters c with c/|a| + c/|b| ≥ 1.25.
"""

import threading
from dataclasses import replace

import numpy as np
from jellyfish import damerau_levenshtein_distance

from nexus.names.config import SCORING, ScoringConfig
from nexus.names.part_rules import (
    ACRONYM,
    ARTICLE,
    COMPOUND,
    EXACT,
    FUZZY,
    HOWS,
    INITIAL,
    NONE,
    NUMBER,
    PHONETIC,
    SYMBOL,
    compound,
    fuzzy_similarity,
    is_anchor,
    is_given_name,
    max_edits,
    numbers,
    onset,
    without_article,
)
from nexus.names.parts import ACRONYM_RUN, NameType, Part, PartKind, Role, make_part
from nexus.names.joined import joined_columns
from nexus.names.phonetic import coarse_skeleton, q_as_g_skeleton, syllable_shape

_KIND_CODES = {kind: code for code, kind in enumerate(PartKind)}
_INITIAL = _KIND_CODES[PartKind.INITIAL]
_NUMERIC = _KIND_CODES[PartKind.NUMERIC]
_HOW = {how: code for code, how in enumerate(HOWS)}
_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
_LETTER = {char: i for i, char in enumerate(_ALPHABET)}
#: Symbols kept per part in the symbol matrix; parts with more compare their symbol sets directly.
MAX_SYMBOLS = 16
MAX_NUMBERS = 4
#: Coarse skeletons this long or longer may be one consonant apart across scripts; neighbours kept per part.
MIN_NEIGHBOUR_SKELETON = 3
MAX_NEIGHBOURS = 12
_MAX_EDITS = np.array([max_edits(n) for n in range(256)], dtype=np.int16)
#: The most acronyms `parts._with_acronyms` gives one word: its runs of 2..ACRONYM_RUN words, the whole name with and without particles.
MAX_ACRONYMS = sum(range(2, ACRONYM_RUN + 1)) + 2
_NO_WORD, _NO_ACRONYM = -1, -2  # never equal to each other or to a key


def letter_counts(texts: list[str]) -> np.ndarray:
    """How often each of a-z, 0-9 occurs in each ASCII text, as an (n, 36) int16 array (counts past its range
    saturate; analysis keeps names far shorter, `parts.MAX_NAME_CHARS`)."""
    out = np.zeros((len(texts), len(_ALPHABET)), dtype=np.int64)
    for row, text in enumerate(texts):
        for char in text:
            if char in _LETTER:
                out[row, _LETTER[char]] += 1
    return np.minimum(out, np.iinfo(np.int16).max).astype(np.int16)


def may_be_within(len_a: np.ndarray, len_b: np.ndarray, bag_a: np.ndarray, bag_b: np.ndarray, edits: np.ndarray) -> np.ndarray:
    """Necessary condition for an edit distance ≤ `edits`: lengths and letter counts differ little enough."""
    common = np.minimum(bag_a, bag_b).sum(axis=1)
    return (np.abs(len_a - len_b) <= edits) & ((len_a - common) + (len_b - common) <= 2 * edits)


def deletions(key: str) -> list[str]:
    """Every form of the key with one letter left out.

    Two keys are one substitution apart if the same position left out of both gives the
    same form, one insertion apart if one key is a form of the other.
    """
    return [key[:i] + key[i + 1:] for i in range(len(key))]


_COLUMNS = {  # name → (dtype, width)
    "kind": (np.int8, 1), "length": (np.int16, 1), "text": (np.int32, 1), "word_id": (np.int32, 1),
    "skeleton0": (np.int32, 1), "metaphone0": (np.int32, 1), "coarse0": (np.int32, 1),
    "skeleton": (np.int32, 1), "skeleton_length": (np.int16, 1), "metaphone": (np.int32, 1), "coarse": (np.int32, 1), "shape": (np.int32, 1), "crowded": (bool, 1),
    "symbols": (np.int32, MAX_SYMBOLS), "numbers": (np.int32, MAX_NUMBERS), "bag": (np.int16, len(_ALPHABET)),
    "weight": (np.float64, 1), "anchor": (bool, 1), "given": (bool, 1), "latin": (bool, 1), "onset": (np.int32, 1),
    "word": (np.int32, 1), "acronyms": (np.int32, MAX_ACRONYMS),
    "vowel0": (bool, 1), "arabic": (bool, 1), "near": (np.int32, 1), "near_at": (np.int32, MAX_NEIGHBOURS), "near_any": (np.int32, MAX_NEIGHBOURS),
    "tail": (np.int32, 1), "head": (np.int32, 1), "bare": (np.int32, 1), "q_skeleton": (np.int32, 1), "q_onset": (np.int32, 1),
    # The plain and the coarse skeleton, for names compared written as one word (`nexus.names.joined`).
    "j_hash": (np.int64, 2), "j_rest": (np.int64, 2), "j_len": (np.int16, 2), "j_first": (np.int32, 2), "j_last": (np.int32, 2),
}


#: New pairs are memoised in batches of at least this many, and of at least 1/MEMO_GROWTH of the memo: inserting
#: into a memo of millions copies it (milliseconds, more than a single query's few pairs take to score).
MEMO_MIN_NEW = 256
MEMO_GROWTH = 64
#: A memo that would grow past this many pairs (~17 bytes each) starts over: a server's index lives for days.
MEMO_MAX = 8_000_000


class PartTable:
    def __init__(self, config: ScoringConfig = SCORING) -> None:
        self.config = config
        self.parts: list[Part] = []
        self._ids: dict[Part, int] = {}
        self._keys: dict[str, int] = {}  # skeleton, metaphone, symbol and text keys → ids
        # Columns grow by doubling, so adding one part (a single query's) costs O(1), not a rebuild.
        self._data = {name: np.zeros((64, width) if width > 1 else 64, dtype) for name, (dtype, width) in _COLUMNS.items()}
        self._view: dict[str, np.ndarray] = {}
        self._view_size = -1
        # `matches` of the pairs asked before: sorted (id << 32 | id) codes, scores, hows (replaced as one).
        self._memo = (np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64), np.empty(0, dtype=np.int8))
        # Pairs matched in calls too small to be worth inserting into the arrays: code → (score, how).
        self._pending: dict[int, tuple[float, int]] = {}
        self._memo_lock = threading.Lock()  # screening holds its index's lock; `compare_names` shares one table

    def __len__(self) -> int:
        return len(self.parts)

    def _key(self, text: str) -> int:
        return self._keys.setdefault(text, len(self._keys))

    def find(self, part: Part) -> int | None:
        """The part's id, or None if it was never added."""
        return self._ids.get(part)

    def add(self, part: Part) -> int:
        """The part's id (new parts are appended; a compound's tail is appended before it)."""
        found = self._ids.get(part)
        if found is not None:
            return found
        tail_part, bare_part = tail_of(part), bare_of(part)
        tail = self.add(tail_part) if tail_part else None
        bare = self.add(bare_part) if bare_part else None
        found = self._ids[part] = len(self.parts)
        self.parts.append(part)
        if found == len(self._data["kind"]):
            self._data = {name: np.concatenate([column, np.zeros_like(column)]) for name, column in self._data.items()}
        unique = -1 - found  # stands for an empty key: equal to no other part's
        symbols = sorted(self._key(s) for s in part.symbols)
        coarse = coarse_skeleton(part.text)
        near = deletions(coarse)[:MAX_NEIGHBOURS] if len(coarse) >= MIN_NEIGHBOUR_SKELETON else []
        q_skeleton = q_as_g_skeleton(part.text)
        row = {
            "kind": _KIND_CODES[part.kind], "length": min(len(part.text), 255), "text": ord(part.text[:1]),
            "word_id": self._key("t:" + part.text),
            "skeleton0": ord(part.skeleton[:1]) if part.skeleton else unique,
            "metaphone0": ord(part.metaphone[:1]) if part.metaphone else unique,
            "coarse0": ord(coarse[:1]) if coarse else unique,
            "skeleton": self._key("s:" + part.skeleton) if len(part.skeleton) >= 2 else unique,
            "skeleton_length": min(len(part.skeleton), 255),
            "metaphone": self._key("m:" + part.metaphone) if len(part.metaphone) >= 3 else unique,
            "coarse": self._key("c:" + coarse) if coarse else unique,
            "shape": self._key("v:" + syllable_shape(part.text)),
            "crowded": len(symbols) > MAX_SYMBOLS, "symbols": (symbols + [-1] * MAX_SYMBOLS)[:MAX_SYMBOLS],
            "numbers": (sorted(self._key(s) for s in numbers(part)) + [-1] * MAX_NUMBERS)[:MAX_NUMBERS],
            "bag": letter_counts([part.text])[0], "weight": self._weight(part), "anchor": is_anchor(part),
            "given": is_given_name(part), "latin": part.latin, "onset": self._key("o:" + onset(part)),
            "word": self._key("w:" + part.text) if part.kind is PartKind.NAME else _NO_WORD,
            "acronyms": ([self._key("w:" + a) for a in sorted(part.acronyms)] + [_NO_ACRONYM] * MAX_ACRONYMS)[:MAX_ACRONYMS],
            "vowel0": onset(part) == "V", "arabic": part.arabic, "near": self._key("n:" + coarse) if near else unique,
            "near_at": ([self._key(f"{i}:{k}") for i, k in enumerate(near)] + [unique - (1 << 29)] * MAX_NEIGHBOURS)[:MAX_NEIGHBOURS],
            "near_any": ([self._key("n:" + k) for k in near] + [unique - (1 << 30)] * MAX_NEIGHBOURS)[:MAX_NEIGHBOURS],
            "tail": found if tail is None else tail,
            "head": unique if tail is None else self._key("h:" + compound(part.text)[0]),
            "bare": found if bare is None else bare,
            "q_skeleton": self._key("s:" + q_skeleton) if len(q_skeleton) >= 2 else unique,
            "q_onset": self._key("o:" + onset(replace(part, skeleton=q_skeleton))),
            **joined_columns(*_joined_forms(part, coarse)),
        }
        for name, value in row.items():
            self._data[name][found] = value
        return found

    def _weight(self, part: Part) -> float:
        config = self.config
        weight = {
            PartKind.NAME: config.name_weight, PartKind.PATRONYMIC: config.patronymic_weight,
            PartKind.INITIAL: config.initial_weight, PartKind.PARTICLE: config.particle_weight,
            PartKind.LEGAL: config.legal_weight, PartKind.NUMERIC: config.numeric_weight,
        }[part.kind]
        return weight * config.family_factor if part.role is Role.FAMILY else weight

    @staticmethod
    def kind_code(kind: PartKind) -> int:
        return _KIND_CODES[kind]

    def column(self, name: str) -> np.ndarray:
        """One per-part column (kind, length, weight, anchor, …), indexed by part id."""
        return self._data[name][: len(self.parts)]

    def _columns(self) -> dict[str, np.ndarray]:
        if self._view_size != len(self.parts):
            self._view = {name: self.column(name) for name in self._data}
            self._view_size = len(self.parts)
        return self._view

    def related(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Necessary condition for a non-zero similarity of parts that are not the same word.

        Related parts (or their compound tails, or the names after their glued articles) start alike (same first
        letter, first consonant, coarse consonant or metaphone sound), are both numbers, both carry
        reference-data symbols, or one abbreviates the other.
        """
        tail, bare = self.column("tail"), self.column("bare")
        out = self._related(a, b)
        rows = np.flatnonzero(~out & ((tail[a] != a) | (tail[b] != b)))
        out[rows] = self._related(tail[a[rows]], tail[b[rows]])
        rows = np.flatnonzero(~out & ((bare[a] != a) | (bare[b] != b)))
        if len(rows):
            out[rows] = self.related(bare[a[rows]], bare[b[rows]])
        return out

    def _related(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        col = self._columns()
        flags_a = (col["kind"][a] == _NUMERIC) * 1 + (col["symbols"][a, 0] >= 0) * 2
        flags_b = (col["kind"][b] == _NUMERIC) * 1 + (col["symbols"][b, 0] >= 0) * 2
        out = (
            (col["text"][a] == col["text"][b])
            | (col["skeleton0"][a] == col["skeleton0"][b])
            | (col["metaphone0"][a] == col["metaphone0"][b])
            | ((flags_a & flags_b) != 0)
            | self._abbreviates(a, b)
            | self._abbreviates(b, a)
        )
        rows = np.flatnonzero(~out & (col["arabic"][a] | col["arabic"][b]))  # most batches hold no Arabic script
        a, b = a[rows], b[rows]
        out[rows] = (col["coarse0"][a] == col["coarse0"][b]) & ((col["latin"][a] & col["arabic"][b]) | (col["arabic"][a] & col["latin"][b]))
        return out

    def _abbreviates(self, short: np.ndarray, long: np.ndarray) -> np.ndarray:
        """Whether `short` is a name word that is the acronym of a run of words `long` is in (`Part.acronyms`)."""
        col = self._columns()
        out = np.zeros(len(long), dtype=bool)
        rows = np.flatnonzero(col["acronyms"][long, 0] != _NO_ACRONYM)  # most parts belong to no acronym
        out[rows] = (col["acronyms"][long[rows]] == col["word"][short[rows]][:, None]).any(axis=1)
        return out

    def similarities(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """The similarity (0..1) of parts[a[i]] and parts[b[i]] for every i."""
        return self.matches(a, b)[0]

    def matches(self, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(similarity, code of how they matched: an index into `part_rules.HOWS`) for every id pair."""
        col = self._columns()
        score = np.zeros(len(a))
        how = np.full(len(a), _HOW[NONE], dtype=np.int8)
        same = col["word_id"][a] == col["word_id"][b]
        score[same], how[same] = 1.0, _HOW[EXACT]
        todo = np.flatnonzero(~same & self.related(a, b))
        score[todo], how[todo] = self._inexact(a[todo], b[todo])
        tail, head = col["tail"], col["head"]
        # One side a compound, the other not (or its tail): the compound's tail against the other.
        one = np.flatnonzero((tail[a[todo]] != a[todo]) ^ (tail[b[todo]] != b[todo]))
        if len(one):
            rows = todo[one]
            tail_score, _ = self.matches(tail[a[rows]], tail[b[rows]])
            tail_score *= self.config.compound_tail_factor
            better = tail_score > score[rows]
            score[rows[better]], how[rows[better]] = tail_score[better], _HOW[COMPOUND]
        # Both compounds with the same head: what they are built on decides.
        both = np.flatnonzero(head[a[todo]] == head[b[todo]])
        if len(both):
            rows = todo[both]
            score[rows], how[rows] = self.matches(tail[a[rows]], tail[b[rows]])
        # A glued article on either side: the names after it decide, undiscounted (Alhuthi ~ al-Huthi).
        bare = col["bare"]
        rows = todo[(bare[a[todo]] != a[todo]) | (bare[b[todo]] != b[todo])]
        if len(rows):
            bare_score, _ = self.matches(bare[a[rows]], bare[b[rows]])
            better = bare_score > score[rows]
            score[rows[better]], how[rows[better]] = bare_score[better], _HOW[ARTICLE]
        return score, how

    def memoised_matches(self, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """`matches`, each distinct pair worked out once for the table's life (a server's index screens the same
        list parts again and again) and looked up in order: a batch repeats its pairs many times, and sorted
        needles walk the (large) memo with far fewer cache misses."""
        codes, expand = np.unique((a.astype(np.int64) << 32) | b.astype(np.int64), return_inverse=True)
        with self._memo_lock:
            scores, hows = self._memoised_distinct(codes)
        return scores[expand], hows[expand]

    def _memoised_distinct(self, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        memo_codes, memo_scores, memo_hows = self._memo
        at = np.searchsorted(memo_codes, codes)
        known = at < len(memo_codes)
        known[known] = memo_codes[at[known]] == codes[known]
        scores, hows = np.empty(len(codes)), np.empty(len(codes), np.int8)
        scores[known], hows[known] = memo_scores[at[known]], memo_hows[at[known]]
        if known.all():
            return scores, hows
        rows = np.flatnonzero(~known)
        pending = self._pending
        if pending:  # pairs matched by earlier small calls (single queries), not yet in the arrays
            held = [pending.get(c) for c in codes[rows].tolist()]
            found = np.fromiter((h is not None for h in held), dtype=bool, count=len(rows))
            if found.any():
                scores[rows[found]] = [h[0] for h in held if h is not None]
                hows[rows[found]] = [h[1] for h in held if h is not None]
                rows = rows[~found]
        if not len(rows):
            return scores, hows
        missing = codes[rows]
        computed, how = self.matches(missing >> 32, missing & 0xFFFFFFFF)
        scores[rows], hows[rows] = computed, how
        if len(missing) + len(pending) < max(MEMO_MIN_NEW, len(memo_codes) // MEMO_GROWTH):
            pending.update(zip(missing.tolist(), zip(computed.tolist(), how.tolist())))
            return scores, hows
        if pending:
            missing = np.concatenate([missing, np.fromiter(pending.keys(), dtype=np.int64, count=len(pending))])
            computed = np.concatenate([computed, [v[0] for v in pending.values()]])
            how = np.concatenate([how, np.asarray([v[1] for v in pending.values()], np.int8)])
            order = np.argsort(missing)
            missing, computed, how = missing[order], computed[order], how[order]
            pending.clear()
        if len(memo_codes) + len(missing) > MEMO_MAX:
            memo_codes, memo_scores, memo_hows = memo_codes[:0], memo_scores[:0], memo_hows[:0]
        position = np.searchsorted(memo_codes, missing)
        self._memo = (np.insert(memo_codes, position, missing), np.insert(memo_scores, position, computed),
                      np.insert(memo_hows, position, how))
        return scores, hows

    def _inexact(self, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """`matches` for related pairs of different words."""
        col, config = self._columns(), self.config
        score = np.zeros(len(a))
        how = np.full(len(a), _HOW[NONE], dtype=np.int8)
        acronym = self._abbreviates(a, b) | self._abbreviates(b, a)
        score[acronym], how[acronym] = config.acronym_score, _HOW[ACRONYM]
        kind_a, kind_b = col["kind"][a], col["kind"][b]
        numeric = ~acronym & ((kind_a == _NUMERIC) | (kind_b == _NUMERIC))
        num_a, num_b = col["numbers"][a[numeric]], col["numbers"][b[numeric]]
        same_number = ((num_a[:, :, None] == num_b[:, None, :]) & (num_a[:, :, None] >= 0)).any(axis=(1, 2))
        same_number &= (kind_a[numeric] == _NUMERIC) & (kind_b[numeric] == _NUMERIC)
        rows = np.flatnonzero(numeric)[same_number]
        score[rows], how[rows] = 1.0, _HOW[NUMBER]
        initial = ~acronym & ~numeric & ((kind_a == _INITIAL) | (kind_b == _INITIAL))
        rows = np.flatnonzero(initial)[col["text"][a[initial]] == col["text"][b[initial]]]
        score[rows], how[rows] = config.initial_score, _HOW[INITIAL]
        rest = np.flatnonzero(~acronym & ~numeric & ~initial)
        score[rest], how[rest] = self._names(a[rest], b[rest])
        return score, how

    def _names(self, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """`matches` for two name words (no acronym, number or initial): the strongest evidence wins."""
        col, config, parts = self._columns(), self.config, self.parts
        sym_a, sym_b = col["symbols"][a], col["symbols"][b]
        shared = ((sym_a[:, :, None] == sym_b[:, None, :]) & (sym_a[:, :, None] >= 0)).any(axis=(1, 2))
        crowded = np.flatnonzero(col["crowded"][a] | col["crowded"][b])
        shared[crowded] = [bool(parts[i].symbols & parts[j].symbols) for i, j in zip(a[crowded].tolist(), b[crowded].tolist(), strict=True)]
        known_apart = ~shared & col["given"][a] & col["given"][b]
        score = np.zeros(len(a))
        fuzzy = np.flatnonzero(self._may_be_fuzzy(a, b, known_apart))
        score[fuzzy] = np.fromiter(
            (
                fuzzy_similarity(parts[i].text, parts[j].text, apart, config)
                for i, j, apart in zip(a[fuzzy].tolist(), b[fuzzy].tolist(), known_apart[fuzzy].tolist(), strict=True)
            ),
            dtype=np.float64, count=len(fuzzy),
        )
        how = np.where(score > 0, _HOW[FUZZY], _HOW[NONE]).astype(np.int8)
        latin_a, latin_b = col["latin"][a], col["latin"][b]
        same_start = col["vowel0"][a] == col["vowel0"][b]
        # Across scripts both must begin with a vowel or both not (Meyer ≁ عامر); in Latin, alike (Moorev ≁ Umarov).
        alike = np.where(latin_a & latin_b, col["onset"][a] == col["onset"][b], same_start)
        cross = latin_a != latin_b  # one written in Latin script, the other not
        arabic = (latin_a & col["arabic"][b]) | (col["arabic"][a] & latin_b)  # the other in Arabic script
        sounds = (((col["skeleton"][a] == col["skeleton"][b]) & alike) | (col["metaphone"][a] == col["metaphone"][b])
                  | self._q_as_g(a, b) | self._q_as_g(b, a))
        # Between Latin spellings the vowels must stand where they stood (Tariq ≁ Turki, Salma ≁ Salim), unless a
        # single typo moved them (Amri ~ Amir, Jum ~ Juma).
        reshaped = np.flatnonzero(sounds & ~cross & (col["shape"][a] != col["shape"][b]))
        sounds[reshaped] = [
            damerau_levenshtein_distance(parts[i].text, parts[j].text) <= 1 for i, j in zip(a[reshaped].tolist(), b[reshaped].tolist(), strict=True)
        ]
        # Coarse consonants only count between parts that both begin with a vowel or both not (Adil ≁ صالح).
        coarse = arabic & same_start
        rows = np.flatnonzero(coarse)
        coarse[rows] = col["coarse"][a[rows]] == col["coarse"][b[rows]]
        near = arabic & ~sounds & ~coarse & same_start
        rows = np.flatnonzero(near)
        a_near, b_near = a[rows], b[rows]
        near[rows] = (
            (col["near_at"][a_near][:, :, None] == col["near_at"][b_near][:, None, :]).any(axis=(1, 2))
            | (col["near"][a_near][:, None] == col["near_any"][b_near]).any(axis=1)
            | (col["near"][b_near][:, None] == col["near_any"][a_near]).any(axis=1)
        )
        for evidence, value, code in (
            (shared, config.symbol_score, SYMBOL), (sounds & ~cross, config.phonetic_score, PHONETIC),
            ((sounds | coarse) & cross, config.cross_script_phonetic_score, PHONETIC),
            (near, config.cross_script_near_score, PHONETIC),
        ):
            better = evidence & (value > score)
            score[better], how[better] = value, _HOW[code]
        return score, how

    def _q_as_g(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Whether `a`, its q read as g (`q_as_g_skeleton`), sounds as `b` and begins alike."""
        col = self._columns()
        return (col["q_skeleton"][a] == col["skeleton"][b]) & (col["q_onset"][a] == col["onset"][b])

    def _may_be_fuzzy(self, a: np.ndarray, b: np.ndarray, within_edits_only: np.ndarray) -> np.ndarray:
        """Necessary conditions for a non-zero `fuzzy_similarity` (see the module docstring)."""
        col = self._columns()
        len_a, len_b = col["length"][a].astype(np.int32), col["length"][b].astype(np.int32)
        bag_a, bag_b = col["bag"][a], col["bag"][b]
        common = np.minimum(bag_a, bag_b).sum(axis=1)
        within_edits = may_be_within(len_a, len_b, bag_a, bag_b, _MAX_EDITS[np.maximum(len_a, len_b)])
        with np.errstate(divide="ignore", invalid="ignore"):
            close = (np.minimum(len_a, len_b) >= 4) & (common / len_a + common / len_b >= 1.25)
        return within_edits | (close & ~within_edits_only)


def _joined_forms(part: Part, coarse: str) -> tuple[str, str]:
    """What a part adds to its name written as one word, plain and coarse: numbers count as written, legal forms not."""
    if part.kind is PartKind.LEGAL:
        return "", ""
    if part.kind is PartKind.NUMERIC:
        return part.text, part.text
    return part.skeleton, coarse


def bare_of(part: Part) -> Part | None:
    """The name after a Latin part's glued article (`part_rules.without_article`), if it is a name itself."""
    text = without_article(part)
    bare = make_part(text, text, NameType.PERSON) if text else None
    return bare if bare is not None and bare.kind is PartKind.NAME else None


def tail_of(part: Part) -> Part | None:
    """The name part a compound is built on (`part_rules.compound`), if it is a name itself, written in the compound's script."""
    found = compound(part.text) if part.kind is PartKind.NAME else None
    tail = make_part(found[1], found[1], NameType.PERSON) if found else None
    if tail is None or tail.kind is not PartKind.NAME:
        return None
    if tail.latin == part.latin:
        return tail
    return Part(tail.text, tail.skeleton, tail.metaphone, tail.symbols, tail.kind, latin=part.latin, arabic=part.arabic)
