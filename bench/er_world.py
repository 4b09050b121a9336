"""Entity resolution on the synthetic world: person clusters against its ground truth.

The world (`nexus.synth.generate`) is written, each agency file is registered with the
labels its manifest suggests and ingested into a temporary SQLite store through
`nexus.ingest`, together with the UN list when /work/shared is present (as `nexus demo`
does: list entries are not in the truth, so they only count when they chain two agency
records). The store's statements are snapshotted to Parquet and `nexus.resolve.resolve`
is timed from the snapshot to the entity_id -> canonical_id mapping. Person clusters are
scored pairwise on the truth (`nexus.synth.evaluate.resolution_quality`) beside a
baseline in the same run: records with the same lower-cased name and the same full date
of birth.

    .venv/bin/python bench/er_world.py [--size small|medium] [--seed 7] [--keep DIR]

``--keep DIR`` keeps the world and the snapshot in DIR and reuses them on the next run.
The script exits non-zero when a target is missed.
"""

import sys
import time
from pathlib import Path

import duckdb
import pyarrow as pa

from nexus.engine import take_snapshot
from nexus.ingest import ingest
from nexus.model.labels import Classification, Labels
from nexus.resolve import resolve
from nexus.resolve.evaluate import PairScores
from nexus.sources import get_format
from nexus.store import Store
from nexus.synth import generate
from nexus.synth.evaluate import resolution_quality
from nexus.synth.load import load_world

from _common import UN_LIST, run_on_world, targets_met

TARGETS = {"precision": 0.95, "recall": 0.85}
SNAPSHOT = "snapshot/statements.parquet"

# One cluster per (lower-cased full name, full date of birth); records without either stay alone.
BASELINE_SQL = """
WITH people AS (
  SELECT entity_id,
         lower(coalesce(min(value) FILTER (WHERE prop = 'name'),
                        min(value) FILTER (WHERE prop = 'firstName') || ' ' || min(value) FILTER (WHERE prop = 'lastName')))
           AS name,
         min(value) FILTER (WHERE prop = 'birthDate') AS birth_date
  FROM read_parquet(?) WHERE schema = 'Person' GROUP BY entity_id
)
SELECT entity_id,
       coalesce(name || '|' || CASE WHEN length(birth_date) = 10 THEN birth_date END, entity_id)
         AS canonical_id
FROM people
"""


def build(folder: Path, size: str, seed: int) -> Path:
    """Generate the world into ``folder``, ingest it into a SQLite store there, snapshot it."""
    started = time.perf_counter()
    manifest = generate(folder / "world", seed, size)
    store = Store.open(url=f"sqlite:///{folder / 'nexus.db'}")
    try:
        load_world(store, folder / "world", manifest)
        if UN_LIST.is_file():
            store.register_source("un-sc", "un-sc", Labels(agency="UNSC", classification=Classification.UNCLASSIFIED),
                                  is_list=True)
            ingest(store, "un-sc", UN_LIST, get_format("un-sc").read(UN_LIST))
        snapshot = take_snapshot(store, folder / Path(SNAPSHOT).parent)
    finally:
        store.close()
    print(f"world {size} seed {seed}: {manifest.counts['records']:,} records, {snapshot.rows:,} statements "
          f"(generated and ingested in {time.perf_counter() - started:.0f} s)")
    return folder / SNAPSHOT


def baseline(statements: Path) -> pa.Table:
    with duckdb.connect() as conn:
        return conn.execute(BASELINE_SQL, [str(statements)]).to_arrow_table()


def row(system: str, scores: PairScores, seconds: float) -> str:
    return (f"| {system} | {scores.precision:.4f} | {scores.recall:.4f} | **{scores.f1:.4f}** | "
            f"{seconds:.1f} s |")


def run(folder: Path, size: str, seed: int) -> bool:
    statements = folder / SNAPSHOT
    if not statements.is_file():
        statements = build(folder, size, seed)
    world = folder / "world"

    started = time.perf_counter()
    resolution = resolve(statements)
    nexus_seconds = time.perf_counter() - started
    nexus = resolution_quality(world, resolution.mapping)

    started = time.perf_counter()
    exact = baseline(statements)
    baseline_seconds = time.perf_counter() - started
    reference = resolution_quality(world, exact)

    print(f"resolved {resolution.records:,} person and organisation records; "
          f"{resolution.edges.num_rows:,} scored pairs")
    print("| system | precision | recall | F1 | time |\n|---|---|---|---|---|")
    print(row("nexus.resolve (Splink, DuckDB)", nexus, nexus_seconds))
    print(row("exact name + dob", reference, baseline_seconds))
    print(f"pairs: {nexus.true_positives:,} right of {nexus.predicted:,} predicted, {nexus.actual:,} true")
    return targets_met({name: getattr(nexus, name) for name in TARGETS}, TARGETS)


def main() -> int:
    return 0 if run_on_world(__doc__.splitlines()[0], run) else 1


if __name__ == "__main__":
    sys.exit(main())
