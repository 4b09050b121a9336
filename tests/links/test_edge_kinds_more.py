"""Edge kinds beyond identifiers and plain relationships: court-case co-defendants, a relationship stated by two
sources, one cell written as two Address entities, and trips too crowded to bind anyone (both databases)."""

import orjson
import pytest

from nexus.ingest import ingest
from nexus.links.query import Side
from nexus.model import Classification, Labels
from nexus.security.viewer import Viewer
from nexus.service.links import neighbours, nexus_paths
from nexus.sources import get_format

R, S = Classification.RESTRICTED, Classification.SECRET
POLICE = Viewer("constable", "POLICE", frozenset({"analyst"}), R, purpose="case 42")
INTEL = Viewer("ivy", "INTEL", frozenset({"analyst"}), S, purpose="case 42")
OPEN = Labels("POLICE", R)


def entity(entity_id, schema, **props):
    return {"id": entity_id, "schema": schema,
            "properties": {k: v if isinstance(v, list) else [v] for k, v in props.items()}}


def person(entity_id, name, *topics):
    return entity(entity_id, "Person", name=name, **({"topics": list(topics)} if topics else {}))


def load(store, tmp_path, source, labels, entities):
    path = tmp_path / f"{source}.json"
    path.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in entities))
    store.register_source(source, "ftm", labels)
    ingest(store, source, path, get_format("ftm").read(path))


def ties(found):
    return {(t["neighbour"], t["link_type"]): t for t in found["ties"]}


def test_co_defendants_of_one_case_are_tied_through_it_and_a_party_to_its_case(store, tmp_path):
    load(store, tmp_path, "courts", OPEN, [
        person("t-court", "Terry Courtly", "crime.terror"), person("c-court", "Crispin Courtly", "crime.traffick.drug"),
        entity("case1", "CourtCase", name="R v Courtly", caseNumber="CC-2022-77"),
        entity("ccp1", "CourtCaseParty", party="t-court", case="case1", role="defendant"),
        entity("ccp2", "CourtCaseParty", party="c-court", case="case1", role="defendant"),
        # a case of five: its parties are tied, more weakly
        *[person(f"d{i}", f"D{i}") for i in range(5)], entity("case2", "CourtCase", name="R v Many"),
        *[entity(f"p{i}", "CourtCaseParty", party=f"d{i}", case="case2", role="defendant") for i in range(5)],
    ])
    home = tmp_path / "home"
    (path, *_) = nexus_paths(store, POLICE, home, Side(ids=("t-court",)), Side(ids=("c-court",)))
    assert path["entities"] == ["t-court", "case1", "c-court"]
    assert [(e["type"], e["weight"], e["evidence"]) for e in path["edges"]] == [("co_defendant", pytest.approx(0.7),
                                                                                  ["ccp1", "ccp2"])]
    assert set(ties(neighbours(store, POLICE, home, "t-court"))) == {("c-court", "co_defendant"), ("case1", "CourtCaseParty")}
    assert set(ties(neighbours(store, POLICE, home, "case1"))) == {("t-court", "CourtCaseParty"), ("c-court", "CourtCaseParty")}
    many = ties(neighbours(store, POLICE, home, "d0"))
    assert many[("d1", "co_defendant")]["weight"] == pytest.approx(0.7 / 2) and many[("d1", "co_defendant")]["shared_by"] == 5


def test_a_relationship_rests_on_the_statements_of_both_its_ends(store, tmp_path):
    """The police know who owns own9, intelligence what it owns: the tie cites both sources and agencies."""
    load(store, tmp_path, "police", OPEN, [person("t1", "Tom One", "crime.terror"), entity("own9", "Ownership", owner="t1")])
    load(store, tmp_path, "intel", Labels("INTEL", S), [entity("c5", "Company", name="Five Ltd", topics="crime.boss"),
                                                         entity("own9", "Ownership", asset="c5")])
    (path,) = nexus_paths(store, INTEL, tmp_path / "home", Side(ids=("t1",)), Side(ids=("c5",)))
    (edge,) = path["edges"]
    assert (edge["type"], edge["evidence"], edge["classification"]) == ("Ownership", ["own9"], "SECRET")
    assert (edge["sources"], edge["agencies"]) == (["intel", "police"], ["INTEL", "POLICE"])


def test_co_detention_in_one_cell_written_as_two_address_entities(store, tmp_path):
    def stay(event_id, who, cell, start, end):
        return entity(event_id, "Event", name="Detention", involved=who, addressEntity=cell, startDate=start, endDate=end)

    load(store, tmp_path, "prison", OPEN, [
        person("t", "T", "crime.terror"), person("y", "Y", "crime.boss"), person("z", "Z"),
        entity("cellE1", "Address", full="Cell E, HMP Test"), entity("cellE2", "Address", full="cell e  HMP test"),
        entity("cellF", "Address", full="Cell F, HMP Test"),
        stay("s1", "t", "cellE1", "2021-01-01", "2021-12-31"), stay("s2", "y", "cellE2", "2021-06-01", "2022-06-01"),
        stay("s3", "z", "cellF", "2021-06-01", "2022-06-01"),
    ])
    found = ties(neighbours(store, POLICE, tmp_path / "home", "t"))
    assert set(found) == {("y", "co_location")}
    tie = found[("y", "co_location")]
    assert (tie["via"], tie["first_date"], tie["last_date"]) == ("cellE1", "2021-06-01", "2021-12-31")
    assert sorted(tie["evidence"]) == ["s1", "s2"]


def test_a_crowded_trip_is_shown_but_binds_no_one_and_its_travellers_can_be_browsed(store, tmp_path):
    travellers = [f"p{i:02}" for i in range(62)]
    load(store, tmp_path, "border", OPEN, [
        *[person(p, p.upper()) for p in travellers], entity("trip62", "Trip", name="Ferry", involved=travellers),
        *[person(p, p.upper()) for p in ("a", "b", "c")],
        entity("trip3", "Trip", name="Car", involved=["a", "b", "c"], startDate="2024-02-01"),
    ])
    home = tmp_path / "home"
    crowded = neighbours(store, POLICE, home, "p00")
    assert crowded["ties"] == [] and [(c["hub"], c["link_type"], c["shared_by"]) for c in crowded["crowded"]] == [
        ("trip62", "co_travel", 62)]
    trip = neighbours(store, POLICE, home, "trip62", per_type=4)
    assert [(t["neighbour"], t["link_type"], t["via"], t["weight"]) for t in trip["ties"]] == [
        (p, "co_travel", "trip62", 0) for p in travellers[:4]]
    assert trip["ties"][0]["more_of_type"] == 58 and trip["ties"][0]["shared_by"] == 62
    small = neighbours(store, POLICE, home, "trip3")["ties"]
    assert [(t["neighbour"], t["weight"], t["first_date"]) for t in small] == [
        (p, pytest.approx(0.6 / 2 ** 0.5), "2024-02-01") for p in ("a", "b", "c")]
    assert neighbours(store, POLICE, home, "trip3", since="2024-03-01")["ties"] == []
