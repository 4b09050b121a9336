"""The link graph and its nexus questions on hand-built worlds, on both databases.

Each world is a few FtM entities from two agencies: which paths exist, through which
identifiers and relationships, which entities broker, what a hub shared by many is worth,
when two detentions overlap, and what a viewer without the clearance, compartment or
warrant is left with (nothing that reveals the hidden tie: no path, broker, count or tie).
"""

from datetime import UTC, datetime, timedelta

import orjson
import pytest
from sqlalchemy import func, select

from nexus.errors import InvalidInput, NotFound
from nexus.ingest import ingest
from nexus.links.config import LinkConfig
from nexus.links.query import Side
from nexus.model import Classification, Labels
from nexus.security.viewer import Viewer
from nexus.security.warrants import add_warrant
from nexus.service.links import CRIME_SIDE, TERROR_SIDE, bridges, build_links, neighbours, nexus_brokers, nexus_paths
from nexus.sources import get_format
from nexus.store.schema import audit_log, statements

R, S = Classification.RESTRICTED, Classification.SECRET
POLICE = Viewer("constable", "POLICE", frozenset({"analyst"}), R, purpose="case 42")
LEAD = Viewer("lead", "POLICE", frozenset({"analyst"}), S, frozenset({"CEDAR"}), purpose="case 42")
OPEN = Labels("POLICE", R)
INTERCEPT = Labels("POLICE", S, compartment="CEDAR")


def entity(entity_id, schema, **props):
    return {"id": entity_id, "schema": schema,
            "properties": {k: v if isinstance(v, list) else [v] for k, v in props.items()}}


def person(entity_id, name, *topics, **props):
    return entity(entity_id, "Person", name=name, **({"topics": list(topics)} if topics else {}), **props)


def load(store, tmp_path, source, labels, entities):
    path = tmp_path / f"{source}.json"
    path.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in entities))
    store.register_source(source, "ftm", labels)
    ingest(store, source, path, get_format("ftm").read(path))


@pytest.fixture
def chain(store, tmp_path):
    """Terrorist T shares a phone with X (the phone known only from a CEDAR intercept); X and the
    trafficker Y direct the same company C (open registry records)."""
    load(store, tmp_path, "registry", OPEN, [
        person("t", "Tariq Terror", "crime.terror", phone="+44 20 7946 0001"),
        person("x", "Xavier Middle"),
        person("y", "Yuri Trafficker", "crime.traffick.drug"),
        entity("c", "Company", name="Crescent Trading Ltd"),
        entity("dx", "Directorship", director="x", organization="c", startDate="2021-01-01"),
        entity("dy", "Directorship", director="y", organization="c", startDate="2022-03-01"),
    ])
    load(store, tmp_path, "intercepts", INTERCEPT, [person("x", "Xavier Middle", phone="+44 (20) 7946-0001")])
    return store


def ids(paths):
    return [p["entities"] for p in paths]


def test_a_shared_phone_and_a_shared_company_make_a_two_hop_path_through_what_they_share(chain, tmp_path):
    (path, *_) = nexus_paths(chain, LEAD, tmp_path / "home")
    # Sharing an identifier or a company puts two entities one hop apart, the shared thing between them.
    assert path["entities"] == ["t", "phone:442079460001", "x", "c", "y"]
    assert path["hops"] == 2 and [e["type"] for e in path["edges"]] == ["phone", "co_director"]
    assert path["edges"][0]["via"] == "phone:442079460001" and path["edges"][0]["agencies"] == ["POLICE"]
    assert sorted(path["edges"][0]["sources"]) == ["intercepts", "registry"]
    assert path["edges"][1]["via"] == "c" and path["edges"][1]["evidence"] == ["dx", "dy"]
    assert (path["edges"][1]["first_date"], path["edges"][1]["last_date"]) == ("2021-01-01", "2022-03-01")
    # The score multiplies the ties' strengths (weights discounted by the age of their evidence) and
    # 1/sqrt(d - 1) for the inner entity with d ties: x is tied to t, c and y.
    strengths = [e["strength"] for e in path["edges"]]
    assert path["score"] == pytest.approx(strengths[0] * strengths[1] / 2 ** 0.5, rel=1e-4)
    # both directorships began and have not ended: the co-directors' tie holds now, undiscounted
    assert strengths[0] == path["edges"][0]["weight"] and strengths[1] == path["edges"][1]["weight"]
    assert path["words"] == ("Tariq Terror —phone (phone 442079460001)→ Xavier Middle "
                             "—co_director (Crescent Trading Ltd)→ Yuri Trafficker")
    # The company itself is in the graph too: its directorships are ties of their own.
    ties = {(t["neighbour"], t["link_type"]) for t in neighbours(chain, LEAD, tmp_path / "home", "x")["ties"]}
    assert ties == {("t", "phone"), ("c", "Directorship"), ("y", "co_director")}
    # Each tie is classified as the highest of its evidence; a chart for a RESTRICTED audience can leave the rest out.
    assert [e["classification"] for e in path["edges"]] == ["SECRET", "RESTRICTED"]
    for bad in ({"since": "notadate"}, {"until": "2023-13-01"}):
        with pytest.raises(InvalidInput, match="must be a date"):
            neighbours(chain, LEAD, tmp_path / "home", "x", **bad)
    releasable = neighbours(chain, LEAD, tmp_path / "home", "x", max_classification="restricted")["ties"]
    assert {t["neighbour"] for t in releasable} == {"c", "y"} and {t["classification"] for t in releasable} == {"RESTRICTED"}


