"""Interned name parts and candidate keys, shared by every index segment and query.

A part (an immutable `Part`) gets a small integer id once; per-part weight, anchor flag
and candidate keys are kept in arrays by id, and part-pair similarities are memoised by
id pair, so batch scoring touches Python once per distinct part pair, not per row.
"""

import numpy as np

from nexus.names import AnalyzedName, Part, PartKind
from nexus.names.part_table import PartTable

_KEYED_KINDS = frozenset({PartKind.NAME, PartKind.PATRONYMIC, PartKind.NUMERIC})
_SYMBOL_PREFIXES = ("[NAME:", "[NICK:")
MAX_PAIR_PARTS = 6


def part_keys(part: Part) -> list[str]:
    """Single-part candidate keys: text, consonant skeleton, metaphone, given-name symbols."""
    if part.kind not in _KEYED_KINDS:
        return []
    keys = [f"t:{part.text}"]
    if len(part.skeleton) >= 2:
        keys.append(f"s:{part.skeleton}")
    if len(part.metaphone) >= 3:
        keys.append(f"m:{part.metaphone}")
    keys.extend(f"y:{s}" for s in part.symbols if s.startswith(_SYMBOL_PREFIXES))
    return keys


def pair_keys(name: AnalyzedName) -> list[str]:
    """Keys for two name parts together (unordered, by skeleton): selective where single parts are common."""
    skeletons = sorted({p.skeleton or p.text for p in name.parts if p.kind in _KEYED_KINDS})[:MAX_PAIR_PARTS]
    return [f"p:{a}|{b}" for i, a in enumerate(skeletons) for b in skeletons[i + 1 :]]


#: New pairs are memoised in batches of at least this many: inserting into a memo of
#: millions costs milliseconds, more than a single query's few pairs take to score.
MEMO_MIN_NEW = 256


class Vocabulary:
    def __init__(self) -> None:
        self.table = PartTable()
        self._keys: dict[str, int] = {}
        self._part_key_ids: list[list[int]] = []
        # Memoised similarities of related, non-identical part pairs: sorted (id << 32 | id) codes.
        self._memo_codes = np.empty(0, dtype=np.int64)
        self._memo_values = np.empty(0, dtype=np.float64)

    @property
    def parts(self) -> list[Part]:
        return self.table.parts

    def part_id(self, part: Part) -> int:
        known = len(self.table)
        found = self.table.add(part)
        if found == known:
            self._part_key_ids.append([self.key_id(k) for k in part_keys(part)])
        return found

    def key_id(self, key: str, create: bool = True) -> int:
        found = self._keys.get(key)
        if found is None:
            if not create:
                return -1
            found = self._keys[key] = len(self._keys)
        return found

    def keys_of_part(self, part_id: int) -> list[int]:
        return self._part_key_ids[part_id]

    def weights(self, part_ids: np.ndarray) -> np.ndarray:
        return self.table.column("weight")[part_ids]

    def anchors(self, part_ids: np.ndarray) -> np.ndarray:
        return self.table.column("anchor")[part_ids]

    def similarities(self, q_ids: np.ndarray, r_ids: np.ndarray) -> np.ndarray:
        """Part similarity for each (query part id, result part id) row.

        Identical parts score 1 and parts that cannot relate 0 without a look-up; the
        rest come from the memo, and pairs never seen before are scored by the part
        table, once each.
        """
        out = (q_ids == r_ids).astype(np.float64)
        rows = np.flatnonzero((q_ids != r_ids) & self.table.related(q_ids, r_ids))
        codes = (q_ids[rows].astype(np.int64) << 32) | r_ids[rows].astype(np.int64)
        out[rows] = self._memoised(codes)
        return out

    def _memoised(self, codes: np.ndarray) -> np.ndarray:
        at = np.searchsorted(self._memo_codes, codes)
        known = at < len(self._memo_codes)
        known[known] = self._memo_codes[at[known]] == codes[known]
        values = np.empty(len(codes))
        values[known] = self._memo_values[at[known]]
        if not known.all():
            missing, inverse = np.unique(codes[~known], return_inverse=True)
            computed = self.table.similarities(missing >> 32, missing & 0xFFFFFFFF)
            values[~known] = computed[inverse]
            if len(missing) < MEMO_MIN_NEW:
                return values
            position = np.searchsorted(self._memo_codes, missing)
            self._memo_codes = np.insert(self._memo_codes, position, missing)
            self._memo_values = np.insert(self._memo_values, position, computed)
        return values
