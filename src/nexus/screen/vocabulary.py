"""Interned name parts and candidate keys, shared by every index segment and query.

A part (an immutable `Part`) gets a small integer id once; per-part weight, anchor flag
and candidate keys are kept in arrays by id, and part-pair similarities are memoised by
id pair, so batch scoring touches Python once per distinct part pair, not per row.
"""

from collections.abc import Callable

import numpy as np

from nexus.names import Part, PartKind
from nexus.names.part_table import PartTable, deletions
from nexus.names.phonetic import q_as_g_skeleton
from nexus.names.similarity import run_ranks

_KEYED_KINDS = frozenset({PartKind.NAME, PartKind.PATRONYMIC, PartKind.NUMERIC})
_SYMBOL_PREFIXES = ("[NAME:", "[NICK:")
MAX_PAIR_PARTS = 6
#: Skeletons this long get typo keys (longer ones their forms with a letter left out, too): shorter ones
#: would share them with too many other names.
MIN_TYPO_SKELETON = 4


def part_keys(part: Part) -> list[str]:
    """Single-part candidate keys: text, consonant skeleton, metaphone, given-name symbols, acronyms it is part of, typo keys.

    A compound's keys (`Vocabulary.part_id`) include its tail's: Abd al-Khaliq finds Khaliq.
    """
    if part.kind not in _KEYED_KINDS:
        return []
    keys = [f"t:{part.text}"]
    if len(part.skeleton) >= 2:
        keys.append(f"s:{part.skeleton}")
    if len(part.metaphone) >= 3:
        keys.append(f"m:{part.metaphone}")
    keys.extend(f"y:{s}" for s in part.symbols if s.startswith(_SYMBOL_PREFIXES))
    keys.extend(f"t:{a}" for a in part.acronyms)  # PLA finds People's Liberation Army, and the reverse
    q_skeleton = q_as_g_skeleton(part.text)
    if len(q_skeleton) >= 2:
        keys.append(f"s:{q_skeleton}")  # Qadhafi finds Gaddafi
    if len(part.skeleton) >= MIN_TYPO_SKELETON:
        # Skeletons one letter apart share one of these (Belkalem ~ Belkalcem, Eslami ~ Eslfami).
        keys.append(f"x:{part.skeleton}")
        if len(part.skeleton) > MIN_TYPO_SKELETON:
            keys.extend(f"x:{k}" for k in deletions(part.skeleton))
    return keys


def _pair_token(part: Part) -> str | None:
    return (part.skeleton or part.text) if part.kind in _KEYED_KINDS else None