def test_topic_prefixes_and_entity_ids_define_the_sides(chain, tmp_path):
    home = tmp_path / "home"
    # An entity on both sides stands on the terror side of the default question, not on the crime side too.
    load(chain, tmp_path, "kin", OPEN, [person("k", "Kin", "crime.terror", "crime.boss"),
                                        entity("kf", "Family", person="t", relative="k")])
    assert ["t", "k"] not in ids(nexus_paths(chain, LEAD, home))
    by_prefix = nexus_paths(chain, LEAD, home, Side(topics=("crime.terror",)), Side(topics=("crime.traffick",)))
    by_id = nexus_paths(chain, LEAD, home, Side(ids=("t",)), Side(ids=("y",)))
    assert ids(by_prefix)[:1] == ids(by_id)[:1] == [["t", "phone:442079460001", "x", "c", "y"]]
    assert nexus_paths(chain, LEAD, home, Side(ids=("t",)), Side(ids=("y",)), max_hops=1) == []
    with pytest.raises(NotFound):
        nexus_paths(chain, LEAD, home, Side(ids=("nobody",)), Side(ids=("y",)))
    with pytest.raises(InvalidInput):
        nexus_paths(chain, LEAD, home, max_hops=5)
    for wildcard in ("%", "crime.%", "_rime.terror", "crime.terrorr", "crime.traff"):  # FtM's topics, as words
        with pytest.raises(InvalidInput, match="not an FtM topic"):
            nexus_paths(chain, LEAD, home, Side(topics=(wildcard,)), Side(topics=("crime.traffick",)))
    assert nexus_paths(chain, LEAD, home, Side(topics=("crime",)), Side(topics=("sanction",))) == []  # topics, none here
    with pytest.raises(InvalidInput, match="not a link type: nosuchtype"):
        neighbours(chain, LEAD, home, "t", types=("nosuchtype",))
    assert neighbours(chain, LEAD, home, "t", types=("Debt",))["ties"] == []


def test_a_viewer_without_the_compartment_gets_no_path_broker_tie_or_count_that_reveals_it(chain, tmp_path):
    home = tmp_path / "home"
    assert nexus_paths(chain, POLICE, home) == []
    assert nexus_brokers(chain, POLICE, home) == []
    assert {t["neighbour"] for t in neighbours(chain, POLICE, home, "x")["ties"]} == {"c", "y"}
    assert neighbours(chain, POLICE, home, "t")["ties"] == []
    police, lead = build_links(chain, POLICE, home), build_links(chain, LEAD, home)
    assert (police["nodes"], police["edges"]) == (lead["nodes"], lead["edges"] - 1)  # the hidden tie, not its nodes
    assert police["kept"] and not lead["kept"] and build_links(chain, LEAD, home)["kept"]  # one graph per visibility


def test_a_warrant_bound_tie_exists_only_while_the_warrant_is_usable(store, tmp_path):
    now = datetime.now(UTC)
    boss = Viewer("boss", "POLICE", frozenset({"supervisor"}), S)
    add_warrant(store, boss, "W-1", agency="POLICE", kind="interception", allowed_uses=["prosecution"],
                issued_at=(now - timedelta(days=10)).isoformat(), expires_at=(now - timedelta(days=1)).isoformat())
    load(store, tmp_path, "people", OPEN, [person("t", "Tariq", "crime.terror"), person("y", "Yuri", "crime.boss")])
    load(store, tmp_path, "wiretap", Labels("POLICE", R, warrant="W-1"),
         [entity("call", "UnknownLink", subject="t", object="y")])
    home = tmp_path / "home"
    prosecutor = Viewer("p", "POLICE", frozenset({"investigator"}), R, purpose="prosecution")
    assert ids(nexus_paths(store, prosecutor, home)) == [["t", "y"]]
    assert nexus_paths(store, Viewer("a", "POLICE", frozenset({"analyst"}), R, purpose="intelligence"), home) == []


