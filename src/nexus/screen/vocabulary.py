"""Interned name parts and candidate keys, shared by every index segment and query.

A part (an immutable `Part`) gets a small integer id once; per-part weight, anchor flag
and candidate keys are kept in arrays by id, and part-pair similarities are memoised by
id pair, so batch scoring touches Python once per distinct part pair, not per row.
"""

import numpy as np

from nexus.names import AnalyzedName, Part, PartKind
from nexus.names.similarity import is_anchor, part_similarity

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


class Vocabulary:
    def __init__(self) -> None:
        self.parts: list[Part] = []
        self._part_ids: dict[Part, int] = {}
        self._keys: dict[str, int] = {}
        self._part_key_ids: list[list[int]] = []
        self._weights: list[float] = []
        self._anchors: list[bool] = []
        self._similarity: dict[int, float] = {}
        self._starts: list[tuple[int, int, int, bool, bool]] = []
        self._arrays: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    def part_id(self, part: Part) -> int:
        found = self._part_ids.get(part)
        if found is None:
            found = self._part_ids[part] = len(self.parts)
            self.parts.append(part)
            self._part_key_ids.append([self.key_id(k) for k in part_keys(part)])
            self._weights.append(part.weight)
            self._anchors.append(is_anchor(part))
            self._starts.append((
                ord(part.text[:1] or " "), ord(part.skeleton[:1] or "\x00"), ord(part.metaphone[:1] or "\x01"),
                part.kind is PartKind.NUMERIC, bool(part.symbols),
            ))
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

    def _part_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per-part arrays (start codes, weights, anchor flags), rebuilt only when parts were added."""
        if self._arrays is None or len(self._arrays[1]) != len(self.parts):
            self._arrays = (
                np.asarray(self._starts, dtype=np.int64).reshape(-1, 5),
                np.asarray(self._weights, dtype=np.float64),
                np.asarray(self._anchors, dtype=bool),
            )
        return self._arrays

    def weights(self, part_ids: np.ndarray) -> np.ndarray:
        return self._part_arrays()[1][part_ids]

    def anchors(self, part_ids: np.ndarray) -> np.ndarray:
        return self._part_arrays()[2][part_ids]

    def similarities(self, q_ids: np.ndarray, r_ids: np.ndarray) -> np.ndarray:
        """Part similarity for each (query part id, result part id) row."""
        out = np.zeros(len(q_ids))
        starts = self._part_arrays()[0]
        a, b = starts[q_ids], starts[r_ids]
        related = (q_ids == r_ids) | (a[:, :3] == b[:, :3]).any(axis=1) | (a[:, 3:] & b[:, 3:]).astype(bool).any(axis=1)
        rows = np.flatnonzero(related)
        out[rows] = self._related_similarities(q_ids[rows], r_ids[rows])
        return out

    def _related_similarities(self, q_ids: np.ndarray, r_ids: np.ndarray) -> np.ndarray:
        codes = (q_ids.astype(np.int64) << 32) | r_ids.astype(np.int64)
        distinct, inverse = np.unique(codes, return_inverse=True)
        memo = self._similarity
        values = np.empty(len(distinct))
        for i, code in enumerate(distinct.tolist()):
            found = memo.get(code)
            if found is None:
                found = memo[code] = part_similarity(self.parts[code >> 32], self.parts[code & 0xFFFFFFFF])[0]
            values[i] = found
        return values[inverse]
