"""The ground truth beside the agencies' files: the true population, groups, bridges and the watchlist."""

from pathlib import Path

import numpy as np
import orjson

from nexus.synth.arrays import ids, iso_dates, join, strings
from nexus.synth.listing import lookalikes
from nexus.synth.names import CULTURES
from nexus.synth.observables.watchlist import STRANGER_PREFIX
from nexus.synth.world import SIDE_NAMES, Bridge, World

TRUTH_DIR = "truth"
FILES = {
    "records": f"{TRUTH_DIR}/records.jsonl",
    "people": f"{TRUTH_DIR}/people.jsonl",
    "groups": f"{TRUTH_DIR}/groups.json",
    "bridges": f"{TRUTH_DIR}/bridges.json",
    "watchlist": f"{TRUTH_DIR}/watchlist.json",
}
CHUNK = 200_000


class MissingEvidence(RuntimeError):
    pass


def _dump(path: Path, data: object) -> None:
    path.write_bytes(orjson.dumps(data, option=orjson.OPT_INDENT_2) + b"\n")


def write_people(world: World, path: Path) -> None:
    """One JSON line per true person (name parts contain no quote or backslash, so plain joins are valid JSON)."""
    people, names = world.people, world.names
    listed = np.zeros(len(people), bool)
    listed[world.listed] = True
    with path.open("wb") as fh:
        for start in range(0, len(people), CHUNK):
            rows = np.arange(start, min(start + CHUNK, len(people)))
            lines = join(
                '{"id":"', world.person_ids(rows),
                '","name":"', names.canonical(people.given[rows]), " ", names.canonical(people.family[rows]),
                '","birthDate":"', iso_dates(people.birth[rows]),
                '","nationality":"', people.nationality[rows],
                '","gender":"', np.where(people.gender[rows] == 1, "female", "male"),
                '","culture":"', strings([c.name for c in CULTURES])[people.culture[rows]],
                '","side":"', strings(SIDE_NAMES)[people.side[rows]],
                '","listed":', np.where(listed[rows], "true", "false"), "}\n",
            )
            fh.write("".join(lines.tolist()).encode())


def _bridge(bridge: Bridge) -> dict:
    links: list[dict] = []
    path: list[str] = []
    for link in bridge.links:
        if link.evidence is None:
            raise MissingEvidence(f"{bridge.id}: no observables plug-in recorded a {link.kind!r} link")
        file, hop_path = link.evidence
        path.extend(hop_path if not path else hop_path[1:])
        links.append({"kind": link.kind, "from": World.person_id(link.a), "to": World.person_id(link.b),
                      "file": file, "path": hop_path})
    return {"id": bridge.id, "kind": bridge.kind, "hops": bridge.hops,
            "persons": [World.person_id(p) for p in bridge.persons], "path": path, "links": links}


def write_truth(world: World, out_dir: Path) -> dict[str, str]:
    (out_dir / TRUTH_DIR).mkdir(parents=True, exist_ok=True)
    write_people(world, out_dir / FILES["people"])
    g, m = world.groups, world.memberships
    members = [world.person_ids(m.person[m.group == i]).tolist() for i in range(len(g))]
    _dump(out_dir / FILES["groups"], [
        {"id": f"G{i:07d}", "name": name, "side": SIDE_NAMES[side], "topic": topic, "members": members[i]}
        for i, (name, side, topic) in enumerate(zip(g.name.tolist(), g.side.tolist(), g.topic.tolist(), strict=True))
    ])
    _dump(out_dir / FILES["bridges"], [_bridge(b) for b in world.bridges])
    doubles, resembles = lookalikes(world)
    _dump(out_dir / FILES["watchlist"], {
        "listed": world.person_ids(np.sort(world.listed)).tolist(),
        "strangers": ids(STRANGER_PREFIX, np.arange(len(world.strangers))).tolist(),
        "lookalikes": [{"true_id": d, "resembles": r} for d, r in
                       zip(world.person_ids(doubles).tolist(), world.person_ids(resembles).tolist(), strict=True)],
    })
    return FILES