def test_brokers_and_their_gould_fernandez_roles(store, tmp_path):
    load(store, tmp_path, "police", OPEN, [
        person("t", "T", "crime.terror"), person("c", "C", "crime.boss"),
        person("b", "Liaison"), person("g", "Gate"), person("r", "Rep"), person("m", "Middle"),
        person("g2", "Gate2"), person("r2", "Rep2"),
        entity("a1", "Associate", person="t", associate="b"), entity("a2", "Associate", person="b", associate="c"),
        entity("a3", "Associate", person="t", associate="g"), entity("a4", "Associate", person="g", associate="r"),
        entity("a5", "Associate", person="r", associate="c"),
        entity("a6", "Associate", person="t", associate="g2"), entity("a7", "Associate", person="g2", associate="m"),
        entity("a8", "Associate", person="m", associate="r2"), entity("a9", "Associate", person="r2", associate="c"),
    ])
    brokers = {b["id"]: b for b in nexus_brokers(store, POLICE, tmp_path / "home")}
    assert brokers["b"]["roles"] == {"liaison": 1} and brokers["b"]["paths"] == 1
    assert brokers["g"]["roles"] == {"gatekeeper": 1} and brokers["r"]["roles"] == {"representative": 1}
    assert brokers["m"]["roles"] == {"coordinator": 1}
    assert list(brokers)[0] == "b"  # the shortest bridge carries the best path
    assert [p["entities"] for p in brokers["b"]["best_paths"]] == [["t", "b", "c"]]  # the paths that make it one
    assert [p["entities"] for p in brokers["m"]["best_paths"]] == [["t", "g2", "m", "r2", "c"]]
    assert brokers["m"]["best_paths"][0]["words"] == "T —Associate→ Gate2 —Associate→ Middle —Associate→ Rep2 —Associate→ C"


def test_an_identifier_shared_by_many_is_down_weighted_and_past_the_cap_binds_no_one(store, tmp_path):
    hostel = "Hostel Europa, Stationsstraat 1, 2000 Antwerp"
    crowd = [person(f"guest{i}", f"Guest {i}", address=hostel) for i in range(60)]
    load(store, tmp_path, "police", OPEN, [
        person("t", "T", "crime.terror", address=hostel, email="t.shared@example.org"),
        person("y", "Y", "crime.boss", address=hostel, email="T.Shared@example.org"),
        person("t2", "T2", "crime.terror", phone="+32 470 11 22 33"),
        *[person(f"p{i}", f"P {i}", phone="+32 470 11 22 33") for i in range(9)], *crowd,
    ])
    home = tmp_path / "home"
    (path,) = nexus_paths(store, POLICE, home, Side(ids=("t",)), Side(ids=("y",)))
    assert [e["type"] for e in path["edges"]] == ["email"]  # the hostel (62 guests) binds no one
    pair = {t["neighbour"]: t for t in neighbours(store, POLICE, home, "t2")["ties"]}
    assert len(pair) == 9 and {t["shared_by"] for t in pair.values()} == {10}
    assert pair["p0"]["weight"] == pytest.approx(0.8 / 3)  # a phone shared by ten: 0.8 / sqrt(9)
    guest = neighbours(store, POLICE, home, "guest1")
    assert guest["ties"] == [] and [(c["hub"], c["shared_by"]) for c in guest["crowded"]] == [
        ("address:hostel europa stationsstraat 1 2000 antwerp", 62)]  # no tie, but not hidden either
    phone = neighbours(store, POLICE, home, "phone:32470112233", per_type=4)  # a hub as paths name it: who shares it
    assert phone["node"]["kind"] == "identifier" and phone["node"]["shared_by"] == 10
    assert [t["neighbour"] for t in phone["ties"]] == ["p0", "p1", "p2", "p3"] and phone["ties"][0]["more_of_type"] == 6
    assert phone["ties"][0]["weight"] == pytest.approx(0.8 / 3)
    hostel = neighbours(store, POLICE, home, "address:hostel europa stationsstraat 1 2000 antwerp")
    assert hostel["ties"][0]["weight"] == 0 and hostel["node"]["shared_by"] == 62
    with pytest.raises(NotFound):
        neighbours(store, POLICE, home, "phone:0000000")


def test_identifiers_in_every_script_bind_only_when_they_are_the_same(store, tmp_path):
    """Addresses keep their letters in every script (two Moscow streets are not one address of their house and
    postcode numbers), documents theirs; a phone is the same with + or 00 before its country code."""
    load(store, tmp_path, "police", OPEN, [
        person("t", "T", "crime.terror", address="ул. Ленина 10, 101000 Москва", phone="+44 20 7946 0001"),
        person("y", "Y", "crime.boss", address="ул. Пушкина 10, 101000 Москва", phone="0044 20 7946 0001"),
        person("t2", "T2", "crime.terror", address="شارع الملك فهد 12345", passportNumber="МН 123456"),
        person("y2", "Y2", "crime.boss", address="شارع العليا 12345", passportNumber="АБ 123456"),
        person("t3", "T3", "crime.terror", address="Mühlenweg 5, Bremen"),
        person("y3", "Y3", "crime.boss", address="MÜHLENWEG 5 - BREMEN"),
    ])
    home = tmp_path / "home"
    assert [[e["type"] for e in p["edges"]] for p in nexus_paths(store, POLICE, home, Side(ids=("t",)), Side(ids=("y",)))] \
        == [["phone"]]
    assert nexus_paths(store, POLICE, home, Side(ids=("t2",)), Side(ids=("y2",))) == []
    (path,) = nexus_paths(store, POLICE, home, Side(ids=("t3",)), Side(ids=("y3",)))
    assert path["entities"] == ["t3", "address:mühlenweg 5 bremen", "y3"]


