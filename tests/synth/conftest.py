"""One small world per test session, its manifest, entities and truth records."""

from pathlib import Path

import pytest
from synth_files import SEED, file_entities, ftm_lines

from nexus.synth import WorldManifest, generate


@pytest.fixture(scope="session")
def world_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("world")
    generate(out, SEED, "small")
    return out


@pytest.fixture(scope="session")
def manifest(world_dir: Path) -> WorldManifest:
    return WorldManifest.load(world_dir / "manifest.json")


@pytest.fixture(scope="session")
def entities(world_dir: Path, manifest: WorldManifest) -> dict[str, list[dict]]:
    """Every file's entities as FtM dicts: JSON lines as written, CSV rows as mapped, messages as read."""
    return {f.path: file_entities(world_dir, f) for f in manifest.files}


@pytest.fixture(scope="session")
def truth_records(world_dir: Path) -> list[dict]:
    return ftm_lines(world_dir / "truth" / "records.jsonl")
