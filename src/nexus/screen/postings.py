"""Sorted key → row postings in numpy, and the vectorised lookup of many keys at once."""

import numpy as np


class Postings:
    def __init__(self, keys: list[int] | np.ndarray, rows: list[int] | np.ndarray) -> None:
        key_array = np.asarray(keys, dtype=np.int64)
        order = np.argsort(key_array, kind="stable")
        self.keys = key_array[order]
        self.rows = np.asarray(rows, dtype=np.int32)[order]

    def lookup(self, owners: np.ndarray, keys: np.ndarray, max_postings: int) -> tuple[np.ndarray, np.ndarray]:
        """(owner, row) for every posting of every key; keys with more than `max_postings` rows are skipped.

        A key that common (a frequent given name) says little on its own; the pair keys
        carry such names.
        """
        lo = np.searchsorted(self.keys, keys, side="left")
        hi = np.searchsorted(self.keys, keys, side="right")
        counts = hi - lo
        counts[counts > max_postings] = 0
        total = int(counts.sum())
        if total == 0:
            return np.empty(0, np.int64), np.empty(0, np.int32)
        starts = np.repeat(lo - np.cumsum(counts) + counts, counts)
        positions = starts + np.arange(total)
        return np.repeat(owners, counts), self.rows[positions]