def test_identifiers_written_the_ways_people_write_them_bind(store, tmp_path):
    """A trunk zero in brackets, Arabic-Indic digits, a passport number typed with Cyrillic capitals that look
    Latin, an IBAN with spaces: each binds its pair, and an IBAN is a tie of its own type."""
    pairs = [("phone", "+44 (0)20 7946 0111", "+44 20 7946 0111"), ("phone", "+٤٤ ٢٠ ٧٩٤٦ ٠٢٢٢", "+44 20 7946 0222"),
             ("passportNumber", "АВ7654321", "AB7654321")]
    load(store, tmp_path, "police", OPEN, [
        *[p for n, (prop, a, b) in enumerate(pairs)
          for p in (person(f"t{n}", f"T{n}", "crime.terror", **{prop: a}), person(f"y{n}", f"Y{n}", "crime.boss", **{prop: b}))],
        person("ti", "TI", "crime.terror"), person("yi", "YI", "crime.boss"),
        entity("acc-ti", "BankAccount", iban="GB29 NWBK 6016 1331 9268 19"), entity("acc-yi", "BankAccount", iban="GB29NWBK60161331926819"),
        entity("own-ti", "Ownership", owner="ti", asset="acc-ti"), entity("own-yi", "Ownership", owner="yi", asset="acc-yi"),
    ])
    home = tmp_path / "home"
    hubs = [nexus_paths(store, POLICE, home, Side(ids=(f"t{n}",)), Side(ids=(f"y{n}",)))[0]["entities"][1] for n in range(3)]
    assert hubs == ["phone:442079460111", "phone:442079460222", "identifier:AB7654321"]
    (path, *_) = nexus_paths(store, POLICE, home, Side(ids=("ti",)), Side(ids=("yi",)))
    assert path["entities"] == ["ti", "acc-ti", "iban:GB29NWBK60161331926819", "acc-yi", "yi"]  # two records of one account
    assert [e["weight"] for e in path["edges"] if e["type"] == "iban"] == [pytest.approx(0.9)]
    assert [t["neighbour"] for t in neighbours(store, POLICE, home, "acc-ti", types=("iban",))["ties"]] == ["acc-yi"]
    # the same IBAN given as an account number (a bank feed, a goAML <account>) meets it
    load(store, tmp_path, "bank", OPEN, [entity("acc-zi", "BankAccount", accountNumber="GB29NWBK60161331926819")])
    assert {t["neighbour"] for t in neighbours(store, POLICE, home, "acc-ti", types=("iban",))["ties"]} == {"acc-yi", "acc-zi"}


def test_a_shared_document_or_place_tie_rests_on_the_statements_that_make_it_too(store, tmp_path):
    """Whose passport it is, and the full address that names a place, come from a CONFIDENTIAL file: the tie is
    CONFIDENTIAL and cites them; a RESTRICTED viewer has no such tie, nor the address's words."""
    load(store, tmp_path, "police", OPEN, [
        person("g1", "Ghazi", "crime.terror"), person("g2", "Gregor", "crime.boss"),
        entity("pp-g1", "Passport", number="XY9876543", country="sy"),
        entity("pp-g2", "Passport", number="XY9876543", holder="g2", country="sy"),
        person("a1", "Adnan", "crime.terror", addressEntity="addr-safe"),
        person("a2", "Arturo", "crime.traffick", addressEntity="addr-safe"),
        entity("addr-safe", "Address", country="es"),
    ])
    load(store, tmp_path, "informant", Labels("POLICE", Classification.CONFIDENTIAL), [
        entity("pp-g1", "Passport", holder="g1"), entity("addr-safe", "Address", full="Calle Secreta 13, 3B, Malaga"),
    ])
    with store.engine.connect() as conn:
        confidential = set(conn.execute(select(statements.c.id).where(statements.c.source == "informant")).scalars())
    sergeant = Viewer("sergeant", "POLICE", frozenset({"analyst"}), Classification.CONFIDENTIAL, purpose="case 42")
    home = tmp_path / "home"
    for ends, hub in ((("g1", "g2"), "identifier:XY9876543"), (("a1", "a2"), "address:calle secreta 13 3b malaga")):
        (path,) = nexus_paths(store, sergeant, home, Side(ids=(ends[0],)), Side(ids=(ends[1],)))
        (edge,) = path["edges"]
        assert path["entities"] == [ends[0], hub, ends[1]] and edge["classification"] == "CONFIDENTIAL"
        assert set(edge["evidence"]) & confidential
    assert nexus_paths(store, POLICE, home, Side(ids=("g1",)), Side(ids=("g2",))) == []
    (path,) = nexus_paths(store, POLICE, home, Side(ids=("a1",)), Side(ids=("a2",)))
    assert path["entities"] == ["a1", "address:addr-safe", "a2"] and path["edges"][0]["classification"] == "RESTRICTED"


