"""A small resolution of hand-written people: clear duplicates merge, lookalikes do not."""

import pyarrow as pa
import pyarrow.compute as pc

from nexus.engine import DuckDBEngine
from nexus.resolve import cluster_id, resolve
from nexus.resolve.clusters import CANNOT_LINK
from nexus.resolve.records import FEATURES_VIEW


def _clusters(mapping) -> dict[str, set[str]]:
    groups: dict[str, set[str]] = {}
    for entity_id, canonical in zip(mapping["entity_id"].to_pylist(), mapping["canonical_id"].to_pylist()):
        groups.setdefault(canonical, set()).add(entity_id)
    return groups


def test_duplicates_merge_and_lookalikes_stay_apart(people):
    resolution = resolve(people)
    clusters = sorted(sorted(members) for members in _clusters(resolution.mapping).values())
    assert clusters == [
        ["a1", "a2", "a3"],  # spelling variants, one shared passport
        ["b1", "b2"],  # Cyrillic and Latin spellings, same phone in two formats
        ["c1", "c2"],  # Ahmed Benali / Ahmad Ben Ali at the same address
        ["d1"], ["d2"],  # same name, different date of birth
        ["e1"], ["e2"],
        ["f1"], ["g1"],
    ]
    assert resolution.records == 13


def test_canonical_ids_are_deterministic(people):
    first = resolve(people).mapping
    second = resolve(people).mapping
    assert first.equals(second)
    ids = dict(zip(first["entity_id"].to_pylist(), first["canonical_id"].to_pylist()))
    assert ids["a2"] == cluster_id(["a3", "a1", "a2"])
    assert ids["f1"] == "f1"


def test_only_people_and_organisations_are_resolved(people_rows, make_table):
    rows = people_rows
    vessel = [r for r in rows if r[1] == "g1"]
    as_vessel = [(r[0], "v1", "v1", "Vessel", *r[4:]) for r in vessel if r[4] in ("id", "name")]
    resolution = resolve(make_table(rows + as_vessel))
    assert "v1" not in resolution.mapping["entity_id"].to_pylist()


def _person(entity_id: str, **props) -> tuple:
    return (entity_id, "police", props)


def test_names_swapped_and_misspelt_still_match(make_people):
    table = make_people([
        _person("s1", firstName="Chloe", lastName="Ryan", birthDate="1945-07-12"),
        _person("s2", name="Ryna Chloe", birthDate="1945-07-12"),
    ])
    assert len(set(resolve(table).mapping["canonical_id"].to_pylist())) == 1


def test_a_year_of_birth_is_compatible_but_a_different_full_date_is_not(make_people):
    table = make_people([
        _person("y1", firstName="Oksana", lastName="Kovalenko", birthDate="1979-05-09", nationality="ua",
                idNumber="UA123"),
        _person("y2", firstName="Oksana", lastName="Kovalenko", birthDate="1979", nationality="ua",
                idNumber="UA123"),
        _person("y3", firstName="Oksana", lastName="Kovalenko", birthDate="1979-11-23", nationality="ua"),
    ])
    assert _clusters(resolve(table).mapping) == {cluster_id(["y1", "y2"]): {"y1", "y2"}, "y3": {"y3"}}


def test_records_without_a_date_do_not_chain_people_born_on_different_dates(make_people):
    # m2 shares a passport with m1 and an email with m3; m1 and m3 are born years apart.
    table = make_people([
        _person("m1", name="Mohammed Ali", birthDate="1970-02-01", passportNumber="X1", phone="+441234"),
        _person("m2", name="Mohammed Ali", passportNumber="X1", phone="+441234", email="ali@example.org"),
        _person("m3", name="Mohammed Ali", birthDate="1985-06-30", email="ali@example.org"),
    ])
    resolution = resolve(table)
    assert _clusters(resolution.mapping) == {cluster_id(["m1", "m2"]): {"m1", "m2"}, "m3": {"m3"}}
    ruled_out = resolution.edges.filter(pc.equal(resolution.edges["score"], CANNOT_LINK))
    assert ruled_out.select(["left_id", "right_id"]).to_pylist() == [{"left_id": "m1", "right_id": "m3"}]


def test_a_passport_held_as_its_own_entity_counts_as_the_holders_number(make_people):
    people = [
        _person("p1", name="Abdelaziz Ali", birthDate="1991-10-30", nationality="sy", passportNumber="BR7525727"),
        _person("p2", name="Abdulaziz Aly"),
    ]
    passport = [("doc1", "partner", {"holder": "p2", "number": "BR7525727", "country": "sy"})]
    assert len(_clusters(resolve(make_people(people)).mapping)) == 2
    assert len(_clusters(resolve(make_people(people, passport)).mapping)) == 1


def test_a_shared_address_alone_does_not_link(make_people):
    hostel = "Sunrise Hostel, 4 Station Road, London"
    table = make_people([
        _person("h1", name="Ivan Petrov", birthDate="1980", address=hostel),
        _person("h2", name="Amina Diallo", birthDate="1980", address=hostel),
        _person("h3", name="Chen Jing", address=hostel),
    ])
    assert len(_clusters(resolve(table).mapping)) == 3


def test_term_frequencies_leave_the_record_itself_out():
    with DuckDBEngine() as engine:
        engine.register(FEATURES_VIEW, pa.table({"full_name": ["ali", "ali", "ivan", "li", "li", "li", None]}))
        result = engine.run("resolve_term_frequencies", {"term": "full_name", "tf_term": "tf_full_name"})
    rows = sorted(zip(*result.to_pydict().values()))
    assert result.column_names == ["full_name", "tf_full_name"]
    assert rows == [("ali", 1 / 6), ("ivan", 1 / 6), ("li", 2 / 6)]
