"""Names split into tokens at every run of characters that is not a letter, a digit or a combining mark.

Arrow splits a column with RE2 (`[^\\p{L}\\p{N}\\p{M}]+`), but compiles that pattern's Unicode
classes again at every call: about 2.4 ms, which is most of the cost of a column of one name
(a server screening one name per request). Once `warm()` has run (a server's start-up: it takes
0.4 s), a small column is split in Python instead, with a pattern whose character class is RE2's
own answer for every code point, so the two ways split every string alike.
"""

import functools
import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

TOKEN_SEPARATOR = r"[^\p{L}\p{N}\p{M}]+"
SMALL = 256  # columns up to this many names are split in Python


def split_tokens(names: pa.Array) -> pa.ListArray:
    """As `pc.split_pattern_regex(names, TOKEN_SEPARATOR)`: a list of tokens per name (empty strings where a
    name starts or ends with a separator), null for null."""
    if len(names) > SMALL or not _separator.cache_info().currsize:
        return pc.split_pattern_regex(names, TOKEN_SEPARATOR)
    separator = _separator()
    return pa.array([None if name is None else separator.split(name) for name in names.to_pylist()],
                    pa.list_(pa.string()))


def warm() -> None:
    """Split small columns in Python from now on."""
    _separator()


@functools.cache
def _separator() -> re.Pattern:
    """RE2's separator class as one Python character class. RE2 is asked about the planes that hold letters,
    digits or marks (0-3, and the variation selectors of plane 14); every other code point is unassigned or
    private use, a separator (a test checks every code point)."""
    points = np.r_[np.arange(0x40000), np.arange(0xE0000, 0xE1000)]
    points = points[(points < 0xD800) | (points > 0xDFFF)]
    widths = np.select([points < 0x80, points < 0x800, points < 0x10000], [1, 2, 3], 4)
    offsets = np.zeros(len(points) + 1, dtype=np.int32)
    np.cumsum(widths, out=offsets[1:])
    data = "".join(map(chr, points.tolist())).encode("utf-8")
    chars = pa.StringArray.from_buffers(len(points), pa.py_buffer(offsets.tobytes()), pa.py_buffer(data))
    separates = pc.match_substring_regex(chars, f"^{TOKEN_SEPARATOR[:-1]}$").to_numpy(zero_copy_only=False)
    chosen = points[separates]
    breaks = np.flatnonzero(np.diff(chosen) != 1)
    starts, ends = chosen[np.r_[0, breaks + 1]], chosen[np.r_[breaks, len(chosen) - 1]]
    ranges = "".join(re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
                     for a, b in zip(starts.tolist(), ends.tolist()))
    return re.compile(f"[{ranges}\U00040000-\U000DFFFF\U000E1000-\U0010FFFF]+")
