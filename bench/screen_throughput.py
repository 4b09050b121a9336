"""Screening throughput: 1,000,000 synthetic names against the UN list plus a 100,000-entry synthetic list.

    .venv/bin/python bench/screen_throughput.py [--queries 1000000] [--watchlist 100000]

Prints batch names/s, wall time and peak memory, single-query p50/p99, and beside them
logic-v2's rate on a 2,000-name sample (pairwise scoring against 25 list entries per
name; logic-v2 has no candidate generation of its own, so this is its best case).
Names come from nexus.synth's name parts (bench/_common.py); 2% of the queries are list
entries respelled with other variants (Mohammed/Muhammad, Müller/Mueller), so there are
real hits to find.
"""

import argparse
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
from _common import (
    UN_LIST,
    MemorySampler,
    logic_v2_scorer,
    name_pools,
    peak_rss_bound_gb,
    require,
    synthetic_names,
    timed,
    variant_spelling,
)

from nexus.screen import Query, ScreenIndex, screen_batch, screen_one
from nexus.sources.un_sc import UNSCFormat


def watchlist_rows(names: np.ndarray, rng: np.random.Generator) -> pa.Table:
    n = len(names)
    ids = np.char.add("syn-", np.arange(n).astype(str))
    years = rng.integers(1940, 2000, n).astype(str)
    dobs = np.char.add(np.char.add(years, "-0"), rng.integers(1, 10, n).astype(str))
    return pa.table({
        "canonical_id": np.concatenate([ids, ids]),
        "schema": np.full(2 * n, "Person"),
        "prop": np.concatenate([np.full(n, "name"), np.full(n, "birthDate")]),
        "prop_type": np.concatenate([np.full(n, "name"), np.full(n, "date")]),
        "value": np.concatenate([names, dobs]),
        "source": np.full(2 * n, "synthetic-watchlist"),
    })


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--queries", type=int, default=1_000_000)
    parser.add_argument("--watchlist", type=int, default=100_000)
    args = parser.parse_args()
    rng = np.random.default_rng(42)
    given, family, variants = name_pools()
    listed = synthetic_names(rng, args.watchlist, given, family)

    index = ScreenIndex()
    with timed("index UN list"):
        index.add_entities("un-sc", [e for r in UNSCFormat().read(require(Path(UN_LIST))) for e in r.entities])
    with timed(f"index {args.watchlist:,} synthetic entries"):
        index.add_statements(watchlist_rows(listed, rng))

    planted = int(args.queries * 0.02)
    queries = np.concatenate([
        variant_spelling(rng, listed[rng.integers(0, len(listed), planted)], variants),
        synthetic_names(rng, args.queries - planted, given, family),
    ])
    # Queries as an Arrow table, as `nexus screen` reads a CSV; numpy's fixed-width strings would hold 0.5 GB.
    frame = pa.table({"id": pa.array(np.arange(len(queries)).astype(str)), "name": pa.array(queries), "schema": pa.array(["Person"] * len(queries))})
    sample = queries[rng.integers(0, len(queries), 3000)].tolist()
    del queries

    single = []
    for name in sample[:1000]:
        start = time.perf_counter()
        screen_one(index, Query(name, schema="Person"))
        single.append(time.perf_counter() - start)

    with MemorySampler() as memory:
        start = time.perf_counter()
        hits = screen_batch(index, frame)
        elapsed = time.perf_counter() - start
    found = len(set(hits.column("query_id").to_pylist()) & set(map(str, range(planted))))

    v2 = logic_v2_scorer()
    start = time.perf_counter()
    for name in sample[1000:]:
        for other in listed[rng.integers(0, len(listed), 25)].tolist():
            v2("Person", name, other)
    v2_rate = len(sample[1000:]) / (time.perf_counter() - start)

    print(f"\nindex: {len(index):,} entities; queries: {frame.num_rows:,} ({planted:,} planted respellings)")
    print(f"nexus batch:   {elapsed:.1f} s, {frame.num_rows / elapsed:,.0f} names/s, {hits.num_rows:,} hits, "
          f"planted found {found / planted:.3f}")
    print(f"memory:        peak {memory.peak_gb:.2f} GB (PSS of the process and its workers, sampled); "
          f"RSS upper bound {peak_rss_bound_gb():.2f} GB")
    print(f"nexus single:  p50 {np.percentile(single, 50) * 1000:.1f} ms, p99 {np.percentile(single, 99) * 1000:.1f} ms")
    print(f"logic-v2:      {v2_rate:,.0f} names/s (2,000 names x 25 list entries, scoring only)")


if __name__ == "__main__":
    main()
