"""What the agencies wrote is valid FollowTheMoney, as written and as mapped from CSV."""

from pathlib import Path

from followthemoney import model

from nexus.synth import WorldManifest

from synth_files import ftm_lines


def _assert_loads_without_loss(data: dict, where: str) -> None:
    proxy = model.get_proxy(data, cleaned=False)
    assert proxy.id == data["id"], where
    for prop, values in data["properties"].items():
        kept = proxy.get(prop)
        assert len(kept) == len(set(values)), f"{where}: {prop} {values} cleaned to {kept}"


def test_every_ftm_line_loads_and_keeps_every_value(world_dir: Path, manifest: WorldManifest) -> None:
    for f in manifest.files:
        if f.format != "ftm":
            continue
        lines = ftm_lines(world_dir / f.path)
        assert len(lines) == f.counts["records"]
        assert len({d["id"] for d in lines}) == len(lines), f"duplicate ids in {f.path}"
        for number, data in enumerate(lines, 1):
            _assert_loads_without_loss(data, f"{f.path}:{number}")


def test_csv_files_map_to_valid_entities(world_dir: Path, manifest: WorldManifest, entities) -> None:
    tables = [f for f in manifest.files if f.format == "csv"]
    assert {f.agency for f in tables} == {"prison", "customs"}
    for f in tables:
        mapped = entities[f.path]
        people = [e for e in mapped if e["schema"] == "Person"]
        assert len(people) == f.counts["records"]  # one suspect or inmate per row
        for e in mapped:
            _assert_loads_without_loss(e, f.path)
        assert all(e["properties"].get("name") for e in people)


def test_people_are_written_in_many_scripts_and_spellings(entities) -> None:
    names = [n for rows in entities.values() for e in rows if e["schema"] == "Person"
             for n in e["properties"].get("name", []) + e["properties"].get("alias", [])]
    assert any("\u0600" <= ch <= "\u06ff" for n in names for ch in n), "no Arabic script"
    assert any("\u0400" <= ch <= "\u04ff" for n in names for ch in n), "no Cyrillic script"
    spellings = {n.split()[0] for n in names}
    assert {"Mohammed", "Muhammad", "Mohamed"} <= spellings
    assert sum(n.startswith("al-") or " al-" in n for n in names) and sum(" el-" in n for n in names)
