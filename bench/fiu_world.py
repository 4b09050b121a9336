"""Typologies on the synthetic world's bank feed: per-typology recall of the planted attempts and alert precision.

The world (`nexus.synth`, small or medium) writes the banks' feed — its population's
payments, the nexus bridges' mule payments and planted attempts of every typology and red flag —
with the attempts in `truth/patterns.txt` (AMLworld's Patterns format). The whole world is loaded into a
temporary store (the feed into its ledger; the agencies' files, among them the FIU's accounts and holders
and the PIU's passenger messages, which the flag on savings drained before travel reads, as statements)
and resolved, as `make demo` does; every typology and red flag runs (`service.detect.detect`, DuckDB, as
the joint cell's lead sees the data) and `synth.evaluate.typology_quality` scores the alerts: an
attempt is found when one alert of its typology cites at least half of its rows; precision is
the share of alerts on some attempt. Baseline in the same run: a plain DuckDB query without
time windows — accounts with at least `fan_degree` distinct counterparties over the whole feed —
scored the same way against the fan attempts.

    .venv/bin/python bench/fiu_world.py [--size small|medium] [--seed 7]
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

import duckdb
from _common import targets_met

from nexus.detect import TYPOLOGIES
from nexus.service.detect import detect
from nexus.service.resolution import resolve_store
from nexus.service.synthetic import demo_lead, load_world, world_loader
from nexus.store import Store
from nexus.synth import generate
from nexus.synth.evaluate import typology_quality

TARGET = 0.9
BASELINE = """
WITH t AS (
    SELECT "From Bank" || '/' || "Account" AS payer, "To Bank" || '/' || "Account_1" AS payee,
           row_number() OVER () + 1 AS line
    FROM read_csv(?, header = true, all_varchar = true)
),
wide AS (
    SELECT payer AS account, 'fan-out' AS name FROM t GROUP BY payer HAVING count(DISTINCT payee) >= ?
    UNION ALL
    SELECT payee, 'fan-in' FROM t GROUP BY payee HAVING count(DISTINCT payer) >= ?
)
SELECT w.name, list(t.line) AS lines
FROM wide AS w JOIN t ON (w.name = 'fan-out' AND t.payer = w.account) OR (w.name = 'fan-in' AND t.payee = w.account)
GROUP BY w.name, w.account
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="small", choices=("small", "medium"))
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fiu-world-") as tmp:
        folder = Path(tmp)
        manifest = generate(folder / "world", args.seed, args.size)
        (feed,) = manifest.feeds
        store = Store.open(url=f"sqlite:///{folder / 'nexus.db'}")
        try:
            analyst = demo_lead(store, "benchmark")
            started = time.perf_counter()
            load_world(store, world_loader("benchmark"), folder / "world", manifest, home=folder / "home")
            resolve_store(store, analyst, snapshot_dir=folder / "home")
            loaded = time.perf_counter() - started
            started = time.perf_counter()
            alerts = detect(store, analyst, folder / "home")
            detected = time.perf_counter() - started
        finally:
            store.close()
        quality = typology_quality(folder / "world", feed.path, manifest.truth["patterns"], alerts)
        with duckdb.connect() as conn:
            rows = conn.execute(BASELINE, [str(folder / "world" / feed.path), TYPOLOGIES.fan_degree,
                                           TYPOLOGIES.fan_degree]).fetchall()
        naive = typology_quality(folder / "world", feed.path, manifest.truth["patterns"],
                                 [{"name": name, "transactions": [f"tx-x-{line}" for line in lines]} for name, lines in rows])
    print(f"{args.size} world seed {args.seed}: {feed.counts['records']:,} payments and the agencies' files loaded and "
          f"resolved in {loaded:.1f} s; {len(alerts):,} typology and red-flag alerts in {detected:.1f} s")
    print("| typology | planted | found (recall) | baseline: degree over the whole feed |\n|---|---|---|---|")
    for kind, planted in sorted(quality.planted.items()):
        base = f"{naive.found.get(kind, 0)} ({naive.recall(kind):.2f})" if kind.startswith("fan") else "—"
        print(f"| {kind} | {planted} | {quality.found.get(kind, 0)} ({quality.recall(kind):.2f}) | {base} |")
    print(f"alert precision (on a planted attempt): **{quality.precision:.3f}** of {quality.alerts:,}; "
          f"baseline {naive.precision:.3f} of {naive.alerts:,}")
    print("per detector (the sanctions flags fire on the listed holders' everyday money, which no one planted): "
          + ", ".join(f"{name} {on}/{n}" for name, (n, on) in sorted(quality.by_name.items())))
    return 0 if targets_met({kind: quality.recall(kind) for kind in quality.planted},
                            dict.fromkeys(quality.planted, TARGET)) else 1


if __name__ == "__main__":
    sys.exit(main())
