"""`part_similarity` over arrays: many part pairs at once, by part id.

A `PartTable` interns parts (`add`) and keeps what `part_similarity` looks at as
per-part arrays: kind, length, first letters, skeleton and metaphone ids, symbol ids and
letter counts. `similarities(a, b)` then scores id pairs with numpy. Only pairs that could
pass the edit-distance or Jaro-Winkler rule go through the string functions, one Python
call per pair: parts within `max_edits` differ in at most 2·edits letter counts, and a
Jaro-Winkler of at least `JARO_WINKLER_FLOOR` needs common letters c with
c/|a| + c/|b| ≥ 1.25 (Jaro ≥ 0.75). Everything else — identity, acronyms, initials,
shared symbols, given names known apart, equal skeletons or metaphones, unrelated first letters —
is decided in arrays.
Numbers and parts with very many symbols fall back to `part_similarity` itself.
"""

import numpy as np

from nexus.names.parts import ACRONYM_RUN, Part, PartKind
from nexus.names.similarity import (
    ACRONYM_SCORE,
    INITIAL_SCORE,
    PHONETIC_SCORE,
    SYMBOL_SCORE,
    fuzzy_similarity,
    is_anchor,
    is_given_name,
    max_edits,
    onset,
    part_similarity,
)

_KIND_CODES = {kind: code for code, kind in enumerate(PartKind)}
_INITIAL = _KIND_CODES[PartKind.INITIAL]
_NUMERIC = _KIND_CODES[PartKind.NUMERIC]
_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
_LETTER = {char: i for i, char in enumerate(_ALPHABET)}
#: Symbols kept per part in the symbol matrix; parts with more are scored by `part_similarity`.
MAX_SYMBOLS = 16
_MAX_EDITS = np.array([max_edits(n) for n in range(256)], dtype=np.int16)
#: The most acronyms `parts._with_acronyms` gives one word: its runs of 2..ACRONYM_RUN words, the whole name with and without particles.
MAX_ACRONYMS = sum(range(2, ACRONYM_RUN + 1)) + 2
_NO_WORD, _NO_ACRONYM = -1, -2  # never equal to each other or to a key


def letter_counts(texts: list[str]) -> np.ndarray:
    """How often each of a-z, 0-9 occurs in each ASCII text, as an (n, 36) int16 array."""
    out = np.zeros((len(texts), len(_ALPHABET)), dtype=np.int16)
    for row, text in enumerate(texts):
        for char in text:
            if char in _LETTER:
                out[row, _LETTER[char]] += 1
    return out


def may_be_within(len_a: np.ndarray, len_b: np.ndarray, bag_a: np.ndarray, bag_b: np.ndarray, edits: np.ndarray) -> np.ndarray:
    """Necessary condition for an edit distance ≤ `edits`: lengths and letter counts differ little enough."""
    common = np.minimum(bag_a, bag_b).sum(axis=1)
    return (np.abs(len_a - len_b) <= edits) & ((len_a - common) + (len_b - common) <= 2 * edits)


_COLUMNS = {  # name → (dtype, width)
    "kind": (np.int8, 1), "length": (np.int16, 1), "text": (np.int32, 1), "skeleton0": (np.int32, 1),
    "metaphone0": (np.int32, 1), "skeleton": (np.int32, 1), "metaphone": (np.int32, 1), "crowded": (bool, 1),
    "symbols": (np.int32, MAX_SYMBOLS), "bag": (np.int16, len(_ALPHABET)), "weight": (np.float64, 1), "anchor": (bool, 1),
    "given": (bool, 1), "latin": (bool, 1), "onset": (np.int32, 1), "word": (np.int32, 1), "acronyms": (np.int32, MAX_ACRONYMS),
}