def test_a_path_keeps_the_direction_its_evidence_states(store, tmp_path):
    """Money went from the dealer through a mule to the terrorist; the path runs from the terrorist's end."""
    load(store, tmp_path, "fiu", OPEN, [
        person("t10", "Pay Terror", "crime.terror"), person("d10", "Pay Dealer", "crime.traffick.drug"),
        person("m10", "Money Mule"),
        entity("pay1", "Payment", payer="d10", beneficiary="m10", amount="5000", currency="EUR", date="2024-01-10"),
        entity("pay2", "Payment", payer="m10", beneficiary="t10", amount="4800", currency="EUR", date="2024-01-20"),
    ])
    home = tmp_path / "home"
    (path,) = nexus_paths(store, POLICE, home, Side(ids=("t10",)), Side(ids=("d10",)))
    assert [(e["source"], e["target"], e["forward"]) for e in path["edges"]] == [("t10", "m10", False), ("m10", "d10", False)]
    assert path["words"].startswith("Pay Terror ←Payment") and "— Money Mule ←Payment" in path["words"]
    ties = {t["neighbour"]: t["forward"] for t in neighbours(store, POLICE, home, "m10")["ties"]}
    assert ties == {"t10": True, "d10": False}  # the mule paid the terrorist and was paid by the dealer


def test_a_relationship_begun_and_not_ended_is_not_discounted_for_its_age(store, tmp_path):
    """Three ownership chains alike but for their dates: undated, begun in 2015 and ongoing, and ended in 2015."""
    dates = {"u": {}, "o": {"startDate": "2015-03-01"}, "e": {"startDate": "2012-03-01", "endDate": "2015-03-01"}}
    load(store, tmp_path, "registry", OPEN, [
        e for k, when in dates.items() for e in (
            person(f"t{k}", f"T{k}", "crime.terror"), person(f"y{k}", f"Y{k}", "crime.boss"),
            entity(f"c{k}", "Company", name=f"Shell {k}"),
            entity(f"own{k}", "Ownership", owner=f"t{k}", asset=f"c{k}", **when),
            entity(f"dir{k}", "Directorship", director=f"y{k}", organization=f"c{k}", **when))
    ])
    home = tmp_path / "home"
    score = {k: nexus_paths(store, POLICE, home, Side(ids=(f"t{k}",)), Side(ids=(f"y{k}",)))[0]["score"] for k in dates}
    assert score["o"] == pytest.approx(score["u"]) and score["e"] < score["u"]
    # a payment made in 2015 with no end date stated is a 2015 payment, not an ongoing one
    load(store, tmp_path, "fiu", OPEN, [person("tp", "TP", "crime.terror"), person("yp", "YP", "crime.boss"),
                                        entity("pp", "Payment", payer="yp", beneficiary="tp", startDate="2015-03-01")])
    (paid,) = nexus_paths(store, POLICE, home, Side(ids=("tp",)), Side(ids=("yp",)))
    assert paid["edges"][0]["strength"] < paid["edges"][0]["weight"]


def test_a_payment_two_sources_state_is_one_piece_and_currencies_are_not_added_up(store, tmp_path):
    payments = [person("t", "T", "crime.terror"), person("y", "Y", "crime.boss"),
                entity("pay1", "Payment", payer="t", beneficiary="y", amount="1000", currency="USD", date="2024-03-01"),
                entity("pay2", "Payment", payer="t", beneficiary="y", amount="1000000", currency="IRR", date="2024-03-02")]
    load(store, tmp_path, "police", OPEN, payments)
    load(store, tmp_path, "customs", OPEN, payments[2:3])  # the USD payment again, from a second source
    ties = neighbours(store, POLICE, tmp_path / "home", "t")["ties"]
    money = sorted((t["currency"], t["amount"], t["pieces"]) for t in ties if t["link_type"] == "Payment")
    assert money == [("IRR", 1000000.0, 1), ("USD", 1000.0, 1)]


def test_a_path_walks_through_a_shared_hub_once(store, tmp_path):
    """T and Y share a phone with three others: one path joins them through it, not one more through each
    of the others (T -phone- P -phone- Y rests on that one phone again), so the bridge is not corroborated
    by its own evidence counted over."""
    phone = "+32 470 99 88 77"
    load(store, tmp_path, "police", OPEN, [
        person("t", "T", "crime.terror", phone=phone), person("y", "Y", "crime.boss", phone=phone),
        *[person(f"p{i}", f"P {i}", phone=phone) for i in range(3)],
    ])
    home = tmp_path / "home"
    assert ids(nexus_paths(store, POLICE, home, limit=10)) == [["t", "phone:32470998877", "y"]]
    (bridge,) = bridges(store, POLICE, home, TERROR_SIDE, CRIME_SIDE, max_hops=4, limit=10)
    assert bridge["paths"] == 1 and bridge["score"] == pytest.approx(0.8 / 2, rel=1e-3)  # five share it: 0.8 / sqrt(4)


