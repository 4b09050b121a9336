"""The learned layer on later days it never saw: minority-class F1 beside the rules-only baseline.

The world (`nexus.synth`, medium by default) writes the banks' feed: everyday traffic (payroll,
rent, cash), the population's payments, the nexus bridges' mule payments and planted attempts
of every typology and red flag, spread over three years, labelled `Is Laundering` as AMLworld
labels its rows. The feed is loaded into the ledger of a temporary store and the learned layer
is trained on the features `nexus model train` computes (`detect.learned.train`): on the first 60 % of
the days, its threshold chosen on the next 20 %, and measured on the last 20 %, which neither saw.
Baseline in the same run, on the same days: the rules alone (a payment is laundering when a
typology or red-flag rule cites it). Per planted kind, the attempts of the test days the model
finds (half their payments or more scored at or above the threshold). With `--feed`, any
AMLworld-format file (IBM's HI-Small_Trans.csv, for one) instead of the world.

Published references (IBM AMLworld HI-Small, another data set; minority-class F1): GFP + XGBoost
63.2; Multi-GNN 68.2 (not time-causal).

    .venv/bin/python bench/fiu_learned.py [--size small|medium] [--seed 7] [--feed FILE.csv]
"""

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from _common import targets_met

from nexus.detect import run_typologies
from nexus.detect.learned import EPOCH, default_split, train, transaction_features
from nexus.detect.red_flags import red_flag_findings
from nexus.model import Classification
from nexus.security.viewer import Viewer
from nexus.service.detect import model_report, red_flag_rules
from nexus.service.ledger import ingest_transactions, ledger_session
from nexus.store import Store
from nexus.synth import generate
from nexus.synth.evaluate import planted_attempts

PUBLISHED = {"GFP + XGBoost (HI-Small)": 0.632, "Multi-GNN (HI-Small, not time-causal)": 0.682}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="medium", choices=("small", "medium"))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--feed", type=Path, help="an AMLworld-format CSV instead of the synthetic world")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fiu-learned-") as tmp:
        folder = Path(tmp)
        if args.feed:
            feed, patterns, label = args.feed, None, args.feed.name
        else:
            manifest = generate(folder / "world", args.seed, args.size)
            feed = folder / "world" / manifest.feeds[0].path
            patterns, label = manifest.truth["patterns"], f"{args.size} world seed {args.seed}"
        store = Store.open(url=f"sqlite:///{folder / 'nexus.db'}")
        analyst = Viewer("bench", "FIU", frozenset({"analyst"}), Classification.TOP_SECRET, purpose="benchmark")
        try:
            started = time.perf_counter()
            ingest_transactions(store, analyst, feed, "bank_feed", folder / "home")
            loaded = time.perf_counter() - started
            started = time.perf_counter()
            with ledger_session(store, analyst, folder / "home") as session:  # what `nexus model train` computes
                findings = run_typologies(session) + red_flag_findings(session, red_flag_rules(folder / "home"))
                table = transaction_features(session, findings)
            model = train(table, default_split(table["day"].to_numpy()))
            trained = time.perf_counter() - started
        finally:
            store.close()
        report = model_report(model)
        found = _found_by_kind(model, table, folder / "world", manifest.feeds[0].path, patterns) if patterns else None
    rows = report["rows"]
    print(f"{label}: {sum(rows.values()):,} payments loaded in {loaded:.1f} s; features, typologies and model in "
          f"{trained:.1f} s; train to {report['train_until']} ({rows['train']:,}), validate to "
          f"{report['validate_until']} ({rows['validate']:,}), test after ({rows['test']:,})")
    print("| days | laundering | model F1 | precision | recall | rules-only F1 | precision | recall |\n"
          "|---|---|---|---|---|---|---|---|")
    for part in ("validate", "test"):
        m, r = report[part]["model"], report[part]["rules"]
        print(f"| {part} | {m['positives']:,} | **{m['f1']:.3f}** | {m['precision']:.3f} | {m['recall']:.3f} | "
              f"{r['f1']:.3f} | {r['precision']:.3f} | {r['recall']:.3f} |")
    test = report["test"]
    ratio = test["model"]["f1"] / max(test["rules"]["f1"], 1e-9)
    print(f"threshold {report['threshold']:.3f}; test F1 model/rules-only: **{ratio:.2f}×**; "
          "published minority-class F1 for reference (other data): "
          + "; ".join(f"{name} {f1:.3f}" for name, f1 in PUBLISHED.items()))
    print("weighs most: " + ", ".join(f"{name} {share:.0%}" for name, share in report["importance"][:8]))
    if found:
        print("| planted kind (test days) | attempts | found by the model |\n|---|---|---|")
        for kind, (total, hit) in sorted(found.items()):
            print(f"| {kind} | {total} | {hit} ({hit / total:.2f}) |")
    return 0 if targets_met({"test_f1_over_rules": test["model"]["f1"] - test["rules"]["f1"]},
                            {"test_f1_over_rules": 0.0}) else 1


def _found_by_kind(model, table, world: Path, feed: str, patterns: str) -> dict[str, tuple[int, int]]:
    """Per planted kind, (attempts that begin on the test days, those with half their payments or more scored at
    or above the threshold)."""
    flagged = model.scores(table) >= model.threshold
    by_line = {int(tid.rsplit("-", 1)[1]): (day, hit)
               for tid, day, hit in zip(table["id"].to_pylist(), table["day"].to_pylist(), flagged.tolist(), strict=True)}
    test_from = (model.split.validate_until - EPOCH).days
    total, found = Counter(), Counter()
    for kind, lines in planted_attempts(world, feed, patterns):
        marks = [by_line[n] for n in lines if n in by_line]
        if marks and min(day for day, _ in marks) > test_from:
            total[kind] += 1
            found[kind] += 2 * sum(hit for _, hit in marks) >= len(marks)
    return {kind: (total[kind], found[kind]) for kind in total}


if __name__ == "__main__":
    sys.exit(main())
