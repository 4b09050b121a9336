"""Key → row postings in numpy (CSR by key id), and the vectorised lookup of many keys at once."""

import numpy as np


class Postings:
    def __init__(self, keys: list[int] | np.ndarray, rows: list[int] | np.ndarray) -> None:
        key_array = np.asarray(keys, dtype=np.int64)
        order = np.argsort(key_array, kind="stable")
        self.rows = np.asarray(rows, dtype=np.int32)[order]
        # Key ids are small dense integers (the vocabulary's), so a key's postings are found by index.
        self.starts = np.zeros(int(key_array.max()) + 2 if len(key_array) else 1, dtype=np.int64)
        np.cumsum(np.bincount(key_array, minlength=len(self.starts) - 1), out=self.starts[1:])
        self.row_count = int(self.rows.max()) + 1 if len(self.rows) else 0

    def lookup(self, owners: np.ndarray, keys: np.ndarray, max_postings: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(owner, row, weight) for every posting of every key; keys with more than `max_postings` rows are skipped.

        A key that common (a frequent given name) says little on its own; the pair keys
        carry such names. The weight is the key's rarity, log(1 + rows / its postings).
        """
        known = keys < len(self.starts) - 1  # keys made after this segment have no postings in it
        lo = np.zeros(len(keys), dtype=np.int64)
        lo[known] = self.starts[keys[known]]
        counts = np.zeros(len(keys), dtype=np.int64)
        counts[known] = self.starts[keys[known] + 1] - lo[known]
        counts[counts > max_postings] = 0
        total = int(counts.sum())
        if total == 0:
            return np.empty(0, np.int64), np.empty(0, np.int32), np.empty(0)
        starts = np.repeat(lo - np.cumsum(counts) + counts, counts)
        positions = starts + np.arange(total)
        rarity = np.log1p(max(self.row_count, 1) / np.maximum(counts, 1))
        return np.repeat(owners, counts), self.rows[positions], np.repeat(rarity, counts)
