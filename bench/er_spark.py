"""Entity resolution on Spark (local mode) beside DuckDB, on the synthetic world.

The world and its snapshot are built as in `er_world.py` (agency files plus the UN list
in a SQLite store). The same snapshot is resolved by `nexus.resolve` in a DuckDB session
and in a local Spark session sized by `nexus.engine` (driver memory from
NEXUS_ENGINE_MEMORY or the memory available); both are timed from the snapshot to the
entity_id -> canonical_id mapping, Spark's including the start of its JVM. The script
prints both times, their ratio, the load average, and whether the two merge the same
entities; it exits non-zero when they do not.

    .venv/bin/python bench/er_spark.py [--size small|medium] [--seed 7] [--keep DIR]
"""

import os
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from nexus.engine import open_engine
from nexus.resolve import Resolution, resolve

from _common import run_on_world
from er_world import SNAPSHOT, build


def timed_resolve(kind: str, statements: Path, workdir: Path) -> tuple[Resolution, float]:
    started = time.perf_counter()
    with open_engine(kind, workdir=workdir) as engine:
        resolution = resolve(statements, engine=engine)
    return resolution, time.perf_counter() - started


def merged(mapping: pa.Table) -> int:
    sizes = mapping.group_by("canonical_id").aggregate([("entity_id", "count")])
    return int(pc.sum(pc.greater(sizes["entity_id_count"], 1)).as_py() or 0)


def run(folder: Path, size: str, seed: int) -> bool:
    statements = folder / SNAPSHOT
    if not statements.is_file():
        statements = build(folder, size, seed)
    duck, duck_seconds = timed_resolve("duckdb", statements, folder)
    spark, spark_seconds = timed_resolve("spark", statements, folder)
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"{duck.records:,} records on {os.cpu_count()} cores, load average {load} (1 / 5 / 15 min)")
    print("| engine | time | scored pairs | merged entities |\n|---|---|---|---|")
    print(f"| DuckDB | {duck_seconds:.1f} s | {duck.edges.num_rows:,} | {merged(duck.mapping):,} |")
    print(f"| Spark (local) | {spark_seconds:.1f} s | {spark.edges.num_rows:,} | {merged(spark.mapping):,} |")
    print(f"Spark / DuckDB time: {spark_seconds / duck_seconds:.1f}x")
    joined = duck.mapping.join(spark.mapping, "entity_id", right_suffix="_spark")
    differ = joined.filter(pc.not_equal(joined["canonical_id"], joined["canonical_id_spark"]))
    same = spark.mapping.equals(duck.mapping)
    print(f"same clusters: {'yes' if same else 'no'} ({differ.num_rows:,} records mapped differently)")
    return same


def main() -> int:
    return 0 if run_on_world(__doc__.splitlines()[0], run) else 1


if __name__ == "__main__":
    sys.exit(main())
