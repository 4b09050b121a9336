"""A tie's weight and count rest on more than its two ends: on every member of the hub it goes through (how many
share a phone), and a path's score on how many neighbours its inner entities have. What rests on SECRET data is
marked and cited as such, so a viewer cleared lower sees neither it nor a score or count it moved, and two
viewers whose graphs differ there never share (and overwrite) one alert."""

import csv
import io

import pytest
from sqlalchemy import select

from nexus.model import Labels
from nexus.security.viewer import Viewer
from nexus.service.alerts import get_alert, list_alerts
from nexus.service.links import neighbours, nexus_paths
from nexus.service.links_export import export_graph
from nexus.service.nexus_alerts import raise_nexus_alerts
from nexus.store.schema import statements

from test_links import OPEN, R, S, entity, load, person

POL = Viewer("pol", "POLICE", frozenset({"analyst"}), R, purpose="case 7")
INTL = Viewer("intl", "INTEL", frozenset({"analyst"}), S, purpose="case 7")
SECRET_FOR_POLICE = Labels("INTEL", S, releasable_to=("POLICE",))
PHONE = "+442079460000"


@pytest.fixture
def shared_phone(store, tmp_path):
    """A terrorist and a crime boss share a phone in police files; intelligence knows two more who hold it."""
    load(store, tmp_path, "police", OPEN, [person("t1", "Tariq Alpha", "crime.terror", phone=PHONE),
                                           person("c2", "Cosimo Boss", "crime.boss", phone=PHONE)])
    load(store, tmp_path, "intel", SECRET_FOR_POLICE, [person("x1", "Secret Sam", phone=PHONE),
                                                       person("x2", "Secret Sue", phone=PHONE)])
    return store


def test_a_tie_through_a_hub_is_classified_as_the_most_classified_member_it_is_counted_with(shared_phone, tmp_path):
    home = tmp_path / "home"
    (intel,) = nexus_paths(shared_phone, INTL, home)
    assert (intel["edges"][0]["shared_by"], intel["edges"][0]["classification"]) == (4, "SECRET")
    (police,) = nexus_paths(shared_phone, POL, home)
    assert (police["edges"][0]["shared_by"], police["edges"][0]["classification"]) == (2, "RESTRICTED")
    assert police["score"] == pytest.approx(0.8)


def test_a_trip_s_tie_is_classified_as_its_most_classified_traveller(store, tmp_path):
    load(store, tmp_path, "customs", OPEN, [person("t1", "Tariq Alpha", "crime.terror"),
                                            person("c2", "Cosimo Boss", "crime.boss"),
                                            entity("trip", "Trip", involved=["t1", "c2"], startDate="2024-02-01")])
    load(store, tmp_path, "intel", SECRET_FOR_POLICE, [person("x1", "Secret Sam"),
                                                       entity("trip", "Trip", involved="x1")])
    (tie,) = [t for t in neighbours(store, INTL, tmp_path / "home", "t1")["ties"] if t["neighbour"] == "c2"]
    assert (tie["link_type"], tie["shared_by"], tie["classification"]) == ("co_travel", 3, "SECRET")


def test_an_alert_on_a_hub_tie_cites_every_member_and_each_viewer_keeps_an_alert_of_their_own(shared_phone, tmp_path):
    home = tmp_path / "home"
    (intel,) = raise_nexus_alerts(shared_phone, INTL, home)
    assert intel["score"] == pytest.approx(0.8 / 3 ** 0.5, abs=1e-6) and intel["path"]["edges"][0]["shared_by"] == 4
    cited = {e["ref_id"] for e in get_alert(shared_phone, INTL, intel["alert_id"])["evidence"]}
    assert _phone_statements(shared_phone, "x1", "x2") <= cited
    assert list_alerts(shared_phone, POL, kind="nexus") == []  # it rests on the two SECRET holders
    (police,) = raise_nexus_alerts(shared_phone, POL, home)
    assert police["alert_id"] != intel["alert_id"] and police["score"] == pytest.approx(0.8)
    assert police["path"]["edges"][0]["shared_by"] == 2
    assert [a["id"] for a in list_alerts(shared_phone, POL, kind="nexus")] == [police["alert_id"]]
    scores = {a["id"]: a["score"] for a in list_alerts(shared_phone, INTL, kind="nexus")}
    assert scores[intel["alert_id"]] == intel["score"]  # the police's run changed nothing of intelligence's


def test_an_exported_hub_tie_is_marked_and_sourced_as_every_member_it_is_counted_with(shared_phone, tmp_path):
    out = io.BytesIO()
    export_graph(shared_phone, INTL, tmp_path / "home", "csv", out)
    rows = csv.DictReader(io.StringIO(out.getvalue().decode()))
    (row,) = [r for r in rows if {r["source"], r["target"]} == {"t1", "c2"}]
    assert (row["shared_by"], row["classification"], row["agencies"]) == ("4", "SECRET", "INTEL; POLICE")
    assert _phone_statements(shared_phone, "t1", "c2", "x1", "x2") == set(row["evidence"].split("; "))


