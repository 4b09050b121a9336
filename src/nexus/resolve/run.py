"""One resolution run: statements -> records -> Splink scores -> judgement-aware clusters."""

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
from splink import Linker

from nexus.engine import DuckDBEngine, EngineSession
from nexus.resolve import model
from nexus.resolve.clusters import (
    CANNOT_LINK,
    DEFAULT_THRESHOLD,
    RULED_OUT_NONE,
    Clustering,
    Judgement,
    RuleOut,
    cluster,
)
from nexus.resolve.records import CLUSTERS_VIEW, FEATURES_VIEW, NAME_KEYS_VIEW, RECORDS_VIEW, name_keys, records_params

METHOD = "splink-fs"
# Below this many records there is too little to estimate parameters from: the priors stand.
TRAIN_MIN_RECORDS = 5_000
PREDICT_THRESHOLD = 0.5
U_SAMPLE_PAIRS = 3e5
EM_SAMPLE_PAIRS = 3e5
EDGE_COLUMNS = ("left_id", "right_id", "score")


@dataclass(frozen=True)
class Resolution:
    run_id: str
    method: str
    records: int
    # left_id, right_id, score: the match probability of every pair >= PREDICT_THRESHOLD, and
    # CANNOT_LINK for the pairs `chains_of_different_births` keeps apart
    edges: pa.Table
    clustering: Clustering

    @property
    def mapping(self) -> pa.Table:
        return self.clustering.mapping


def resolve(
    statements: pa.Table | Path | None = None,
    judgements: Iterable[Judgement] = (),
    engine: EngineSession | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    train: bool | None = None,
) -> Resolution:
    """Resolve the Person and organisation entities among ``statements``.

    ``statements`` is an Arrow table or Parquet file with the store's statement columns,
    or None when ``engine`` already has a ``statements`` table (`EngineSession.use_snapshot`).
    ``train`` re-estimates the model on this data; by default only when there are at
    least TRAIN_MIN_RECORDS records.
    """
    owned = engine is None
    engine = engine or DuckDBEngine()
    try:
        if statements is not None:
            engine.register("statements", statements)
        features = prepare(engine)
        edges = score(engine, features, train)
        clustering = cluster(features["unique_id"].combine_chunks(), edges, judgements, threshold,
                             chains_of_different_births(engine, edges, threshold))
        return Resolution(uuid.uuid4().hex, METHOD, features.num_rows, with_ruled_out(edges, clustering), clustering)
    finally:
        if owned:
            engine.close()


def prepare(engine: EngineSession) -> pa.Table:
    """Build the feature table from the engine's ``statements``; returns its ids (one column)."""
    engine.materialise(RECORDS_VIEW, "resolve_records", **records_params())
    parts = engine.run("resolve_name_parts")["part"].combine_chunks()
    engine.register(NAME_KEYS_VIEW, name_keys(parts))
    engine.materialise(FEATURES_VIEW, "resolve_features")
    return engine.run("resolve_record_ids")


def score(engine: EngineSession, features: pa.Table, train: bool | None = None) -> pa.Table:
    """Pairs above PREDICT_THRESHOLD with their match probability, lower id on the left."""
    n = features.num_rows
    empty = pa.table({c: pa.array([], pa.float64() if c == "score" else pa.string()) for c in EDGE_COLUMNS})
    if n < 2:
        return empty
    api = engine.splink_api()
    trained = train if train is not None else n >= TRAIN_MIN_RECORDS
    with engine.failures():
        linker = Linker(api.register(FEATURES_VIEW), model.settings(term_frequencies=trained),
                        log_level=logging.ERROR)
        if trained:
            _register_term_frequencies(engine, api, linker)
            _train(linker, n)
        predictions = linker.inference.predict(threshold_match_probability=PREDICT_THRESHOLD)
    edges = engine.run("resolve_edges", {"predictions": predictions.physical_name})
    with engine.failures():
        predictions.drop_table_from_database_and_remove_from_cache()
    return edges


def chains_of_different_births(engine: EngineSession, edges: pa.Table,
                               threshold: float = DEFAULT_THRESHOLD) -> RuleOut:
    """A `cluster` rule-out: two records of a group whose dates of birth disagree, in groups
    where the disagreement comes only from chaining.

    Each link of such a chain may be likely on its own ("M. Ali, born 1970" — "M. Ali" —
    "M. Ali, born 1985"), but the cluster as a whole is not; `cluster` then cuts the
    weakest links between the two. Where two records of the group are linked directly
    in spite of disagreeing dates (a mistyped date, the same passport and address), the
    model has already weighed the dates against the rest, and the group is left alone.
    """
    links = edges.filter(pc.greater_equal(edges["score"], threshold)).select(["left_id", "right_id"])

    def rule_out(groups: pa.Table) -> pa.Table:
        engine.register(CLUSTERS_VIEW, groups)
        conflicts = engine.run("resolve_birth_date_conflicts")
        linked = conflicts.join(links, ["left_id", "right_id"], join_type="inner")
        chained = conflicts.join(linked.select(["cluster"]), "cluster", join_type="left anti")
        return chained.select(["left_id", "right_id"]).cast(RULED_OUT_NONE.schema)

    return rule_out


def with_ruled_out(edges: pa.Table, clustering: Clustering) -> pa.Table:
    """``edges`` plus the clustering's ruled-out pairs, scored CANNOT_LINK so `recluster` keeps them apart."""
    ruled_out = clustering.ruled_out
    if not ruled_out.num_rows:
        return edges
    scored = ruled_out.append_column("score", pa.repeat(pa.scalar(CANNOT_LINK, pa.float64()), ruled_out.num_rows))
    return pa.concat_tables([edges, scored.cast(edges.schema)]).sort_by([("left_id", "ascending"),
                                                                        ("right_id", "ascending")])


def _register_term_frequencies(engine: EngineSession, api, linker: Linker) -> None:
    for column in model.TF_COLUMNS:
        name = f"nx_resolve_tf_{column}"
        engine.materialise(name, "resolve_term_frequencies", {"term": column, "tf_term": f"tf_{column}"})
        linker.table_management.register_term_frequency_lookup(api.register(name), column)


def _train(linker: Linker, n: int) -> None:
    # Sample sizes are fixed, not proportional to n: the estimates settle well before these.
    linker.training.estimate_probability_two_random_records_match(list(model.DETERMINISTIC_RULES), recall=0.4)
    linker.training.estimate_u_using_random_sampling(max_pairs=U_SAMPLE_PAIRS, seed=1, num_chunks=1)
    for rule in model.TRAINING_RULES:
        linker.training.estimate_parameters_using_expectation_maximisation(rule, max_pairs=EM_SAMPLE_PAIRS)
