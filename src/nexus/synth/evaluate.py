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


@dataclass(frozen=True)
class TypologyQuality:
    planted: dict[str, int]  # typology -> attempts planted
    found: dict[str, int]  # typology -> attempts an alert of that typology covers
    alerts: int
    on_planted: int  # alerts at least half of whose transactions belong to one planted attempt
    by_name: dict[str, tuple[int, int]]  # typology or rule -> (alerts, of which on a planted attempt)

    def recall(self, typology: str) -> float:
        return self.found.get(typology, 0) / self.planted[typology] if self.planted.get(typology) else 0.0

    @property
    def precision(self) -> float:
        return self.on_planted / self.alerts if self.alerts else 0.0


#: Planted kinds a red-flag rule, not a typology of the same name, is to find.
DETECTED_BY = {"crowdfunding": "crowdfunding-then-out", "funnel": "cash-funnel", "liquidation": "liquidation-before-travel",
               "sweep": "shared-contact-sweep"}


def planted_attempts(world: Path, feed: str, patterns: str) -> list[tuple[str, set[int]]]:
    """(kind, in lower case; the feed lines of its rows, the header being line 1) of each planted attempt."""
    lines = {text: number for number, text in enumerate((world / feed).read_text().splitlines(), start=1)}
    attempts: list[tuple[str, set[int]]] = []
    for text in (world / patterns).read_text().splitlines():
        if text.startswith("BEGIN LAUNDERING ATTEMPT - "):
            attempts.append((text.removeprefix("BEGIN LAUNDERING ATTEMPT - ").lower(), set()))
        elif text and not text.startswith("END"):
            attempts[-1][1].add(lines[text])
    return attempts


def typology_quality(world: Path, feed: str, patterns: str, alerts: list[dict]) -> TypologyQuality:
    """Per-typology recall of the planted laundering attempts (AMLworld Patterns format) and the precision
    of ``alerts`` (each with `name` and `transactions`, ids ending in the feed line: `tx-<file>-<line>`).
    An attempt is found when one alert of its typology cites at least half of its rows; an alert is on a
    planted attempt when at least half of what it cites belongs to one (a pass-through on a cycle's leg is)."""
    attempts = planted_attempts(world, feed, patterns)
    cited = [(a["name"], {int(t.rsplit("-", 1)[1]) for t in a["transactions"]}) for a in alerts]
    found: dict[str, int] = {}
    planted: dict[str, int] = {}
    for kind, rows in attempts:
        planted[kind] = planted.get(kind, 0) + 1
        detector = DETECTED_BY.get(kind, kind)
        if any(name == detector and 2 * len(rows & mine) >= len(rows) for name, mine in cited):
            found[kind] = found.get(kind, 0) + 1
    by_name: dict[str, tuple[int, int]] = {}
    for name, mine in cited:
        alerts_of, on = by_name.get(name, (0, 0))
        by_name[name] = (alerts_of + 1, on + any(2 * len(rows & mine) >= len(mine) for _, rows in attempts))
    return TypologyQuality(planted, found, len(alerts), sum(on for _, on in by_name.values()), by_name)
