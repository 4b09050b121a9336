"""Interned name parts and candidate keys, shared by every index segment and query.

A part (an immutable `Part`) gets a small integer id once; per-part weight, anchor flag
and candidate keys are kept in arrays by id, and part-pair similarities are memoised by
id pair, so batch scoring touches Python once per distinct part pair, not per row.
"""

import numpy as np

from nexus.names import Part, PartKind
from nexus.names.part_table import PartTable, deletions
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
        tails = self.table.column("tail")
        for new in range(len(self._part_key_ids), len(self.table)):  # the part, and a compound's tail before it
            keys = [self.key_id(k) for k in part_keys(self.table.parts[new])]
            tail = int(tails[new])
            self._part_key_ids.append(keys + self._part_key_ids[tail] if tail != new else keys)
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

    def single_keys(self, offsets: np.ndarray, part_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(name row, key id) for every distinct single-part key of every name (CSR `offsets` over `part_ids`)."""
        distinct, local = np.unique(part_ids, return_inverse=True)
        key_lists = [self._part_key_ids[i] for i in distinct.tolist()]
        counts = np.asarray([len(k) for k in key_lists], dtype=np.int64)
        flat = np.fromiter((k for keys in key_lists for k in keys), dtype=np.int64, count=int(counts.sum()))
        per = counts[local]
        owner = np.repeat(np.repeat(np.arange(len(offsets) - 1), np.diff(offsets)), per)
        keys = flat[np.repeat(np.cumsum(counts)[local] - per, per) + run_ranks(per)]
        return _distinct_pairs(owner, keys)

    def pair_keys(self, offsets: np.ndarray, part_ids: np.ndarray, create: bool) -> tuple[np.ndarray, np.ndarray]:
        """(name row, key id) for every part-pair key of every name (CSR `offsets` over `part_ids`).

        A pair key joins the pair tokens (skeleton, else text) of two keyed parts, unordered;
        a name gives one for every two of its first MAX_PAIR_PARTS distinct tokens in sorted
        order. They are selective where single parts are common. Without `create`, pairs the vocabulary has never seen (so no list name has) are left out.
        """
        distinct, local = np.unique(part_ids, return_inverse=True)
        tokens = [_pair_token(self.parts[i]) for i in distinct.tolist()]
        ordered = sorted({t for t in tokens if t is not None})
        rank_of = {t: r for r, t in enumerate(ordered)}
        ranks = np.asarray([rank_of[t] if t is not None else -1 for t in tokens], dtype=np.int64)[local]
        owner = np.repeat(np.arange(len(offsets) - 1), np.diff(offsets))
        owner, ranks = _distinct_pairs(owner[ranks >= 0], ranks[ranks >= 0])
        starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]]) if len(owner) else np.empty(0, np.int64)
        position = np.arange(len(owner)) - np.repeat(starts, np.diff(np.r_[starts, len(owner)]))
        owner, ranks, position = owner[position < MAX_PAIR_PARTS], ranks[position < MAX_PAIR_PARTS], position[position < MAX_PAIR_PARTS]
        size = np.minimum(np.bincount(owner, minlength=len(offsets) - 1), MAX_PAIR_PARTS)[owner]
        later = size - 1 - position  # partners after each element in its name
        first = np.repeat(np.arange(len(owner)), later)
        second = first + 1 + run_ranks(later)
        codes = ranks[first] * len(ordered) + ranks[second]
        unique, inverse = np.unique(codes, return_inverse=True)
        ids = np.asarray(
            [self.key_id(f"p:{ordered[c // len(ordered)]}|{ordered[c % len(ordered)]}", create) for c in unique.tolist()],
            dtype=np.int64,
        )[inverse]
        return owner[first][ids >= 0], ids[ids >= 0]

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
