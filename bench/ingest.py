"""Ingest throughput and memory on the synthetic world, on SQLite and PostgreSQL.

    .venv/bin/python bench/ingest.py [--size medium] [--seed 1] [--postgres URL]

Each backend loads every file of the world in a fresh process, into an empty database;
its peak memory is the proportional set size (PSS) of that process, sampled while it
loads. (`ru_maxrss` would not do: Linux carries the parent's peak RSS, which includes
generating the worlds, across fork and exec into the child's.) The baseline, measured in the same run, is parsing alone: the
same files read to statements with nothing stored, the ceiling the store can approach.
Memory must not grow with file size: the small world's peak is printed beside the
requested one.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy
from _common import MemorySampler

from nexus.model.statements import statement_values
from nexus.sources import get_format
from nexus.store import Store
from nexus.synth import WorldManifest, generate
from nexus.synth.load import load_world

OUT = Path(__file__).parent / "out"
POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def world(size: str, seed: int) -> tuple[Path, WorldManifest]:
    folder = OUT / f"world-{size}-{seed}"
    manifest_path = folder / "manifest.json"
    if not manifest_path.exists():
        generate(folder, seed, size)
    return folder, WorldManifest.load(manifest_path)


def records(folder: Path, item):
    path = folder / item.path
    options = {"mapping": folder / item.mapping} if item.mapping else {}
    return path, get_format(item.format).read(path, **options)


def run_parse(folder: Path, manifest: WorldManifest) -> dict:
    count, started = 0, time.perf_counter()
    for item in manifest.files:
        path, recs = records(folder, item)
        for record in recs:
            for proxy in record.entities:
                count += sum(1 for _ in statement_values(proxy, item.source))
    return {"statements": count, "seconds": time.perf_counter() - started}


def run_ingest(folder: Path, manifest: WorldManifest, url: str) -> dict:
    store = Store.open(url=url)
    started = time.perf_counter()
    count = sum(r.statements for r in load_world(store, folder, manifest))
    return {"statements": count, "seconds": time.perf_counter() - started}


def worker(args) -> None:
    folder, manifest = world(args.size, args.seed)
    with MemorySampler() as memory:
        result = run_parse(folder, manifest) if args.worker == "parse" else run_ingest(folder, manifest, args.url)
    result["peak_mb"] = memory.peak_gb * 1024
    print(json.dumps(result))


def measure(kind: str, size: str, seed: int, url: str = "") -> dict:
    cmd = [sys.executable, __file__, "--worker", kind, "--size", size, "--seed", str(seed), "--url", url]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def fresh_postgres(url: str) -> str:
    schema = f"bench_{os.getpid()}"
    engine = sqlalchemy.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    return f"{url}?options=-csearch_path%3D{schema}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="medium")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--postgres", default=POSTGRES)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--url", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args)
    OUT.mkdir(exist_ok=True)
    world(args.size, args.seed)
    world("small", args.seed)
    baseline = measure("parse", args.size, args.seed)
    base_rate = baseline["statements"] / baseline["seconds"]
    print(f"world {args.size} seed {args.seed}: {baseline['statements']:,} statements")
    print(f"baseline (parse only, nothing stored): {base_rate:,.0f} statements/s, peak {baseline['peak_mb']:.0f} MB")
    with tempfile.TemporaryDirectory() as tmp:
        backends = {
            "sqlite": lambda: f"sqlite:///{tmp}/{time.monotonic_ns()}.db",
            "postgres": lambda: fresh_postgres(args.postgres),
        }
        for name, url in backends.items():
            big = measure("ingest", args.size, args.seed, url())
            small = measure("ingest", "small", args.seed, url())
            rate = big["statements"] / big["seconds"]
            print(
                f"{name:8s} ingest: {rate:,.0f} statements/s ({rate / base_rate:.2f}× parse-only), "
                f"peak {big['peak_mb']:.0f} MB for {args.size} vs {small['peak_mb']:.0f} MB for small "
                f"({big['peak_mb'] / small['peak_mb']:.2f}×)"
            )


if __name__ == "__main__":
    main()
