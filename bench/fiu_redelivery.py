"""A bank's overlapping extracts: what leaving out the transactions delivered before costs, beside a first delivery.

Writes one seeded AMLworld-format feed of 2N rows (`fiu_ingest.write_feed`) and cuts it into two deliveries
that overlap: the first 60 % of its lines, then the last 60 % (the middle fifth sent twice, as a bank re-sending
the days before its cut does). Loads both into one source with `service.ledger.ingest_transactions`, timed; the
first delivery is the baseline (nothing delivered before it to compare with). Checks that the second left out
exactly the overlap and that the ledger holds every transaction once.

    .venv/bin/python bench/fiu_redelivery.py [--rows 1000000]
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

from fiu_ingest import write_feed

from nexus.security.viewer import Viewer
from nexus.service.ingest import LabelChanges
from nexus.service.ledger import ingest_transactions, ledger_session
from nexus.store import Store


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="N: each delivery holds 1.2 N rows")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fiu-redelivery-") as tmp:
        folder = Path(tmp)
        whole = folder / "whole.csv"
        write_feed(whole, 2 * args.rows)
        header, *lines = whole.read_text().splitlines(keepends=True)
        cut = len(lines) * 6 // 10
        first, second = folder / "first.csv", folder / "second.csv"
        first.write_text(header + "".join(lines[:cut]))
        second.write_text(header + "".join(lines[len(lines) - cut:]))
        overlap = 2 * cut - len(lines)
        store = Store.open(url=f"sqlite:///{folder / 'nexus.db'}")
        viewer = Viewer("bench", "FIU", frozenset({"analyst"}), 4)
        home = folder / "home"
        try:
            timed = []
            for delivery in (first, second):
                started = time.perf_counter()
                result = ingest_transactions(store, viewer, delivery, "bank", home, LabelChanges(agency="FIU"))
                timed.append((time.perf_counter() - started, result))
            with ledger_session(store, viewer, home) as session:
                held = session.conn.execute("SELECT count(*) FROM transactions").fetchone()[0]
        finally:
            store.close()
    (base, _), (again, result) = timed
    rate, base_rate = cut / again, cut / base
    print(f"first delivery (baseline): {cut:,} rows in {base:.1f} s, {base_rate:,.0f} rows/s")
    print(f"second delivery, {overlap:,} rows of it delivered before: {cut:,} rows in {again:.1f} s, {rate:,.0f} rows/s "
          f"(×{rate / base_rate:.2f} the first); left out {result.redelivered:,}")
    broken = 1  # `write_feed` breaks one row of the first delivery on purpose
    expected = len(lines) - broken
    print(f"ledger: {held:,} transactions (expected {expected:,}: every line once)")
    return 0 if result.redelivered == overlap and held == expected else 1


if __name__ == "__main__":
    sys.exit(main())