def test_a_hop_walks_its_strongest_tie_and_a_company_is_not_both_shared_and_walked_through(store, tmp_path):
    """T and P are brothers who also share a phone with Y: the path T -Family- P -phone- Y walks the phone once.
    T, X and Y direct one company: T and Y are joined through its board, by as many paths as are simple."""
    phone = "+32 470 55 44 33"
    load(store, tmp_path, "police", OPEN, [
        person("t", "T", "crime.terror", phone=phone), person("p", "P", phone=phone),
        person("y", "Y", "crime.boss", phone=phone), entity("f", "Family", person="t", relative="p"),
        person("t2", "T2", "crime.terror"), person("x", "X"), person("y2", "Y2", "crime.boss"),
        entity("c", "Company", name="Crescent Ltd"),
        *[entity(f"d{who}", "Directorship", director=who, organization="c") for who in ("t2", "x", "y2")],
    ])
    home = tmp_path / "home"
    found = ids(nexus_paths(store, POLICE, home, Side(ids=("t",)), Side(ids=("y",)), limit=10))
    assert ["t", "p", "phone:32470554433", "y"] in found and ["t", "phone:32470554433", "y"] in found
    paths = nexus_paths(store, POLICE, home, Side(ids=("t2",)), Side(ids=("y2",)), limit=10)
    assert all(len(set(p["entities"])) == len(p["entities"]) for p in paths)
    (bridge,) = bridges(store, POLICE, home, Side(ids=("t2",)), Side(ids=("y2",)), max_hops=4, limit=10)
    assert bridge["paths"] == len(paths)


def test_a_hop_without_its_hub_carries_a_path_that_walks_the_hub_elsewhere(store, tmp_path):
    """T and P are tied by an UnknownLink and share a phone with Y. T -UnknownLink- P -phone- Y walks the phone
    once, on its second hop; its first hop weighs the UnknownLink alone, not the phone a second time."""
    phone = "+32 470 12 34 56"
    load(store, tmp_path, "police", OPEN, [
        person("t", "T", "crime.terror", phone=phone), person("p", "P", phone=phone),
        person("y", "Y", "crime.boss", phone=phone), entity("u", "UnknownLink", subject="t", object="p"),
    ])
    home = tmp_path / "home"
    found = {tuple(p["entities"]): p for p in nexus_paths(store, POLICE, home, Side(ids=("t",)), Side(ids=("y",)), limit=10)}
    shared = 0.8 / 2 ** 0.5  # a phone three share
    assert set(found) == {("t", "phone:32470123456", "y"), ("t", "p", "phone:32470123456", "y")}
    direct, through_p = found[("t", "phone:32470123456", "y")], found[("t", "p", "phone:32470123456", "y")]
    assert direct["score"] == pytest.approx(shared, rel=1e-4)
    assert [e["type"] for e in through_p["edges"]] == ["UnknownLink", "phone"]
    assert through_p["score"] == pytest.approx(0.5 * shared, rel=1e-4)  # P has two neighbours: no penalty
    (bridge,) = bridges(store, POLICE, home, Side(ids=("t",)), Side(ids=("y",)), max_hops=4, limit=10)
    assert bridge["paths"] == 2 and bridge["score"] == pytest.approx(1 - (1 - shared) * (1 - 0.5 * shared), rel=1e-3)


def test_the_partial_paths_kept_per_entity_are_chains_not_the_ways_of_walking_one(store, tmp_path):
    """F and X are brothers who share two phones and two e-mail addresses, and so are X and M: the chain F-X-M
    can be walked in 25 ways (a hub or none on each hop), as many as the partial paths kept per entity. The weaker
    chain F-Y-M is kept beside it, not crowded out by the ways of one chain."""
    shared = {"f": [f"+32 470 10 00 0{i}" for i in range(2)], "m": [f"+32 470 20 00 0{i}" for i in range(2)]}
    mails = {"f": [f"fx{i}@example.org" for i in range(2)], "m": [f"xm{i}@example.org" for i in range(2)]}
    load(store, tmp_path, "police", OPEN, [
        person("f", "F", "crime.terror", phone=shared["f"], email=mails["f"]),
        person("x", "X", phone=shared["f"] + shared["m"], email=mails["f"] + mails["m"]),
        person("m", "M", phone=shared["m"], email=mails["m"]), person("y", "Y"), person("t", "T", "crime.boss"),
        entity("fx", "Family", person="f", relative="x"), entity("xm", "Family", person="x", relative="m"),
        entity("fy", "UnknownLink", subject="f", object="y"), entity("ym", "UnknownLink", subject="y", object="m"),
        entity("mt", "Family", person="m", relative="t"),
    ])
    chains = [[e for e in p["entities"] if e in "fxymt"] for p in
              nexus_paths(store, POLICE, tmp_path / "home", Side(ids=("f",)), Side(ids=("t",)), 3, limit=10)]
    assert chains == [["f", "x", "m", "t"], ["f", "y", "m", "t"]]


