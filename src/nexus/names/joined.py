"""Names compared written as one word, by sound: glued or split words across scripts and spellings.

"حسن ظاهرعويس" (two words glued) is Hassan Dahir Aweys, "Khudai Rahim" is خدايرحيم, "Wali
Jan" is Walijan: a part-by-part alignment cannot see it, but the consonant skeletons of
the parts written one after another agree (a doubled consonant where two parts meet
counts once). Each part keeps a polynomial hash of its plain and its coarse skeleton
(`joined_columns`), and `joined_keys` folds them over a name's parts with numpy, so a
batch compares millions of names without a string per name.
"""

import numpy as np

_BASE = 131
_PRIME = (1 << 31) - 1
_POWERS = np.array([pow(_BASE, k, _PRIME) for k in range(1024)], dtype=np.int64)
#: Names whose joined skeleton has fewer consonants than this are not compared by it.
MIN_JOINED_SKELETON = 4


def _hash(text: str) -> int:
    value = 0
    for char in text:
        value = (value * _BASE + ord(char)) % _PRIME
    return value


def joined_columns(plain: str, coarse: str) -> dict[str, list[int]]:
    """A part's `PartTable` columns for joining: hash, hash without the first letter, length, first and last letter."""
    keys = (plain, coarse)
    return {
        "j_hash": [_hash(k) for k in keys], "j_rest": [_hash(k[1:]) for k in keys], "j_len": [len(k) for k in keys],
        "j_first": [ord(k[0]) if k else -1 for k in keys], "j_last": [ord(k[-1]) if k else -1 for k in keys],
    }


def joined_keys(
    table, offsets: np.ndarray, part_ids: np.ndarray, rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """For each of `rows` (names in CSR `offsets` over `part_ids`): (hashes (n, 2) of the plain and the
    coarse skeleton of the name written as one word, their lengths (n, 2), whether every part is Latin,
    whether a part is in Arabic script)."""
    n = len(rows)
    counts = offsets[rows + 1] - offsets[rows]
    value = np.zeros((n, 2), dtype=np.int64)
    length = np.zeros((n, 2), dtype=np.int64)
    last = np.full((n, 2), -1, dtype=np.int64)
    latin = np.ones(n, dtype=bool)
    arabic = np.zeros(n, dtype=bool)
    col = {name: table.column(name) for name in ("j_hash", "j_rest", "j_len", "j_first", "j_last", "latin", "arabic")}
    for position in range(int(counts.max()) if n else 0):
        at = np.flatnonzero(counts > position)
        part = part_ids[offsets[rows[at]] + position]
        size = col["j_len"][part].astype(np.int64)
        # A doubled consonant where two parts meet counts once.
        merge = (last[at] == col["j_first"][part]) & (size > 0) & (last[at] >= 0)
        add = np.where(merge, col["j_rest"][part], col["j_hash"][part])
        size = np.where(merge, size - 1, size)
        value[at] = (value[at] * _POWERS[np.minimum(size, len(_POWERS) - 1)] + add) % _PRIME
        length[at] += size
        last[at] = np.where(col["j_len"][part] > 0, col["j_last"][part], last[at])
        latin[at] &= col["latin"][part]
        arabic[at] |= col["arabic"][part]
    return value, length, latin, arabic


def joined_sounds(q: tuple, r: tuple, q_parts: np.ndarray, r_parts: np.ndarray, config) -> np.ndarray:
    """The joined-by-sound similarity of name pairs, from `joined_keys` of each side and the part counts.

    Only names with a different number of parts are compared this way (with as many, the
    parts align one to one). The plain skeletons must agree, the coarse ones between a
    Latin name and one in Arabic script.
    """
    (q_value, q_len, q_latin, q_arabic), (r_value, r_len, r_latin, r_arabic) = q, r
    latin = q_latin == r_latin  # both written in Latin script, or neither
    kind = np.where((q_latin & r_arabic) | (q_arabic & r_latin), 1, 0)
    rows = np.arange(len(kind))
    same = (q_value[rows, kind] == r_value[rows, kind]) & (q_len[rows, kind] == r_len[rows, kind])
    same &= (q_len[rows, kind] >= MIN_JOINED_SKELETON) & (q_parts != r_parts)
    return np.where(same, np.where(latin, config.phonetic_score, config.cross_script_phonetic_score), 0.0)