def test_an_alert_cites_what_its_inner_entity_s_number_of_neighbours_rests_on(store, tmp_path):
    """m, between t and y, has two more associates in a SECRET file: intelligence's path through m scores less
    (1/sqrt(d - 1) for d neighbours). Its alert cites that file, so the police see only their own."""
    load(store, tmp_path, "police", OPEN, [
        person("t", "Tariq Alpha", "crime.terror"), person("m", "Milo Middle"), person("y", "Yuri Boss", "crime.boss"),
        entity("f", "Family", person="t", relative="m"), entity("a", "Associate", person="m", associate="y"),
    ])
    load(store, tmp_path, "intel", SECRET_FOR_POLICE, [
        person("s1", "Secret Sam"), person("s2", "Secret Sue"),
        entity("a1", "Associate", person="m", associate="s1"), entity("a2", "Associate", person="m", associate="s2"),
    ])
    home = tmp_path / "home"
    (intel,) = raise_nexus_alerts(store, INTL, home)
    assert intel["path"]["entities"] == ["t", "m", "y"]
    assert list_alerts(store, POL, kind="nexus") == []
    (police,) = raise_nexus_alerts(store, POL, home)
    assert police["alert_id"] != intel["alert_id"] and police["score"] == pytest.approx(intel["score"] * 3 ** 0.5)
    scores = {a["id"]: a["score"] for a in list_alerts(store, INTL, kind="nexus")}
    assert scores[intel["alert_id"]] == intel["score"]


def test_secret_evidence_on_a_neighbour_s_tie_leaves_the_police_an_alert_of_their_own(store, tmp_path):
    """Intelligence corroborates m's tie to n, which the police know too: m has as many neighbours either way, but
    intelligence's alert cites the SECRET kind of data m's ties rest on, so the police's run raises its own."""
    load(store, tmp_path, "police", OPEN, [
        person("t", "Tariq Alpha", "crime.terror"), person("m", "Milo Middle"), person("y", "Yuri Boss", "crime.boss"),
        person("n", "Nina Near"), entity("f", "Family", person="t", relative="m"),
        entity("a", "Associate", person="m", associate="y"), entity("b", "Associate", person="m", associate="n"),
    ])
    load(store, tmp_path, "intel", SECRET_FOR_POLICE, [entity("b2", "Associate", person="m", associate="n")])
    home = tmp_path / "home"
    (intel,) = raise_nexus_alerts(store, INTL, home)
    (police,) = raise_nexus_alerts(store, POL, home)
    assert police["alert_id"] != intel["alert_id"] and police["score"] == intel["score"]
    assert [a["id"] for a in list_alerts(store, POL, kind="nexus")] == [police["alert_id"]]


def test_a_shared_cell_is_counted_and_classified_by_every_stay_while_the_two_were_there(store, tmp_path):
    """A terrorist and a crime boss shared a cell; intelligence knows a third inmate there at the time: it lowers
    and marks intelligence's tie, and its alert cites that stay. An inmate who came after lowers nothing."""
    def stay(event_id, who, start, end):
        return entity(event_id, "Event", name="Detention", involved=who, addressEntity="cell", startDate=start,
                      endDate=end)

    load(store, tmp_path, "prison", OPEN, [
        person("t", "Tariq Alpha", "crime.terror"), person("c", "Cosimo Boss", "crime.boss"), person("later", "Leo"),
        entity("cell", "Address", full="Cell D-20, HMP Belmarsh"),
        stay("s1", "t", "2021-01-01", "2021-12-31"), stay("s2", "c", "2021-03-01", "2021-09-30"),
        stay("s3", "later", "2022-01-01", "2022-06-30"),
    ])
    load(store, tmp_path, "intel", SECRET_FOR_POLICE, [person("x", "Secret Sam"),
                                                       stay("s4", "x", "2021-05-01", "2021-05-31")])
    home = tmp_path / "home"
    (intel_tie,) = [t for t in neighbours(store, INTL, home, "t")["ties"] if t["neighbour"] == "c"]
    assert (intel_tie["shared_by"], intel_tie["classification"]) == (3, "SECRET")
    (police_tie,) = [t for t in neighbours(store, POL, home, "t")["ties"] if t["neighbour"] == "c"]
    assert (police_tie["shared_by"], police_tie["classification"]) == (2, "RESTRICTED")
    (intel,) = raise_nexus_alerts(store, INTL, home)
    assert list_alerts(store, POL, kind="nexus") == []
    (police,) = raise_nexus_alerts(store, POL, home)
    assert police["score"] == pytest.approx(intel["score"] * 2 ** 0.5, abs=1e-5)
    assert [a["id"] for a in list_alerts(store, POL, kind="nexus")] == [police["alert_id"]]


def _phone_statements(store, *entity_ids) -> set[str]:
    query = select(statements.c.id).where(statements.c.entity_id.in_(entity_ids), statements.c.prop == "phone")
    with store.engine.connect() as conn:
        return set(conn.execute(query).scalars())


def test_a_cell_many_passed_through_still_ties_two_who_shared_it_alone(store, tmp_path):
    """Sixty inmates stayed in the cell over the years, one at a time; two shared it for a month: a tie of two."""
    def stay(event_id, who, start, end):
        return entity(event_id, "Event", name="Detention", involved=who, addressEntity="cell", startDate=start,
                      endDate=end)

    earlier = [person(f"p{i}", f"Inmate {i}") for i in range(60)]
    load(store, tmp_path, "prison", OPEN, [
        person("t", "Tariq Alpha", "crime.terror"), person("c", "Cosimo Boss", "crime.boss"), *earlier,
        entity("cell", "Address", full="Cell D-20, HMP Belmarsh"),
        *[stay(f"e{i}", f"p{i}", f"19{40 + i // 2}-0{1 + 6 * (i % 2)}-01", f"19{40 + i // 2}-0{5 + 6 * (i % 2)}-01")
          for i in range(60) if 40 + i // 2 < 100],
        stay("s1", "t", "2021-01-01", "2021-12-31"), stay("s2", "c", "2021-03-01", "2021-03-31"),
    ])
    (tie,) = [t for t in neighbours(store, POL, tmp_path / "home", "t")["ties"] if t["neighbour"] == "c"]
    assert (tie["link_type"], tie["shared_by"]) == ("co_location", 2)