def test_money_passed_on_through_an_entity_binds_its_ends_more_than_two_counterparties_of_it(store, tmp_path):
    """Two payments meet at a middleman with no other ties. Money passed on through him (one end paid him and he
    paid the other within 30 days, either way round) keeps the path's full score; two who both paid him, or were
    both paid by him, or payments months apart or in the wrong order, make his ends only his counterparties."""
    def paid(payment_id, payer, beneficiary, day):
        return entity(payment_id, "Payment", payer=payer, beneficiary=beneficiary, amount="900", date=day)

    load(store, tmp_path, "fiu", OPEN, [
        person("t", "T", "crime.terror"), *(person(f"k{i}", f"K{i}", "crime.boss") for i in range(1, 7)),
        *(person(m, m.upper()) for m in "abcdef"),
        paid("ta", "t", "a", "2024-03-01"), paid("ak", "a", "k1", "2024-03-04"),  # passed on to K1
        paid("tb", "t", "b", "2024-03-01"), paid("kb", "k2", "b", "2024-03-02"),  # both paid B
        paid("ct", "c", "t", "2024-03-01"), paid("ck", "c", "k3", "2024-03-02"),  # both paid by C
        paid("td", "t", "d", "2024-03-01"), paid("dk", "d", "k4", "2024-09-01"),  # paid on six months later
        paid("ke", "k5", "e", "2024-03-01"), paid("et", "e", "t", "2024-03-10"),  # passed on from K5 to T
        paid("tf", "t", "f", "2024-03-10"), paid("fk", "f", "k6", "2024-03-01"),  # paid out before it came in
    ])
    found = {p["entities"][-1]: p for p in nexus_paths(store, POLICE, tmp_path / "home", Side(ids=("t",)),
                                                       Side(ids=tuple(f"k{i}" for i in range(1, 7))), limit=20)}
    assert {k: found[k]["entities"][1] for k in found} == {"k1": "a", "k2": "b", "k3": "c", "k4": "d", "k5": "e", "k6": "f"}
    passed_on = found["k1"]["score"]
    assert found["k5"]["score"] == pytest.approx(passed_on, rel=1e-4)
    for counterparty in ("k2", "k3", "k4", "k6"):
        assert found[counterparty]["score"] == pytest.approx(0.25 * passed_on, rel=1e-4)


def test_money_is_followed_through_every_inner_entity_of_a_longer_path_and_a_day_not_known_is_any_day(store, tmp_path):
    """Chains of payments from T, 2024. Where money went on before it came in, at the first, second or third
    inner entity of a four-hop chain or the first or second of a three-hop one, the chain takes the counterparty
    factor once; the path search judges each place where its halves are built and meet. A payment dated only by
    its month may be of any day of it: T's money to H, paid on 15 March and once in March, may have gone on to
    K8 within 30 days of 20 April; T's money to I, paid only on 15 March, did not."""
    def paid(payer, beneficiary, day):
        return entity(f"{payer}-{beneficiary}-{day}", "Payment", payer=payer, beneficiary=beneficiary, amount="500", date=day)

    chains = {  # inner entities, days of each payment along the chain
        "a": ("03-01", "03-03", "03-05", "03-07"), "b": ("03-01", "02-20", "03-05", "03-07"),
        "c": ("03-01", "03-03", "02-25", "03-07"), "d": ("03-01", "03-03", "03-05", "02-28"),
        "e": ("03-01", "03-03", "03-05"), "f": ("03-01", "02-20", "03-05"), "g": ("03-01", "03-03", "02-25"),
    }
    payments = []
    for n, (letter, days) in enumerate(chains.items(), start=1):
        inner = [f"{letter}{i}" for i in range(1, len(days))]
        route = ["t", *inner, f"k{n}"]
        payments += [paid(a, b, f"2024-{day}") for a, b, day in zip(route, route[1:], days)]
    payments += [paid("t", "h", "2024-03-15"), paid("t", "h", "2024-03"), paid("h", "k8", "2024-04-20"),
                 paid("t", "j", "2024-03-15"), paid("t", "j", "2024-03-18"), paid("j", "k9", "2024-04-10"),
                 paid("t", "i", "2024-03-15"), paid("i", "k10", "2024-04-20"),
                 paid("t", "l", "2024-03-15"), paid("l", "k11", "2024-04-10")]
    people = {e["properties"][p][0] for e in payments for p in ("payer", "beneficiary")}
    load(store, tmp_path, "fiu", OPEN, [person("t", "T", "crime.terror"),
                                        *(person(p, p.upper(), *(("crime.boss",) if p.startswith("k") else ())) for p in sorted(people - {"t"})),
                                        *payments])
    ends = tuple(f"k{n}" for n in range(1, 12))
    score = {p["entities"][-1]: p["score"] for p in nexus_paths(store, POLICE, tmp_path / "home", Side(ids=("t",)),
                                                                 Side(ids=ends), limit=30)}
    assert set(score) == set(ends)
    for good, bad in (("k1", ("k2", "k3", "k4")), ("k5", ("k6", "k7")), ("k11", ("k10",))):
        for k in bad:
            assert score[k] == pytest.approx(0.25 * score[good], rel=1e-4), k
    assert score["k8"] == pytest.approx(score["k9"], rel=1e-4)


