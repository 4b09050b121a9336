"""The ground truth matches the records: bridges are walkable, every id exists."""

from collections import defaultdict
from pathlib import Path

import numpy as np
import orjson
from followthemoney import model

from nexus.synth import SIZES, WorldManifest
from nexus.synth.bridges import BRIDGE_KINDS, MAX_HOPS
from nexus.synth.generate import make_world
from nexus.synth.observables.intelligence import PHONE_NODE
from nexus.synth.world import NONE, TERROR

from synth_files import SEED, ftm_lines


def _graph(entities: dict[str, list[dict]]) -> dict[str, set[str]]:
    """Entity ids linked by entity-valued properties, and to ``phone:<number>`` value nodes."""
    edges: dict[str, set[str]] = defaultdict(set)
    for rows in entities.values():
        for data in rows:
            schema = model.get(data["schema"])
            for prop, values in data["properties"].items():
                kind = schema.properties[prop].type.name
                for value in values:
                    other = value if kind == "entity" else PHONE_NODE + value if kind == "phone" else None
                    if other:
                        edges[data["id"]].add(other)
                        edges[other].add(data["id"])
    return edges


def _load(world_dir: Path, manifest: WorldManifest, what: str):
    return orjson.loads((world_dir / manifest.truth[what]).read_bytes())


def test_every_planted_bridge_is_a_path_in_the_records(world_dir, manifest, entities, truth_records) -> None:
    bridges = _load(world_dir, manifest, "bridges")
    assert {b["kind"] for b in bridges} == set(BRIDGE_KINDS)
    assert {b["hops"] for b in bridges} == set(range(1, MAX_HOPS + 1))
    edges = _graph(entities)
    true_of = {(r["file"], r["id"]): r["true_id"] for r in truth_records}
    people = {p["id"]: p for p in ftm_lines(world_dir / manifest.truth["people"])}
    for bridge in bridges:
        assert len(bridge["links"]) == bridge["hops"] == len(bridge["persons"]) - 1
        ends = people[bridge["persons"][0]], people[bridge["persons"][-1]]
        assert (ends[0]["side"], ends[1]["side"]) == ("terror", "crime"), bridge["id"]
        for link, (a, b) in zip(bridge["links"], zip(bridge["persons"], bridge["persons"][1:])):
            path = link["path"]
            assert true_of[(link["file"], path[0])] == a and true_of[(link["file"], path[-1])] == b, bridge["id"]
            for here, there in zip(path, path[1:]):
                assert there in edges[here], f"{bridge['id']}: no tie {here} -> {there} in {link['file']}"
        assert bridge["path"][0] == bridge["links"][0]["path"][0]
        assert bridge["path"][-1] == bridge["links"][-1]["path"][-1]


def test_truth_records_exist_and_point_at_true_entities(world_dir, manifest, entities, truth_records) -> None:
    ids = {f: {e["id"]: e["schema"] for e in rows} for f, rows in entities.items()}
    people = {p["id"] for p in ftm_lines(world_dir / manifest.truth["people"])}
    groups = {g["id"] for g in _load(world_dir, manifest, "groups")}
    assert len(truth_records) == manifest.counts["records"]
    for r in truth_records:
        assert ids[r["file"]].get(r["id"]) == r["schema"], r
        prefix, number = r["true_id"][0], int(r["true_id"][1:])
        if r["schema"] == "Person":
            assert r["true_id"] in people
        elif r["schema"] == "Organization":
            assert r["true_id"] in groups
        else:
            assert prefix == "C" and number < manifest.counts["companies"]
    per_file = defaultdict(int)
    for r in truth_records:
        per_file[r["file"]] += r["schema"] == "Person"
    for f in manifest.files:
        persons = len({e["id"] for e in entities[f.path] if e["schema"] == "Person"})  # a traveller is in many messages
        listed_strangers = len(_load(world_dir, manifest, "watchlist")["strangers"]) if f.labels.is_list else 0
        assert per_file[f.path] == persons - listed_strangers, f.path


def test_the_same_people_appear_in_several_agencies_under_other_names(truth_records) -> None:
    files_of = defaultdict(set)
    for r in truth_records:
        if r["schema"] == "Person":
            files_of[r["true_id"]].add(r["file"])
    assert max(len(f) for f in files_of.values()) >= 5
    assert sum(len(f) > 1 for f in files_of.values()) > 500


def test_watchlist_truth_separates_listed_people_lookalikes_and_strangers(world_dir, manifest, entities) -> None:
    truth = _load(world_dir, manifest, "watchlist")
    people = {p["id"]: p for p in ftm_lines(world_dir / manifest.truth["people"])}
    listed = set(truth["listed"])
    assert listed and all(people[p]["listed"] and people[p]["side"] != "none" for p in listed)
    assert sum(p["listed"] for p in people.values()) == len(listed)
    assert truth["lookalikes"]
    for pair in truth["lookalikes"]:
        double, original = people[pair["true_id"]], people[pair["resembles"]]
        assert double["id"] not in listed and original["id"] in listed
        assert double["name"] == original["name"]
        assert double["birthDate"] != original["birthDate"]
    watchlist = next(f for f in manifest.files if f.labels.is_list)
    listed_ids = {e["id"] for e in entities[watchlist.path]}
    assert set(truth["strangers"]) <= listed_ids
    topics = {t for e in entities[watchlist.path] for t in e["properties"].get("topics", [])}
    assert {"sanction", "crime.terror"} <= topics and any(t.startswith("crime.traffick") for t in topics)


