"""Scoring what the pipeline found against the synthetic world's ground truth."""

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from nexus.resolve.evaluate import PairScores, pair_scores

from nexus.synth.truth import FILES

LIST_FILE = "watchlist/watchlist.ftm.json"

SCREENING_SQL = """
WITH listed AS (
    SELECT id, true_id FROM truth WHERE file = ?
),
best AS (
    SELECT query_id, arg_max(entity_id, score) AS entity_id FROM hits GROUP BY query_id
)
SELECT
    (SELECT count(*) FROM queries q JOIN truth t ON t.id = q.id
      WHERE t.true_id IN (SELECT true_id FROM listed)) AS on_list,
    (SELECT count(*) FROM best b JOIN truth qt ON qt.id = b.query_id
      JOIN listed l ON l.id = b.entity_id WHERE qt.true_id = l.true_id) AS correct,
    (SELECT count(*) FROM best) AS flagged
"""


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
    with duckdb.connect() as conn:
        return conn.execute(
            "SELECT file, id, schema, true_id FROM read_json(?, format='newline_delimited', "
            "columns={file: 'VARCHAR', id: 'VARCHAR', schema: 'VARCHAR', true_id: 'VARCHAR'})",
            [str(world / FILES["records"])],
        ).to_arrow_table()


def screening_quality(world: Path, queries: pa.Table, hits: pa.Table) -> ScreeningQuality:
    """Best-hit precision and recall of screening agency records (``queries.id``) against the list.

    ``hits`` has query_id, entity_id (the list's record ids) and score.
    """
    with duckdb.connect() as conn:
        conn.register("truth", record_truth(world))
        conn.register("queries", queries.select(["id"]))
        conn.register("hits", hits.select(["query_id", "entity_id", "score"]))
        on_list, correct, flagged = conn.execute(SCREENING_SQL, [LIST_FILE]).fetchone()
    return ScreeningQuality(on_list, correct, flagged)


def resolution_quality(world: Path, mapping: pa.Table, schema: str = "Person") -> PairScores:
    """Pairwise precision and recall of resolved ``schema`` records against the true entities."""
    truth = record_truth(world)
    truth = truth.filter(pc.equal(truth["schema"], schema))
    records = pa.table({"entity_id": truth["id"], "cluster": truth["true_id"]})
    return pair_scores(mapping, records)
