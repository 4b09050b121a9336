"""Fuzz one source format: ``python fuzz/run.py --parser un-sc --runs 100000``.

Exits 0 when every input ended in an allowed outcome, 1 (naming the saved input) otherwise.
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fuzz.harness import FuzzReport, fuzz  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--parser", required=True, help="format name, e.g. ftm, un-sc, csv")
    parser.add_argument("--runs", type=int, default=100_000, help="generated inputs (after the corpus)")
    parser.add_argument("--seed", type=int, default=0, help="first random seed (runs are reproducible)")
    args = parser.parse_args()
    started = time.monotonic()

    def progress(report: FuzzReport) -> None:
        rate = report.inputs / (time.monotonic() - started)
        print(f"  {report.inputs:,} inputs ({rate:,.0f}/s) {dict(report.outcomes)}", file=sys.stderr, flush=True)

    report = fuzz(args.parser, args.runs, args.seed, progress=progress)
    elapsed = time.monotonic() - started
    outcomes = ", ".join(f"{k}: {v:,}" for k, v in sorted(report.outcomes.items()))
    print(f"{args.parser}: {report.inputs:,} inputs in {elapsed:,.0f} s ({outcomes})")
    if report.failure:
        print(f"FAILURE: {report.failure}\n  input saved to {report.saved}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
