"""Pairwise precision, recall and F1 of a clustering against ground truth.

A pair counts when both records share a cluster. With a ``side`` column, only pairs
across sides count: the measure for linking two datasets rather than deduplicating one.
Counting is done per cluster in DuckDB (``resolve_pair_scores.sql``), so a million records take a second.
"""

from dataclasses import dataclass

import pyarrow as pa

from nexus.engine import DuckDBEngine


@dataclass(frozen=True)
class PairScores:
    true_positives: int
    predicted: int
    actual: int

    @property
    def precision(self) -> float:
        return self.true_positives / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.actual if self.actual else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def pair_scores(mapping: pa.Table, truth: pa.Table) -> PairScores:
    """``mapping``: entity_id, canonical_id. ``truth``: entity_id, cluster and optionally side."""
    two_sided = "side" in truth.column_names
    if not two_sided:
        truth = truth.append_column("side", pa.repeat(pa.scalar(0, pa.int64()), truth.num_rows))
    with DuckDBEngine() as engine:
        engine.register("mapping", mapping.select(["entity_id", "canonical_id"]))
        engine.register("truth", truth.select(["entity_id", "cluster", "side"]))
        counts = dict(zip(*engine.run("resolve_pair_scores", two_sided=two_sided).to_pydict().values()))
    return PairScores(**{kind: int(counts.get(kind, 0)) for kind in ("true_positives", "predicted", "actual")})
