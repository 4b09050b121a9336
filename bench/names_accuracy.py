"""Name-matching accuracy on nomenklatura's labelled name pairs, ours beside logic-v2.

    .venv/bin/python bench/names_accuracy.py [--errors]

Both scorers see the same 826 pairs; each is judged at one fixed threshold
(ours: nexus.names.NAME_MATCH_THRESHOLD, logic-v2: 0.7, its documented default).
The "split" lines show that our rules and constants generalise: they were chosen
looking at the even rows (0, 2, 4, … of the file's data rows) only; the odd rows are
held out. `--errors` lists our false positives and false negatives among the even
rows only (the held-out odd rows are never listed), with the part alignment that
explains each score.
"""

import argparse
import csv
from collections import defaultdict

from _common import NAME_CASES, logic_v2_scorer, precision_recall_f1, require, timed
from rigour.text.scripts import is_latin

from nexus.names import NAME_MATCH_THRESHOLD, NameType, analyze_name, compare_names

LOGIC_V2_THRESHOLD = 0.7


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--errors", action="store_true", help="list the even-row (tuned-on) pairs we get wrong")
    args = parser.parse_args()
    with open(require(NAME_CASES), newline="", encoding="utf-8") as fh:
        cases = list(csv.DictReader(fh))
    actual = [c["is_match"].strip().lower() == "true" for c in cases]
    with timed(f"nexus on {len(cases)} pairs"):
        comparisons = [
            compare_names(
                analyze_name(c["name1"], NameType.of_schema(c["schema"])),
                analyze_name(c["name2"], NameType.of_schema(c["schema"])),
            )
            for c in cases
        ]
    ours = [c.score for c in comparisons]
    v2 = logic_v2_scorer()
    with timed(f"logic-v2 on {len(cases)} pairs"):
        theirs = [v2(c["schema"], c["name1"], c["name2"]) for c in cases]

    groups: dict[str, list[int]] = defaultdict(list)
    for i, case in enumerate(cases):
        groups[f"group {case['case_group']}"].append(i)
        groups[f"schema {case['schema']}"].append(i)
        script = "latin" if is_latin(case["name1"] + case["name2"]) else "non-latin"
        groups[f"script {script}"].append(i)
    groups["split even rows (tuned on)"] = list(range(0, len(cases), 2))
    groups["split odd rows (held out)"] = list(range(1, len(cases), 2))
    print(f"\n{'subset':30} {'n':>4}   {'nexus P/R/F1':>20}   {'logic-v2 P/R/F1':>20}")
    for label, rows in [("all", list(range(len(cases))))] + sorted(groups.items()):
        line = f"{label:30} {len(rows):4}"
        for scores, threshold in ((ours, NAME_MATCH_THRESHOLD), (theirs, LOGIC_V2_THRESHOLD)):
            p, r, f = precision_recall_f1([scores[i] >= threshold for i in rows], [actual[i] for i in rows])
            line += f"   {p:6.3f} {r:6.3f} {f:6.3f}"
        print(line)
    print(f"\nthresholds: nexus {NAME_MATCH_THRESHOLD}, logic-v2 {LOGIC_V2_THRESHOLD}")
    if args.errors:
        print("\nrow  error  score  group/category | name1 | name2\n     alignment")
        for i, (case, comparison) in enumerate(zip(cases, comparisons, strict=True)):
            if i % 2 == 0 and (comparison.score >= NAME_MATCH_THRESHOLD) != actual[i]:
                error = "FN" if actual[i] else "FP"
                print(f"{i:4}  {error}  {comparison.score:.3f}  {case['case_group']}/{case['category'] or '-'}"
                      f" | {case['name1']} | {case['name2']}\n      {comparison.explain()}")


if __name__ == "__main__":
    main()