def _distinct_pairs(owner: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct (owner, value) pairs, sorted by owner then value."""
    if len(owner) == 0:
        return owner.astype(np.int64), values.astype(np.int64)
    width = int(values.max()) + 1
    codes = np.unique(owner.astype(np.int64) * width + values)
    return codes // width, codes % width


_YEAR_CODES = 10_000  # a dated key's code: token rank × this + year

#: Part pairs in a call to `Vocabulary.similarities` beyond which it filters by `PartTable.related` first.
SMALL_CALL = 4096


class Vocabulary:
    def __init__(self) -> None:
        self.table = PartTable()
        self._keys: dict[str, int] = {}
        self._part_key_ids: list[list[int]] = []

    @property
    def parts(self) -> list[Part]:
        return self.table.parts

    def part_id(self, part: Part) -> int:
        found = self.table.find(part)
        if found is not None and found < len(self._part_key_ids):  # known, keys made: the common case
            return found
        found = self.table.add(part)
        tails, bares = self.table.column("tail"), self.table.column("bare")
        # The part, and before it a compound's tail or the name after a glued article (whose keys it has too).
        for new in range(len(self._part_key_ids), len(self.table)):
            keys = [self.key_id(k) for k in part_keys(self.table.parts[new])]
            for inner in sorted({int(tails[new]), int(bares[new])} - {new}):
                keys += self._part_key_ids[inner]
            self._part_key_ids.append(keys)
        return found

    def key_id(self, key: str, create: bool = True) -> int:
        found = self._keys.get(key)
        if found is None:
            if not create:
                return -1
            found = self._keys[key] = len(self._keys)
        return found

    def part_ids(self, parts: list[Part]) -> np.ndarray:
        return np.fromiter((self.part_id(p) for p in parts), dtype=np.int64, count=len(parts))

    def single_keys(self, offsets: np.ndarray, part_ids: np.ndarray, create: bool) -> tuple[np.ndarray, np.ndarray]:
        """(name row, key id) for every distinct single-part key of every name (CSR `offsets` over `part_ids`), and
        the text keys of its neighbouring name parts written as one word (`_glued_keys`; `create` as `pair_keys`)."""
        distinct, local = np.unique(part_ids, return_inverse=True)
        key_lists = [self._part_key_ids[i] for i in distinct.tolist()]
        counts = np.asarray([len(k) for k in key_lists], dtype=np.int64)
        flat = np.fromiter((k for keys in key_lists for k in keys), dtype=np.int64, count=int(counts.sum()))
        per = counts[local]
        owner = np.repeat(np.repeat(np.arange(len(offsets) - 1), np.diff(offsets)), per)
        keys = flat[np.repeat(np.cumsum(counts)[local] - per, per) + run_ranks(per)]
        glued_owner, glued = self._glued_keys(offsets, part_ids, create)
        return _distinct_pairs(np.concatenate([owner, glued_owner]), np.concatenate([keys, glued]))

    def _glued_keys(self, offsets: np.ndarray, part_ids: np.ndarray, create: bool) -> tuple[np.ndarray, np.ndarray]:
        """(name row, key id) of every two neighbouring name parts written as one word, as a part's text key: a
        surname split or hyphenated (Bel Kalem, Bel-Kalem) finds it written as one (Belkalem), and the reverse."""
        owner = np.repeat(np.arange(len(offsets) - 1), np.diff(offsets))
        named = self.table.column("kind")[part_ids] == self.table.kind_code(PartKind.NAME)
        first = np.flatnonzero((owner[1:] == owner[:-1]) & named[1:] & named[:-1])
        width = max(len(self.table), 1)
        codes = part_ids[first] * width + part_ids[first + 1]
        ids = self._code_keys(codes, lambda c: f"t:{self.parts[c // width].text}{self.parts[c % width].text}", create)
        return owner[first][ids >= 0], ids[ids >= 0]

    def pair_keys(self, offsets: np.ndarray, part_ids: np.ndarray, create: bool) -> tuple[np.ndarray, np.ndarray]:
        """(name row, key id) for every part-pair key of every name (CSR `offsets` over `part_ids`).

        A pair key joins the pair tokens (skeleton, else text) of two keyed parts, unordered;
        a name gives one for every two of its first MAX_PAIR_PARTS distinct tokens in sorted
        order. They are selective where single parts are common. Without `create`, pairs the vocabulary has never seen (so no list name has) are left out.
        """
        owner, ranks, ordered = self._token_ranks(offsets, part_ids)
        starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]]) if len(owner) else np.empty(0, np.int64)
        position = np.arange(len(owner)) - np.repeat(starts, np.diff(np.r_[starts, len(owner)]))
        owner, ranks, position = owner[position < MAX_PAIR_PARTS], ranks[position < MAX_PAIR_PARTS], position[position < MAX_PAIR_PARTS]
        size = np.minimum(np.bincount(owner, minlength=len(offsets) - 1), MAX_PAIR_PARTS)[owner]
        later = size - 1 - position  # partners after each element in its name
        first = np.repeat(np.arange(len(owner)), later)
        second = first + 1 + run_ranks(later)
        codes = ranks[first] * len(ordered) + ranks[second]
        ids = self._code_keys(codes, lambda c: f"p:{ordered[c // len(ordered)]}|{ordered[c % len(ordered)]}", create)
        return owner[first][ids >= 0], ids[ids >= 0]

    def dated_keys(self, offsets: np.ndarray, part_ids: np.ndarray, row_years: tuple[np.ndarray, np.ndarray],
                   create: bool) -> tuple[np.ndarray, np.ndarray]:
        """(name row, key id) for every pair token of a name with every birth year of its row (`row_years`: (name row,
        year) pairs sorted by row). A name part with a birth year is selective where the part alone is common (Abdur
        Rahman born 1965): a listed name that a query corroborates by its birth year is found however common its parts.
        Without `create` as `pair_keys`."""
        owner, ranks, ordered = self._token_ranks(offsets, part_ids)
        rows, years = row_years
        per_row = np.bincount(rows, minlength=len(offsets) - 1)[owner]
        at = np.repeat(np.searchsorted(rows, owner), per_row) + run_ranks(per_row)
        codes = np.repeat(ranks, per_row) * _YEAR_CODES + years[at]
        ids = self._code_keys(codes, lambda c: f"b:{ordered[c // _YEAR_CODES]}|{c % _YEAR_CODES}", create)
        owner = np.repeat(owner, per_row)
        return owner[ids >= 0], ids[ids >= 0]

    def _token_ranks(self, offsets: np.ndarray, part_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[str]]:
        """Every name's distinct pair tokens (`_pair_token`) as (name row, rank in `ordered`) sorted by row then
        rank, and `ordered`, the tokens sorted."""
        distinct, local = np.unique(part_ids, return_inverse=True)
        tokens = [_pair_token(self.parts[i]) for i in distinct.tolist()]
        ordered = sorted({t for t in tokens if t is not None})
        rank_of = {t: r for r, t in enumerate(ordered)}
        ranks = np.asarray([rank_of[t] if t is not None else -1 for t in tokens], dtype=np.int64)[local]
        owner = np.repeat(np.arange(len(offsets) - 1), np.diff(offsets))
        owner, ranks = _distinct_pairs(owner[ranks >= 0], ranks[ranks >= 0])
        return owner, ranks, ordered

    def _code_keys(self, codes: np.ndarray, key: Callable[[int], str], create: bool) -> np.ndarray:
        """The key id of each code (-1: a key not made, without `create`), each distinct code's key text made once."""
        unique, inverse = np.unique(codes, return_inverse=True)
        return np.asarray([self.key_id(key(c), create) for c in unique.tolist()], dtype=np.int64)[inverse]

    def weights(self, part_ids: np.ndarray) -> np.ndarray:
        return self.table.column("weight")[part_ids]

    def anchors(self, part_ids: np.ndarray) -> np.ndarray:
        return self.table.column("anchor")[part_ids]

    def similarities(self, q_ids: np.ndarray, r_ids: np.ndarray) -> np.ndarray:
        """Part similarity for each (query part id, result part id) row: identical parts score 1 without a look-up,
        the rest come from the part table's memo (`PartTable.memoised_matches`).

        A large call (a batch) asks the memo only for pairs that can relate (`PartTable.related`, else 0), which
        keeps the memo to pairs that score; a small one (a server's single query) asks it for every pair, the
        memo answering pairs it has seen faster than `related` can rule them out."""
        out = (q_ids == r_ids).astype(np.float64)
        differ = q_ids != r_ids
        if len(q_ids) > SMALL_CALL:
            differ &= self.table.related(q_ids, r_ids)
        rows = np.flatnonzero(differ)
        out[rows] = self.table.memoised_matches(q_ids[rows], r_ids[rows])[0]
        return out
