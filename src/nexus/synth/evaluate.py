"""Scoring what the pipeline found against the synthetic world's ground truth."""

from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pajson

from nexus.engine import DuckDBEngine
from nexus.resolve.evaluate import PairScores, pair_scores
from nexus.synth.truth import FILES

LIST_FILE = "watchlist/watchlist.ftm.json"
TRUTH_COLUMNS = ("file", "id", "schema", "true_id")


@dataclass(frozen=True)
class ScreeningQuality:
    on_list: int  # records screened whose true person is on the watchlist
    correct: int  # records whose best hit is their true person's list entry
    flagged: int  # records with any hit

    @property
    def recall(self) -> float:
        return self.correct / self.on_list if self.on_list else 1.0

    @property
    def precision(self) -> float:
        return self.correct / self.flagged if self.flagged else 1.0


def record_truth(world: Path) -> pa.Table:
    """file, id, schema, true_id for every agency and list record in the world."""
    schema = pa.schema([(name, pa.string()) for name in TRUTH_COLUMNS])
    table = pajson.read_json(world / FILES["records"], parse_options=pajson.ParseOptions(explicit_schema=schema))
    return table.select(list(TRUTH_COLUMNS))


def screening_quality(world: Path, queries: pa.Table, hits: pa.Table) -> ScreeningQuality:
    """Best-hit precision and recall of screening agency records (``queries.id``) against the list.

    ``hits`` has query_id, entity_id (the list's record ids) and score.
    """
    with DuckDBEngine() as engine:
        engine.register("truth", record_truth(world))
        engine.register("queries", queries.select(["id"]))
        engine.register("hits", hits.select(["query_id", "entity_id", "score"]))
        row = engine.run("screening_quality", list_file=LIST_FILE).to_pylist()[0]
    return ScreeningQuality(row["on_list"], row["correct"], row["flagged"])


def resolution_quality(world: Path, mapping: pa.Table, schema: str = "Person") -> PairScores:
    """Pairwise precision and recall of resolved ``schema`` records against the true entities."""
    truth = record_truth(world)
    truth = truth.filter(pc.equal(truth["schema"], schema))
    records = pa.table({"entity_id": truth["id"], "cluster": truth["true_id"]})
    return pair_scores(mapping, records)
