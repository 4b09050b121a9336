"""One small world per test session, and readers for what it wrote."""

from pathlib import Path

import orjson
import pytest
import yaml
from followthemoney import model
from followthemoney.mapping.query import QueryMapping

from nexus.synth import WorldManifest, generate

SEED = 7


@pytest.fixture(scope="session")
def world_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("world")
    generate(out, SEED, "small")
    return out


@pytest.fixture(scope="session")
def manifest(world_dir: Path) -> WorldManifest:
    return WorldManifest.load(world_dir / "manifest.json")


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


@pytest.fixture(scope="session")
def entities(world_dir: Path, manifest: WorldManifest) -> dict[str, list[dict]]:
    """Every file's entities as FtM dicts: JSON lines as written, CSV rows as mapped."""
    return {
        f.path: ftm_lines(world_dir / f.path) if f.format == "ftm" else mapped_csv(world_dir, f.mapping, f.path)
        for f in manifest.files
    }


@pytest.fixture(scope="session")
def truth_records(world_dir: Path) -> list[dict]:
    return ftm_lines(world_dir / "truth" / "records.jsonl")
