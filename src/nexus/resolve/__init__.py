"""Bulk entity resolution: Splink (Fellegi–Sunter) in an engine session, DuckDB or Spark.

`resolve` scores and clusters the Person and organisation entities of a statement
snapshot; `apply_canonical_ids` writes the clusters to the store as canonical ids;
judgements (same / not same) override the model and `recluster` recomputes canonical
ids from the stored edges and judgements, which is how a merge is undone.
"""

from nexus.resolve.clusters import Clustering, Judgement, cluster, cluster_id
from nexus.resolve.run import Resolution, resolve
from nexus.resolve.writeback import (
    add_judgement,
    apply_canonical_ids,
    judge,
    load_judgements,
    recluster,
    record_resolution,
    write_resolution,
)

__all__ = [
    "Clustering",
    "Judgement",
    "Resolution",
    "add_judgement",
    "apply_canonical_ids",
    "judge",
    "load_judgements",
    "recluster",
    "record_resolution",
    "write_resolution",
    "cluster",
    "cluster_id",
    "resolve",
]
