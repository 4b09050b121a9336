"""Transaction-feed ingest into the ledger, and the typologies over it, beside plain DuckDB queries.

Writes an AMLworld-format CSV of N transactions (default 5,000,000; seeded; accounts drawn
from a pool of N/10 across 30 banks, amounts log-normal, a few rows deliberately broken),
then loads it with `service.ledger.ingest_transactions` into a temporary SQLite store (the
ledger's Parquet files batch by batch, the accounts' statements as the run completes). Baseline in the
same run: DuckDB's `read_csv` of the same file, counting rows and summing amounts. Then every
typology (`nexus.detect.run_typologies`, DuckDB) and the built-in red-flag rules over the ledger
as an analyst sees it, timed
and with its peak memory, beside a plain DuckDB query over the same view (payments per account).

    .venv/bin/python bench/fiu_ingest.py [--rows 5000000]
"""

import argparse
import sys
from collections import Counter
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
from _common import MemorySampler, targets_met

from nexus.security.viewer import Viewer
from nexus.service.ingest import LabelChanges
from nexus.detect import run_typologies
from nexus.detect.red_flags import builtin_rules, red_flag_findings
from nexus.service.ledger import ingest_transactions, ledger_session
from nexus.sources.amlworld import COLUMNS, HEADER
from nexus.store import Store

TARGETS = {"rows_per_second": 500_000, "detect_seconds": 120.0, "detect_gb": 8.0}
FORMATS = np.array(["ACH", "Cheque", "Credit Card", "Wire", "Cash", "Reinvestment", "Bitcoin"])
CURRENCIES = np.array(["US Dollar", "Euro", "UK Pound", "Yuan", "Rupee", "Saudi Riyal"])


def write_feed(path: Path, rows: int, seed: int = 7) -> None:
    rng = np.random.default_rng(seed)
    pool = max(10, rows // 10)
    banks = rng.integers(1, 30, pool).astype(str)
    numbers = np.char.upper(np.char.mod("%09x", rng.integers(0, 16**9, pool)))
    start = np.datetime64("2022-09-01T00:00")
    with path.open("w") as fh:
        fh.write(",".join(HEADER) + "\n")
        for offset in range(0, rows, 500_000):
            n = min(500_000, rows - offset)
            a, b = rng.integers(0, pool, n), rng.integers(0, pool, n)
            minutes = np.sort(rng.integers(0, 60 * 24 * 18, n)).astype("timedelta64[m]") + start
            stamps = np.char.replace(np.datetime_as_string(minutes, unit="m"), "-", "/")
            stamps = np.char.replace(stamps, "T", " ")
            amounts = np.char.mod("%.2f", rng.lognormal(6, 2, n))
            currency = CURRENCIES[rng.integers(0, len(CURRENCIES), n)]
            laundering = (rng.random(n) < 0.001).astype(int).astype(str)
            columns = [stamps, banks[a], numbers[a], banks[b], numbers[b], amounts, currency, amounts, currency,
                       FORMATS[rng.integers(0, len(FORMATS), n)], laundering]
            lines = columns[0]
            for column in columns[1:]:
                lines = np.char.add(np.char.add(lines, ","), column)
            if offset == 0:
                lines[1] = lines[1].replace(",", ",,", 1)  # a broken row, reported by line
            fh.write("\n".join(lines.tolist()) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fiu-ingest-") as tmp:
        folder = Path(tmp)
        feed = folder / "transactions.csv"
        started = time.perf_counter()
        write_feed(feed, args.rows)
        print(f"{args.rows:,} transactions written ({feed.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - started:.0f} s")
        started = time.perf_counter()
        with duckdb.connect() as conn:
            count, total = conn.execute(f"SELECT count(*), sum(TRY_CAST(amount_paid AS DOUBLE)) FROM read_csv(?, header = true, "
                                        f"names = {list(COLUMNS)}, all_varchar = true, ignore_errors = true)", [str(feed)]).fetchone()
        baseline = time.perf_counter() - started
        print(f"baseline, DuckDB read_csv (count and sum): {count:,} rows in {baseline:.1f} s, "
              f"{count / baseline:,.0f} rows/s")
        store = Store.open(url=f"sqlite:///{folder / 'nexus.db'}")
        viewer = Viewer("bench", "FIU", frozenset({"analyst"}), 4)
        try:
            with MemorySampler() as memory:
                started = time.perf_counter()
                result = ingest_transactions(store, viewer, feed, "bank", folder / "home", LabelChanges(agency="FIU"))
                seconds = time.perf_counter() - started
            with MemorySampler() as detect_memory, ledger_session(store, viewer, folder / "home") as session:
                started = time.perf_counter()
                accounts = session.run("table_rows", names={"source_table": "transactions"}).num_rows
                scan = time.perf_counter() - started
                started = time.perf_counter()
                findings = run_typologies(session)
                typology_seconds = time.perf_counter() - started
                findings += red_flag_findings(session, builtin_rules())
                detect_seconds = time.perf_counter() - started
        finally:
            store.close()
        rate = args.rows / seconds
        print(f"nexus ingest into the ledger: {args.rows:,} rows in {seconds:.1f} s, {rate:,.0f} rows/s "
              f"(×{rate / (count / baseline):.2f} read_csv), peak {memory.peak_gb:.2f} GB; {result.entities:,} accounts, "
              f"{result.statements:,} statements, {len(result.errors)} bad rows")
        names = Counter(f.name for f in findings)
        print(f"typologies and red-flag rules over the ledger: {detect_seconds:.1f} s (typologies "
              f"{typology_seconds:.1f} s), peak {detect_memory.peak_gb:.2f} GB, "
              f"{len(findings):,} findings ({', '.join(f'{n} {c:,}' for n, c in sorted(names.items()))}); "
              f"baseline, reading every visible row: {scan:.1f} s ({accounts:,} rows)")
    # Both checked, so that each missed target is printed.
    ingest_ok = targets_met({"rows_per_second": rate}, {"rows_per_second": TARGETS["rows_per_second"]})
    detect_ok = targets_met({"detect_seconds": detect_seconds, "detect_gb": detect_memory.peak_gb},
                            {k: TARGETS[k] for k in ("detect_seconds", "detect_gb")}, lower_is_better=True)
    return 0 if ingest_ok and detect_ok else 1


if __name__ == "__main__":
    sys.exit(main())
