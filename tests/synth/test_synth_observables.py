"""Plug-ins add their own observables to the same world; bridges need an agency that records them."""

from pathlib import Path

import numpy as np
import pytest

from nexus.synth import ManifestFile, SuggestedLabels, World, WorldOutput, WorldSize, generate, register, registered
from nexus.synth.observables.people import person_records, write_people
from nexus.synth.noise import Noise
from nexus.synth.output import FtMWriter
from nexus.synth.truth import MissingEvidence

TINY = WorldSize("tiny", 2_000)


class BorderCrossings:
    """What a later module would add: a border agency seeing the frequent travellers again."""

    name = "test-border"

    def generate(self, world: World, rng: np.random.Generator, out: WorldOutput) -> list[ManifestFile]:
        path = "border/crossings.ftm.json"
        (out.dir / path).parent.mkdir(parents=True, exist_ok=True)
        records, shown = person_records(world, rng, out, path, "BOR-P", world.travellers.person, Noise(native=1.0))
        writer = FtMWriter(out.dir / path)
        write_people(writer, world, records, shown)
        return [ManifestFile(path, "ftm", "border", "border_crossings", "Border crossings",
                             SuggestedLabels("RESTRICTED"), writer.close())]


def test_a_plugin_adds_files_without_changing_the_others(tmp_path: Path) -> None:
    plain = generate(tmp_path / "plain", 5, TINY)
    extended = generate(tmp_path / "extended", 5, TINY, observables=[*registered(), BorderCrossings()])
    added = [f for f in extended.files if f.agency == "border"]
    assert len(added) == 1 and added[0].counts["Person"] > 0
    assert extended.counts["records"] == plain.counts["records"] + added[0].counts["Person"]
    for f in plain.files:
        assert (tmp_path / "plain" / f.path).read_bytes() == (tmp_path / "extended" / f.path).read_bytes()
    truth = (tmp_path / "extended" / "truth" / "records.jsonl").read_text()
    assert '"file":"border/crossings.ftm.json"' in truth


def test_a_bridge_kind_nobody_records_is_an_error(tmp_path: Path) -> None:
    without_prison = [p for p in registered() if p.name != "prison"]
    with pytest.raises(MissingEvidence, match="'shared_cell'"):
        generate(tmp_path, 5, TINY, observables=without_prison)


def test_register_refuses_a_second_plugin_of_the_same_name() -> None:
    with pytest.raises(ValueError, match="already registered"):
        register(registered()[0])