def test_co_detention_needs_the_same_cell_at_overlapping_times(store, tmp_path):
    def stay(event_id, who, cell, start, end):
        return entity(event_id, "Event", name="Detention", involved=who, addressEntity=cell, startDate=start, endDate=end)

    load(store, tmp_path, "prison", OPEN, [
        person("t", "T", "crime.terror"), person("y", "Y", "crime.traffick.human"), person("z", "Z", "crime.boss"),
        entity("cell-1", "Address", full="Cell D-20, HMP Belmarsh"), entity("cell-2", "Address", full="Cell D-21"),
        stay("s1", "t", "cell-1", "2020-01-01", "2021-06-30"), stay("s2", "y", "cell-1", "2021-06-01", "2022-01-01"),
        stay("s3", "z", "cell-1", "2021-07-01", "2022-01-01"), stay("s4", "z", "cell-2", "2020-01-01", "2021-01-01"),
        # A stay with no end is not over: whoever comes later shares the cell with W.
        person("w", "W", "crime.terror"), person("v", "V", "crime.boss"),
        entity("s5", "Event", name="Detention", involved="w", addressEntity="cell-2", startDate="2023-04-19"),
        stay("s6", "v", "cell-2", "2025-01-01", "2025-02-01"),
    ])
    ties = {t["neighbour"]: t for t in neighbours(store, POLICE, tmp_path / "home", "t")["ties"]}
    assert set(ties) == {"y"} and ties["y"]["link_type"] == "co_location" and ties["y"]["via"] == "cell-1"
    assert (ties["y"]["first_date"], ties["y"]["last_date"]) == ("2021-06-01", "2021-06-30")
    assert sorted(ties["y"]["evidence"]) == ["s1", "s2"]
    (open_stay,) = neighbours(store, POLICE, tmp_path / "home", "w")["ties"]
    assert (open_stay["neighbour"], open_stay["first_date"], open_stay["last_date"]) == ("v", "2025-01-01", "2025-02-01")


def test_every_graph_question_is_audited_with_its_purpose(chain, tmp_path):
    home = tmp_path / "home"
    nexus_paths(chain, LEAD, home)
    nexus_brokers(chain, LEAD, home)
    neighbours(chain, LEAD, home, "x")
    with chain.engine.connect() as conn:
        rows = conn.execute(select(audit_log.c.action, audit_log.c.query).where(audit_log.c.action.like("links.%"))
                            .order_by(audit_log.c.seq)).all()
    assert [r.action for r in rows] == ["links.paths", "links.brokers", "links.neighbours"]
    assert all(orjson.loads(r.query)["purpose"] == "case 42" for r in rows)


def test_the_graph_is_built_again_when_the_data_changes(chain, tmp_path):
    home = tmp_path / "home"
    first = build_links(chain, LEAD, home)
    load(chain, tmp_path, "more", OPEN, [person("w", "Walter", "crime.boss"),
                                         entity("f", "Family", person="t", relative="w")])
    again = build_links(chain, LEAD, home)
    assert not again["kept"] and again["edges"] == first["edges"] + 1
    assert ids(nexus_paths(chain, LEAD, home))[0] == ["t", "w"]
    with chain.engine.connect() as conn:
        assert conn.execute(select(func.count()).where(audit_log.c.action == "links.build")).scalar() == 2
    (graph,) = [d for d in (home / "links").iterdir() if (d / "link_edges.parquet").is_file()]
    built = (graph / "link_edges.parquet").stat().st_ino
    assert not build_links(chain, LEAD, home, rebuild=True)["kept"]
    assert (graph / "link_edges.parquet").stat().st_ino != built  # rebuilt in place of the kept graph


def test_a_counterparty_factor_outside_zero_to_one_is_refused():
    for factor in (0.0, 1.5):
        with pytest.raises(ValueError, match="counterparty_factor"):
            LinkConfig(counterparty_factor=factor)


def test_a_tie_on_the_last_day_of_a_window_is_in_it_whatever_its_time_of_day(store, tmp_path):
    load(store, tmp_path, "fiu", OPEN, [
        person("a", "Amir Payer"), person("b", "Bela Payee"),
        entity("pay", "Payment", payer="a", beneficiary="b", amount="900", currency="EUR", date="2026-05-20T13:45:00"),
    ])
    home = tmp_path / "home"
    for since, until in (("2026-05-20", "2026-05-20"), ("", "2026-05-20")):
        ties = neighbours(store, POLICE, home, "a", since=since, until=until)["ties"]
        assert [(t["neighbour"], t["link_type"]) for t in ties] == [("b", "Payment")], (since, until)
    assert neighbours(store, POLICE, home, "a", until="2026-05-19")["ties"] == []
