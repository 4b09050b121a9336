"""``generate``: build a world from a seed and write every agency's files, the truth and the manifest."""

import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from nexus.synth.bridges import plant_bridges
from nexus.synth.listing import plant_watchlist
from nexus.synth.manifest import WorldManifest
from nexus.synth.observables import Observables, WorldOutput, registered
from nexus.synth.observables.bank_feed import PATTERNS
from nexus.synth.observables.travel import THIRD_PARTY_TICKETS
from nexus.synth.output import TruthRecords
from nexus.synth.truth import FILES, write_truth
from nexus.synth.world import SIZES, World, WorldSize, build_world

MANIFEST = "manifest.json"


def stream(seed: int, name: str) -> np.random.Generator:
    """An independent generator per part, so adding a plug-in does not change the others' output."""
    return np.random.default_rng([seed, zlib.crc32(name.encode())])


def make_world(seed: int, size: WorldSize) -> World:
    world = build_world(seed, size, stream(seed, "world"))
    plant_bridges(world, stream(seed, "bridges"))
    plant_watchlist(world, stream(seed, "watchlist"))
    return world


def generate(out_dir: Path, seed: int, size: "str | WorldSize" = "small",
             observables: Sequence[Observables] | None = None) -> WorldManifest:
    if isinstance(size, str):
        if size not in SIZES:
            raise ValueError(f"unknown world size {size!r} (expected one of {', '.join(SIZES)})")
        size = SIZES[size]
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    world = make_world(seed, size)
    (out_dir / FILES["records"]).parent.mkdir(parents=True, exist_ok=True)
    records = TruthRecords(out_dir / FILES["records"])
    out = WorldOutput(out_dir, records)
    files = []
    for plugin in registered() if observables is None else observables:
        files.extend(plugin.generate(world, stream(seed, plugin.name), out))
    records.close()
    truth = write_truth(world, out_dir)
    counts = {
        "people": len(world.people), "companies": len(world.companies), "groups": len(world.groups),
        "bridges": len(world.bridges), "listed": len(world.listed), "records": records.count,
    }
    feeds = [f for f in files if f.format == "amlworld"]
    reports = [f for f in files if f.format == "goaml"]
    files = [f for f in files if f.format not in ("amlworld", "goaml")]
    truth = dict(truth) | {name: path for name, path in (("patterns", PATTERNS), ("third_party_tickets", THIRD_PARTY_TICKETS))
                           if (out_dir / path).is_file()}
    manifest = WorldManifest(seed, size.name, len(world.people), files, truth, counts, feeds, reports)
    manifest.write(out_dir / MANIFEST)
    return manifest
