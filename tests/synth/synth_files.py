"""Readers for what a generated world wrote, shared by the synth tests."""

from pathlib import Path

import orjson
import yaml
from followthemoney import model
from followthemoney.mapping.query import QueryMapping

SEED = 7


def ftm_lines(path: Path) -> list[dict]:
    with path.open("rb") as fh:
        return [orjson.loads(line) for line in fh]


def mapped_csv(world_dir: Path, mapping: str, csv: str) -> list[dict]:
    """Map a CSV file through its YAML with followthemoney.mapping, the CSV path given here."""
    spec = yaml.safe_load((world_dir / mapping).read_text(encoding="utf-8"))
    (query,) = spec["queries"]
    query = {**query, "csv_url": str(world_dir / csv)}
    mapping_ = QueryMapping(model, query)
    return [entity.to_dict() for record in mapping_.source.records for entity in mapping_.map(record).values()]


def travel_entities(path: Path, kind: str) -> list[dict]:
    """A carriers' message file (paxlst, pnrgov) read by Nexus's own readers, as FtM dicts."""
    from nexus.sources.travel import parse_travel

    return [entity.to_dict() for record in parse_travel(path, kind).records for entity in record.entities]


def file_entities(world_dir: Path, file) -> list[dict]:
    if file.format == "ftm":
        return ftm_lines(world_dir / file.path)
    if file.format in ("paxlst", "pnrgov"):
        return travel_entities(world_dir / file.path, file.format)
    return mapped_csv(world_dir, file.mapping, file.path)