def test_noise_includes_common_names_and_big_shared_addresses(world_dir, manifest, entities) -> None:
    people = ftm_lines(world_dir / manifest.truth["people"])
    names = defaultdict(int)
    for p in people:
        names[p["name"]] += 1
    assert names["Mohammed Ali"] >= 10 and names["Ivan Petrov"] >= 3
    police = entities["police/cases.ftm.json"]
    residents = defaultdict(int)
    for e in police:
        for address in e["properties"].get("addressEntity", []):
            residents[address] += 1
    registry = entities["registry/companies.ftm.json"]
    registered_at = defaultdict(int)
    for e in registry:
        if e["schema"] == "Company":
            registered_at[e["properties"]["addressEntity"][0]] += 1
    assert max(registered_at.values()) >= 200  # the company-formation agent
    assert max(residents.values()) >= 5  # the hostel, in the police's sample


def test_the_worlds_trips_read_back_from_carriers_messages(world_dir, manifest, entities, truth_records) -> None:
    """Synthetic world → PAXLST/PNRGOV → Nexus's readers: the same travellers in API and PNR, one booking per
    trip, and each planted co-travel a booking that holds both people."""
    from nexus.sources.travel import parse_travel

    api = parse_travel(world_dir / "piu" / "api.edi", "paxlst")
    pnr = parse_travel(world_dir / "piu" / "pnr.edi", "pnrgov")
    assert not api.warnings and not pnr.warnings
    assert len(api.manifests) == len(pnr.bookings) == next(f for f in manifest.files if f.format == "pnrgov").counts["Trip"]
    people = {e["id"] for e in entities["piu/api.edi"] if e["schema"] == "Person"}
    in_pnr = {e["id"]: e for e in entities["piu/pnr.edi"] if e["schema"] == "Person"}
    payers = {i for i, e in in_pnr.items() if any(d.startswith("paid booking") for d in e["properties"].get("description", []))}
    assert payers and people == set(in_pnr) - payers  # API and PNR reconciled; a third party who paid is no traveller
    true_of = {r["id"]: r["true_id"] for r in truth_records if r["file"] == "piu/pnr.edi"}
    assert set(in_pnr) == set(true_of)
    bookings = {e["id"]: set(e["properties"]["involved"]) for e in entities["piu/pnr.edi"]
                if e["schema"] == "Trip" and e["properties"].get("recordId")}
    for (flight, booking), manifest_ in zip((b for b in pnr.bookings), api.manifests, strict=True):
        assert [t.full_name for t in booking.travellers] == [t.full_name for t in manifest_.travellers]
        assert [t.birth_date for t in booking.travellers] == [t.birth_date for t in manifest_.travellers]
        assert (booking.legs[0].code, booking.legs[0].departure) == (manifest_.legs[0].code, manifest_.legs[0].departure)
    co_travel = [link for b in _load(world_dir, manifest, "bridges") for link in b["links"] if link["kind"] == "co_travel"]
    assert co_travel
    for link in co_travel:
        a, booking, b = link["path"]
        assert {a, b} <= bookings[booking]


def test_tickets_bought_by_third_parties_are_planted_and_the_pnr_shows_who_paid(world_dir, manifest, entities,
                                                                                truth_records) -> None:
    """A cell's member pays for a fellow member's trip (financing: the red flag), someone of the population
    now and then for another's (no flag): the PNR's card names a payer who is not on the booking, and every
    financing payer belongs to a traveller's terror cell."""
    planted = _load(world_dir, manifest, "third_party_tickets")
    assert planted and {t["financing"] for t in planted} == {True, False}
    # the reader makes a payer of the card's billing name exactly where it is none of the travellers' (`shown`:
    # one whose payer bears a traveller's name cannot be told apart), and the truth says who that payer is
    paid_for = {d.removeprefix("paid booking ").removesuffix(" for others"): e["id"] for e in entities["piu/pnr.edi"]
                for d in e["properties"].get("description", []) if d.startswith("paid booking")}
    true_of = {r["id"]: r["true_id"] for r in truth_records if r["file"] == "piu/pnr.edi"}
    assert {t["locator"]: t["payer"] for t in planted if t["shown"]} == {k: true_of[v] for k, v in paid_for.items()}
    world = make_world(SEED, SIZES["small"])
    cell = dict(zip(world.person_ids(world.memberships.person).tolist(), world.memberships.group.tolist(), strict=True))
    side = dict(zip(world.person_ids(np.arange(len(world.people))).tolist(), world.people.side.tolist(), strict=True))
    for ticket in planted:
        assert ticket["payer"] not in ticket["travellers"]
        if ticket["financing"]:
            assert side[ticket["payer"]] == TERROR
            assert cell[ticket["payer"]] in {cell.get(t) for t in ticket["travellers"]}
        else:
            assert side[ticket["payer"]] == NONE
