"""A small column of names is split in Python exactly as Arrow's RE2 splits a large one."""

import random

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from nexus.names import tokens


def test_the_python_separator_agrees_with_re2_on_every_code_point():
    points = np.arange(0x110000)
    points = points[(points < 0xD800) | (points > 0xDFFF)].tolist()
    chars = pa.array([chr(p) for p in points])
    re2 = pc.match_substring_regex(chars, r"^[^\p{L}\p{N}\p{M}]$").to_numpy(zero_copy_only=False)
    separator = tokens._separator()
    python = np.fromiter((separator.fullmatch(chr(p)) is not None for p in points), bool, len(points))
    assert (re2 == python).all(), [hex(points[i]) for i in np.flatnonzero(re2 != python)[:10]]


def test_small_and_large_columns_split_alike():
    rng = random.Random(5)
    names = ["JAMES SMITH", " leading", "trailing ", "", None, "a--b", "O'Brien, Pat", "Müller-Lüdenscheidt",
             "محمد بن سلمان", "李 小龍", "e\u0301tienne", "x\u200by", "tab\there", "١٢٣ abc", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 fun"]
    names += ["".join(chr(rng.choice([rng.randrange(32, 0xD000), rng.randrange(0x10000, 0x30000), 32, 45]))
                      for _ in range(rng.randrange(12))) for _ in range(2000)]
    column = pa.array(names)
    tokens.warm()
    for start in range(0, len(names), tokens.SMALL):
        part = column.slice(start, tokens.SMALL)
        assert tokens.split_tokens(part).to_pylist() == pc.split_pattern_regex(part, tokens.TOKEN_SEPARATOR).to_pylist()
