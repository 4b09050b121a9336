from pathlib import Path

import pytest

from nexus.synth import SIZES, WorldManifest, generate
from nexus.synth.bridges import BRIDGE_KINDS
from nexus.synth.generate import make_world
from nexus.synth.world import across_the_nexus

from synth_files import SEED


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_seed_writes_byte_identical_files(world_dir: Path, tmp_path: Path) -> None:
    generate(tmp_path, SEED, "small")
    assert _files(tmp_path) == _files(world_dir)


def test_another_seed_makes_another_world(world_dir: Path, tmp_path: Path) -> None:
    generate(tmp_path, SEED + 1, "small")
    first, second = _files(world_dir), _files(tmp_path)
    assert first.keys() == second.keys()
    data = [name for name in first if not name.endswith(".mapping.yml")]  # mappings are fixed
    assert data and all(first[name] != second[name] for name in data)


def test_manifest_lists_every_file_with_labels_and_counts(world_dir: Path, manifest: WorldManifest) -> None:
    assert manifest.size == "small" and manifest.seed == SEED
    assert manifest.people == SIZES["small"].people == manifest.counts["people"]
    assert manifest.counts["groups"] == 2 * SIZES["small"].groups_per_side
    assert manifest.counts["bridges"] == len(BRIDGE_KINDS) * SIZES["small"].bridges_per_kind
    assert manifest.counts["companies"] >= SIZES["small"].people // 8

    agencies = {f.agency for f in manifest.files}
    assert {"police", "customs", "prison", "fiu", "intel", "partner", "registry", "piu", "treasury"} <= agencies
    for f in manifest.files:
        assert (world_dir / f.path).stat().st_size > 0
        assert f.counts["records"] > 0
        assert (f.format == "csv") == (f.mapping is not None)
        if f.mapping:
            assert (world_dir / f.mapping).is_file()
    labels = {f.source: f.labels for f in manifest.files}
    assert labels["national_watchlist"].is_list
    assert sum(f.labels.is_list for f in manifest.files) == 1
    assert labels["intel_intercepts"].classification == "SECRET"
    assert labels["intel_intercepts"].orcon and labels["intel_intercepts"].warrant == "WARRANT-2026-017"
    assert labels["partner_liaison"].releasable_to == ("intel",)
    assert {f.format for f in manifest.files} == {"ftm", "csv", "paxlst", "pnrgov"}
    for path in manifest.truth.values():
        assert (world_dir / path).is_file()


def test_unknown_size_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown world size 'huge'"):
        generate(tmp_path, 1, "huge")


def test_the_population_ties_the_two_sides_only_where_a_bridge_is_planted() -> None:
    """Kin, acquaintances and everyday payments never join a terror-side and a crime-side person directly;
    every such tie between the sides is a planted bridge's, so the truth lists every one there is."""
    world = make_world(SEED, SIZES["small"])
    holder = world.accounts.holder_person
    across = set()
    for a, b in [(world.family.a, world.family.b), (world.associates.a, world.associates.b),
                 (holder[world.payments.payer], holder[world.payments.beneficiary])]:
        mask = across_the_nexus(world.people, a, b)
        across.update(map(frozenset, zip(a[mask].tolist(), b[mask].tolist(), strict=True)))
    one_hop = {frozenset((b.links[0].a, b.links[0].b)) for b in world.bridges
               if len(b.links) == 1 and b.kind in ("family", "mule_payment")}
    assert one_hop and across == one_hop  # the one-hop kin and money bridges, and nothing else
