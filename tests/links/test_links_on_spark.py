"""The link graph's SQL means the same on Spark as on DuckDB: the same edges and the same best paths."""

import orjson
import pytest

from nexus.engine import EVERY_STATEMENT, DuckDBEngine, SparkEngine, take_snapshot
from nexus.ingest import ingest
from nexus.links import TERROR_SIDE, CRIME_SIDE, build_graph, find_brokers, find_paths
from nexus.model import Classification, Labels
from nexus.sources import get_format

# Spark reads the engine snapshot, the same whichever database it came from; the DuckDB side runs on both.
pytestmark = [pytest.mark.spark, pytest.mark.sqlite_only, pytest.mark.xdist_group("spark")]


def entity(entity_id, schema, **props):
    return {"id": entity_id, "schema": schema, "properties": {k: [v] for k, v in props.items()}}


@pytest.fixture
def snapshot(store, tmp_path):
    entities = [
        entity("t", "Person", name="T", topics="crime.terror", phone="+44 20 7946 0001"),
        entity("x", "Person", name="X", phone="+442079460001", email="x@example.org"),
        entity("y", "Person", name="Y", topics="crime.traffick.drug", email="X@Example.org "),
        entity("c", "Company", name="C Ltd"), entity("z", "Person", name="Z", topics="crime.boss"),
        entity("dx", "Directorship", director="x", organization="c", startDate="2020-01-01"),
        entity("dz", "Directorship", director="z", organization="c", startDate="2024-05-01"),
        entity("p", "Payment", payer="t", beneficiary="z", amount="1500", date="2023-02-03"),
        # money passed on through M to Y; Z and T only both paid M
        entity("m", "Person", name="M"),
        entity("tm", "Payment", payer="t", beneficiary="m", amount="700", date="2023-03-01"),
        entity("my", "Payment", payer="m", beneficiary="y", amount="650", date="2023-03-05"),
        entity("zm", "Payment", payer="z", beneficiary="m", amount="90", date="2023-03-02"),
        entity("cell", "Address", full="Block D cell 20"),
        entity("s1", "Event", involved="t", addressEntity="cell", startDate="2019-01-01", endDate="2019-12-31"),
        entity("s2", "Event", involved="y", addressEntity="cell", startDate="2019-06-01", endDate="2020-06-01"),
        # spellings that normalise alike: a bracketed trunk zero, Arabic-Indic digits, a Cyrillic А, an IBAN as a number
        entity("q1", "Person", name="Q1", phone="+44 (0)20 7946 0005"), entity("q2", "Person", name="Q2", phone="+٤٤ ٢٠ ٧٩٤٦ ٠٠٠٥"),
        entity("q3", "Person", name="Q3", passportNumber="АВ7654321"), entity("q4", "Person", name="Q4", passportNumber="AB7654321"),
        entity("a1", "BankAccount", iban="GB29 NWBK 6016 1331 9268 19"), entity("a2", "BankAccount", accountNumber="GB29NWBK60161331926819"),
        # co-defendants of one case; one cell written as a second Address entity; a trip; an ownership whose ends
        # two sources state
        entity("case", "CourtCase", name="R v T"), entity("cp1", "CourtCaseParty", party="t", case="case"),
        entity("cp2", "CourtCaseParty", party="q1", case="case"),
        entity("cell2", "Address", full="block D, cell 20"),
        entity("s3", "Event", involved="q3", addressEntity="cell2", startDate="2019-03-01", endDate="2019-04-01"),
        entity("trip", "Trip", involved="q2", startDate="2022-05-01"), entity("o1", "Ownership", owner="q4"),
    ]
    path = tmp_path / "world.json"
    path.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in entities))
    store.register_source("world", "ftm", Labels("POLICE", Classification.RESTRICTED))
    ingest(store, "world", path, get_format("ftm").read(path))
    more = [entity("trip", "Trip", involved="q4"), entity("o1", "Ownership", asset="c")]
    path.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in more))
    store.register_source("customs", "ftm", Labels("CUSTOMS", Classification.RESTRICTED))
    ingest(store, "customs", path, get_format("ftm").read(path))
    return take_snapshot(store, tmp_path / "snap")


def run(session, snapshot):
    session.use_snapshot(snapshot, EVERY_STATEMENT)
    build_graph(session)
    edges = session.run("table_rows", names={"source_table": "link_edges"}).to_pylist()
    ties = session.run("table_rows", names={"source_table": "link_ties"}).to_pylist()
    members = session.run("table_rows", names={"source_table": "link_memberships"}).to_pylist()
    paths = find_paths(session, TERROR_SIDE, CRIME_SIDE, limit=20)
    brokers = find_brokers(session, TERROR_SIDE, CRIME_SIDE)
    return (
        sorted((e["source_id"], e["target_id"], e["link_type"], e["via"], round(e["weight"], 9), round(e["strength"], 9),
                e["first_date"], e["last_date"], e["amount"], sorted(e["evidence"]), sorted(e["sources"])) for e in edges),
        sorted((t["a"], t["b"], t["link_type"], t["via"], t["forward"]) for t in ties),
        sorted((m["member"], m["hub"], m["link_type"], m["shared_by"], sorted(m["evidence"])) for m in members),
        [(p.entities, round(p.score, 9)) for p in paths],
        [(b.id, round(b.brokerage, 9), b.roles) for b in brokers],
    )


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_spark_builds_the_same_graph_and_answers_the_same(snapshot, spark_session):
    with DuckDBEngine() as duck:
        expected = run(duck, snapshot)
    with SparkEngine(spark_session) as spark:
        assert run(spark, snapshot) == expected
    edges, _, members, paths, brokers = expected
    assert {e[2] for e in edges} >= {"phone", "email", "co_director", "Directorship", "Payment", "co_location", "iban",
                                     "co_defendant", "CourtCaseParty", "co_travel"}
    assert ("q3", "t", "co_location") in {e[:3] for e in edges}  # one cell, two Address entities
    assert {tuple(e[-1]) for e in edges if e[:3] == ("q4", "c", "Ownership")} == {("customs", "world")}
    assert {m[1] for m in members} >= {"phone:442079460005", "identifier:AB7654321", "iban:GB29NWBK60161331926819", "trip"}
    assert paths and brokers