class PartTable:
    def __init__(self) -> None:
        self.parts: list[Part] = []
        self._ids: dict[Part, int] = {}
        self._keys: dict[str, int] = {}  # skeleton, metaphone and symbol texts → ids
        # Columns grow by doubling, so adding one part (a single query's) costs O(1), not a rebuild.
        self._data = {name: np.zeros((64, width) if width > 1 else 64, dtype) for name, (dtype, width) in _COLUMNS.items()}

    def __len__(self) -> int:
        return len(self.parts)

    def _key(self, text: str) -> int:
        return self._keys.setdefault(text, len(self._keys))

    def add(self, part: Part) -> int:
        """The part's id (new parts are appended)."""
        found = self._ids.get(part)
        if found is not None:
            return found
        found = self._ids[part] = len(self.parts)
        self.parts.append(part)
        if found == len(self._data["kind"]):
            self._data = {name: np.concatenate([column, np.zeros_like(column)]) for name, column in self._data.items()}
        unique = -1 - found  # stands for an empty key: equal to no other part's
        symbols = sorted(self._key(s) for s in part.symbols)
        row = {
            "kind": _KIND_CODES[part.kind], "length": min(len(part.text), 255), "text": ord(part.text[:1]),
            "skeleton0": ord(part.skeleton[:1]) if part.skeleton else unique,
            "metaphone0": ord(part.metaphone[:1]) if part.metaphone else unique,
            "skeleton": self._key("s:" + part.skeleton) if len(part.skeleton) >= 2 else unique,
            "metaphone": self._key("m:" + part.metaphone) if len(part.metaphone) >= 3 else unique,
            "crowded": len(symbols) > MAX_SYMBOLS, "symbols": (symbols + [-1] * MAX_SYMBOLS)[:MAX_SYMBOLS],
            "bag": letter_counts([part.text])[0], "weight": part.weight, "anchor": is_anchor(part),
            "given": is_given_name(part), "latin": part.latin, "onset": self._key("o:" + onset(part)),
            "word": self._key("w:" + part.text) if part.kind is PartKind.NAME else _NO_WORD,
            "acronyms": ([self._key("w:" + a) for a in sorted(part.acronyms)] + [_NO_ACRONYM] * MAX_ACRONYMS)[:MAX_ACRONYMS],
        }
        for name, value in row.items():
            self._data[name][found] = value
        return found

    @staticmethod
    def kind_code(kind: PartKind) -> int:
        return _KIND_CODES[kind]

    def column(self, name: str) -> np.ndarray:
        """One per-part column (kind, length, weight, anchor, …), indexed by part id."""
        return self._data[name][: len(self.parts)]

    def _columns(self) -> dict[str, np.ndarray]:
        return {name: self.column(name) for name in self._data}

    def related(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Superset of `may_relate` on id arrays (first letters, both numeric, both with symbols), or an acronym."""
        col = self._columns()
        flags_a = (col["kind"][a] == _NUMERIC) * 1 + (col["symbols"][a, 0] >= 0) * 2
        flags_b = (col["kind"][b] == _NUMERIC) * 1 + (col["symbols"][b, 0] >= 0) * 2
        return (
            (col["text"][a] == col["text"][b])
            | (col["skeleton0"][a] == col["skeleton0"][b])
            | (col["metaphone0"][a] == col["metaphone0"][b])
            | ((flags_a & flags_b) != 0)
            | self._abbreviates(a, b)
            | self._abbreviates(b, a)
        )

    def _abbreviates(self, short: np.ndarray, long: np.ndarray) -> np.ndarray:
        """`similarity.abbreviates` on id arrays."""
        col = self._columns()
        out = np.zeros(len(long), dtype=bool)
        rows = np.flatnonzero(col["acronyms"][long, 0] != _NO_ACRONYM)  # most parts belong to no acronym
        out[rows] = (col["acronyms"][long[rows]] == col["word"][short[rows]][:, None]).any(axis=1)
        return out

    def similarities(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """`part_similarity(parts[a[i]], parts[b[i]])[0]` for every i."""
        col = self._columns()
        out = np.zeros(len(a))
        out[a == b] = 1.0
        todo = np.flatnonzero((a != b) & self.related(a, b))
        a, b = a[todo], b[todo]
        acronym = self._abbreviates(a, b) | self._abbreviates(b, a)
        out[todo[acronym]] = ACRONYM_SCORE
        kind_a, kind_b = col["kind"][a], col["kind"][b]
        fallback = ~acronym & ((kind_a == _NUMERIC) | (kind_b == _NUMERIC) | col["crowded"][a] | col["crowded"][b])
        initial = ~acronym & ~fallback & ((kind_a == _INITIAL) | (kind_b == _INITIAL))
        out[todo[initial]] = np.where(col["text"][a[initial]] == col["text"][b[initial]], INITIAL_SCORE, 0.0)
        rest = ~acronym & ~fallback & ~initial
        best = np.zeros(len(a))
        sym_a, sym_b = col["symbols"][a[rest]], col["symbols"][b[rest]]
        shared = ((sym_a[:, :, None] == sym_b[:, None, :]) & (sym_a[:, :, None] >= 0)).any(axis=(1, 2))
        best[rest] = np.where(shared, SYMBOL_SCORE, 0.0)
        known_apart = np.zeros(len(a), dtype=bool)
        known_apart[rest] = ~shared & col["given"][a[rest]] & col["given"][b[rest]]
        alike = ~(col["latin"][a] & col["latin"][b]) | (col["onset"][a] == col["onset"][b])
        same_sound = ((col["skeleton"][a] == col["skeleton"][b]) & alike) | (col["metaphone"][a] == col["metaphone"][b])
        sounds = rest & same_sound
        best[sounds] = np.maximum(best[sounds], PHONETIC_SCORE)
        fuzzy = np.flatnonzero(rest & self._may_be_fuzzy(a, b, known_apart))
        parts = self.parts
        best[fuzzy] = np.maximum(best[fuzzy], np.fromiter(
            (
                fuzzy_similarity(parts[i].text, parts[j].text, apart)
                for i, j, apart in zip(a[fuzzy].tolist(), b[fuzzy].tolist(), known_apart[fuzzy].tolist(), strict=True)
            ),
            dtype=np.float64, count=len(fuzzy),
        ))
        out[todo[rest]] = best[rest]
        slow = np.flatnonzero(fallback)
        out[todo[slow]] = [part_similarity(parts[i], parts[j])[0] for i, j in zip(a[slow].tolist(), b[slow].tolist(), strict=True)]
        return out

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
