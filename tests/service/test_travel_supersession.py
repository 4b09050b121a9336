"""A later API list of a flight, or a later version of a booking, replaces the earlier one: what the earlier one said
and the later does not is retired (never deleted); an older version arriving afterwards undoes nothing; a message
cut short is refused whole."""

import orjson
import pytest
from sqlalchemy import select

from nexus.ingest import ingest
from nexus.model import Classification, Labels
from nexus.security.viewer import Viewer
from nexus.service import travel
from nexus.service.travel import receive_message
from nexus.sources import get_format
from nexus.sources.travel.entities import booking_id, flight_id
from nexus.sources.travel.records import Leg
from nexus.store.schema import ingest_runs, statements

TARGETER = Viewer("tina", "PIU", frozenset({"targeter"}), Classification.SECRET)
ZZ123 = flight_id(Leg("ZZ", "123", "CDG", "BRU", "2025-03-02T10:00"))
ZZ124 = flight_id(Leg("ZZ", "124", "BRU", "CDG", "2025-03-05T15:00"))
API_HEAD = """UNA:+.? '
UNB+UNOA:4+ZZAIR+PIUXX+{prepared}+{reference}++APIS'
UNH+MSG1+PAXLST:D:05B:UN:IATA{transfer}'
BGM+{list}{document}'
NAD+MS+++OPS'
TDT+20+ZZ123+++ZZ'
LOC+125+CDG'
DTM+189:2503021000:201'
LOC+87+BRU'
DTM+232:2503021100:201'
"""
DOE = """NAD+{nad}+++DOE:JOHN'
ATT+2++M'
DTM+329:{born}'
NAT+2+FRA'
DOC+P+AB1234567'
DTM+36:300101'
LOC+91+FRA'
"""
ROE = """NAD+FL+++ROE:JANE'
ATT+2++F'
DTM+329:850220'
NAT+2+BEL'
DOC+P+BE7654321'
DTM+36:290101'
LOC+91+BEL'
"""
POE = """NAD+FL+++POE:EDGAR'
ATT+2++M'
DTM+329:700101'
NAT+2+USA'
DOC+P+US111'
DTM+36:300101'
LOC+91+USA'
"""
TAIL = "CNT+42:2'\nUNT+23+MSG1'\nUNZ+1+{reference}'\n"
PNR = """UNA:+.? '
UNB+IATA:1+ZZ++250301:1200+{reference}'
UNH+1+PNRGOV:11:1:IA+ZZ123/020325'
MSG+:22'
ORG+ZZ'
TVL+020325:1000:020325:1100+CDG+BRU+ZZ+123'
EQN+1'
SRC'
RCI+ZZ:LOC123::010325:0900'
DAT+700:{modified}'
TIF+DOE+JOHNMR:A:1'
SSR+DOCS:HK::ZZ:::::/P/FRA/AB1234567/FRA/15JAN80/M/01JAN30/DOE/JOHN'
{mary}TVL+020325:1000:020325:1100+CDG+BRU+ZZ+123:Y'
RPI+1+HK'
{back}UNT+20+1'
UNZ+1+{reference}'
"""
MARY = "TIF+DOE+MARYMRS:A:2'\n"
BACK = "TVL+050325:1500:050325:1600+BRU+CDG+ZZ+124:Y'\nRPI+1+HK'\n"


@pytest.fixture(autouse=True)
def a_list(store, tmp_path):
    """A list to screen against: without one a message counts as not received, and a re-push loads it again."""
    path = tmp_path / "list.json"
    path.write_bytes(orjson.dumps({"id": "un-1", "schema": "Person", "properties": {"name": ["Viktor Bout"]}}) + b"\n")
    store.register_source("un", "ftm", Labels("UNSC", Classification.UNCLASSIFIED), is_list=True)
    ingest(store, "un", path, get_format("ftm").read(path))


def api(*people: str, reference: str = "REF0001", prepared: str = "250301:1200", crew: bool = False,
        document: str = "", transfer: str = "") -> bytes:
    """`document`: BGM's document identifier ("CP"); `transfer`: UNH's common access reference and S010 ("ABC01+01:C")."""
    head = API_HEAD.format(prepared=prepared, reference=reference, list="250" if crew else "745",
                           document=f"+{document}" if document else "", transfer=f"+{transfer}" if transfer else "")
    return (head + "".join(people) + TAIL.format(reference=reference)).encode()


def doe(born: str = "800115", crew: bool = False) -> str:
    return DOE.format(born=born, nad="FM" if crew else "FL")


def pnr(modified: str, reference: str, mary: bool = True, back: bool = True) -> bytes:
    return PNR.format(modified=modified, reference=reference, mary=MARY if mary else "", back=BACK if back else "").encode()


def receive(store, data: bytes, name: str, kind: str = "paxlst", source: str = "api"):
    intake = receive_message(store, TARGETER, data, name, kind, source)
    assert intake.error is None, intake.error
    return intake


def live(store, source: str = "api") -> list[tuple[str, str, str]]:
    s = statements.c
    with store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(s.entity_id, s.prop, s.value).where(
            s.source == source, s.retired_at.is_(None)))]


def on_board(store, trip: str, source: str = "api") -> set[str]:
    """The names of the people live on a trip."""
    rows = live(store, source)
    people = {value for entity, prop, value in rows if entity == trip and prop == "involved"}
    return {value for entity, prop, value in rows if entity in people and prop == "name"}


def born(store, name: str) -> set[str]:
    rows = live(store)
    people = {entity for entity, prop, value in rows if prop == "name" and value == name}
    return {value for entity, prop, value in rows if entity in people and prop == "birthDate"}


def test_a_corrected_list_replaces_the_earlier_one(store):
    receive(store, api(doe(), ROE), "api_v1.edi")
    second = receive(store, api(doe("800116"), POE, reference="REF0002"), "api_v2.edi")
    assert on_board(store, ZZ123) == {"JOHN DOE", "EDGAR POE"}
    assert born(store, "JOHN DOE") == {"1980-01-16"} and born(store, "JANE ROE") == set()
    assert second.result.retired > 0
    with store.engine.connect() as conn:  # retired, never deleted
        kept = conn.execute(select(statements.c.value).where(statements.c.prop == "name",
                                                             statements.c.value == "JANE ROE")).all()
    assert kept
    assert receive(store, api(doe("800116"), POE, reference="REF0002"), "again.edi").result.skipped_unchanged


def test_an_older_list_arriving_later_undoes_nothing(store):
    receive(store, api(doe("800116"), POE, reference="REF0002", prepared="250301:1300"), "api_v2.edi")
    older = receive(store, api(doe(), ROE, prepared="250301:1200"), "api_v1.edi")
    assert on_board(store, ZZ123) == {"JOHN DOE", "EDGAR POE"}
    assert born(store, "JOHN DOE") == {"1980-01-16"}
    assert any("older than the one held (2025-03-01T13:00): not loaded" in w for w in older.warnings)
    assert older.travellers == 0


def test_a_passenger_list_leaves_the_crew_list_alone(store):
    receive(store, api(doe(crew=True), crew=True), "crew.edi")
    receive(store, api(ROE), "pax_v1.edi", )
    receive(store, api(POE, reference="REF0002", prepared="250301:1300"), "pax_v2.edi")
    assert on_board(store, ZZ123) == {"JOHN DOE", "EDGAR POE"}


def test_a_traveller_on_another_flight_keeps_what_was_said_of_them(store):
    other = api(ROE).replace(b"ZZ123", b"ZZ777")
    receive(store, other, "other.edi")
    receive(store, api(doe(), ROE, reference="REF0002"), "api_v1.edi")
    receive(store, api(doe(), reference="REF0003"), "api_v2.edi")
    assert on_board(store, ZZ123) == {"JOHN DOE"}
    assert born(store, "JANE ROE") == {"1985-02-20"}
    assert "JANE ROE" in on_board(store, flight_id(Leg("ZZ", "777", "CDG", "BRU", "2025-03-02T10:00")))


def test_a_complete_list_removes_what_a_cut_short_one_would_have_left(store):
    whole = api(doe(), ROE)
    cut = receive_message(store, TARGETER, whole[:330], "trunc.edi", "paxlst", "api")
    assert cut.result is None and "cut short: no UNT trailer" in cut.error and "line 19" in cut.error
    assert live(store) == []
    with store.engine.connect() as conn:
        assert conn.execute(select(ingest_runs.c.id).where(ingest_runs.c.source == "api")).all() == []
    receive(store, whole, "api_v1.edi")
    assert on_board(store, ZZ123) == {"JOHN DOE", "JANE ROE"}


def test_a_later_pnr_version_replaces_its_legs_and_travellers(store):
    receive(store, pnr("010325:0900", "P0001"), "pnr_v1.edi", "pnrgov", "pnr")
    receive(store, pnr("010325:1500", "P0002", mary=False, back=False), "pnr_v2.edi", "pnrgov", "pnr")
    rows = live(store, "pnr")
    booking = {(prop, value) for entity, prop, value in rows if entity == booking_id_of()}
    assert {v for p, v in booking if p == "modifiedAt"} == {"2025-03-01T15:00"}
    assert len({v for p, v in booking if p == "description"}) == 1
    assert len({v for p, v in booking if p == "endDate"}) == 1
    assert on_board(store, booking_id_of(), "pnr") == {"JOHN DOE"}
    # the places on its flights that only the booking said: Mary Doe dropped, the flight back gone
    assert on_board(store, ZZ123, "pnr") == {"JOHN DOE"}
    assert on_board(store, ZZ124, "pnr") == set()


def test_a_later_pnr_version_cancelling_a_segment_takes_its_travellers_off_that_flight(store):
    receive(store, pnr("010325:0900", "P0001"), "pnr_v1.edi", "pnrgov", "pnr")
    cancelled = pnr("010325:1500", "P0002").replace(b"ZZ+124:Y'\nRPI+1+HK", b"ZZ+124:Y'\nRPI+1+XX")
    receive(store, cancelled, "pnr_v2.edi", "pnrgov", "pnr")
    assert on_board(store, ZZ123, "pnr") == on_board(store, booking_id_of(), "pnr") == {"JOHN DOE", "MARY DOE"}
    assert on_board(store, ZZ124, "pnr") == set()


def test_an_older_pnr_version_arriving_later_undoes_nothing(store):
    receive(store, pnr("010325:1500", "P0002", mary=False, back=False), "pnr_v2.edi", "pnrgov", "pnr")
    older = receive(store, pnr("010325:0900", "P0001"), "pnr_v1.edi", "pnrgov", "pnr")
    assert any("booking LOC123" in w and "not loaded" in w for w in older.warnings)
    assert on_board(store, booking_id_of(), "pnr") == {"JOHN DOE"}
    assert on_board(store, ZZ124, "pnr") == set()


def booking_id_of() -> str:
    from nexus.sources.travel.records import Booking

    return booking_id(Booking("LOC123", "ZZ"))


@pytest.mark.parametrize("cut", [b"UNT+23+MSG1'\n", b"UNZ+1+REF0001'\n"])
def test_a_message_or_interchange_without_its_trailer_is_refused(store, cut):
    refused = receive_message(store, TARGETER, api(doe(), ROE).replace(cut, b""), "cut.edi", "paxlst", "api")
    assert "cut short" in refused.error and ("no UNT" in refused.error or "no UNZ" in refused.error)
    assert live(store) == []


def test_a_change_message_naming_one_passenger_retires_nobody(store):
    receive(store, api(doe(), ROE), "api_v1.edi")
    change = receive(store, api(POE, reference="REF0002", prepared="250301:1300", document="CP"), "api_cp.edi")
    assert change.result.retired == 0
    assert on_board(store, ZZ123) == {"JOHN DOE", "JANE ROE", "EDGAR POE"}
    assert born(store, "JANE ROE") == {"1985-02-20"}


@pytest.mark.parametrize("document", ["RP", "C"])
def test_a_reduction_or_unknown_list_retires_nobody(store, document):
    receive(store, api(doe(), ROE), "api_v1.edi")
    receive(store, api(ROE, reference="REF0002", prepared="250301:1300", document=document), "api_x.edi")
    assert on_board(store, ZZ123) == {"JOHN DOE", "JANE ROE"}


def test_a_list_in_two_parts_retires_nobody(store):
    receive(store, api(doe(), ROE), "api_v1.edi")
    first = receive(store, api(doe("800116"), reference="REF0002", prepared="250301:1300", transfer="ABC01+01:C"),
                    "part1.edi")
    second = receive(store, api(POE, reference="REF0003", prepared="250301:1301", transfer="ABC01+02:F"), "part2.edi")
    assert first.result.retired == second.result.retired == 0
    assert on_board(store, ZZ123) == {"JOHN DOE", "JANE ROE", "EDGAR POE"}
    assert born(store, "JOHN DOE") == {"1980-01-15", "1980-01-16"}


@pytest.mark.parametrize("head", [{}, {"document": "CLOB"}, {"transfer": "ABC01+01:F"}])
def test_a_whole_list_after_a_change_still_replaces(store, head):
    receive(store, api(doe(), ROE), "api_v1.edi")
    receive(store, api(POE, reference="REF0002", prepared="250301:1300", document="CP"), "api_cp.edi")
    whole = receive(store, api(doe(), reference="REF0003", prepared="250301:1400", **head), "api_v2.edi")
    assert whole.result.retired > 0
    assert on_board(store, ZZ123) == {"JOHN DOE"}
    assert born(store, "JANE ROE") == set()


def test_whole_lists_by_the_carriers_samples():
    from nexus.sources.travel.paxlst import whole_list
    from nexus.sources.travel.records import Manifest

    assert whole_list(Manifest("1"))  # BGM+745 (apisMessage.txt, multiple_flight_leg_apis.txt)
    assert not whole_list(Manifest("1", document="C"))  # BGM+745+C, BGM+250+C (Test3.txt, Test1.txt)
    assert not whole_list(Manifest("1", transfer="01", transfer_mark="C"))  # UNH …+ABC01+01:C (Test3.txt)
    assert not whole_list(Manifest("1", transfer="10", transfer_mark="F"))  # UNH …+AA346+10:F (airline2.edi)
    assert whole_list(Manifest("1", transfer="01", transfer_mark="F"))


PNR_HEAD = """UNA:+.? '
UNB+IATA:1+ZZ++250301:1200+{reference}'
UNH+1+PNRGOV:11:1:IA+ZZ123/020325'
MSG+:22'
ORG+ZZ'
TVL+020325:1000:020325:1100+CDG+BRU+ZZ+123'
EQN+{count}'
"""
PNR_BOOKING = """SRC'
RCI+ZZ:{locator}::010325:0900'
DAT+700:{modified}'
TIF+DOE+JOHNMR:A:1'
SSR+DOCS:HK::ZZ:::::/P/FRA/AB1234567/FRA/15JAN80/M/01JAN30/DOE/JOHN'
{legs}"""
OUT = "TVL+020325:1000:020325:1100+CDG+BRU+ZZ+123:Y'\nRPI+1+HK'\n"


def pnrs(reference: str, *bookings: tuple[str, str, str]) -> bytes:
    """A PNRGOV message of bookings (locator, last modified, legs)."""
    body = "".join(PNR_BOOKING.format(locator=locator, modified=modified, legs=legs)
                   for locator, modified, legs in bookings)
    text = PNR_HEAD.format(reference=reference, count=len(bookings)) + body
    return (text + f"UNT+{text.count(chr(39)) - 2}+1'\nUNZ+1+{reference}'\n").encode()


def test_a_later_booking_leaves_another_booking_of_its_traveller_alone(store):
    from nexus.sources.travel.records import Booking

    b1, b2 = booking_id(Booking("LOCB1", "ZZ")), booking_id(Booking("LOCB2", "ZZ"))
    receive(store, pnrs("P0001", ("LOCB1", "010325:0900", OUT), ("LOCB2", "010325:0900", OUT + BACK)),
            "pnr_v1.edi", "pnrgov", "pnr")
    assert on_board(store, b1, "pnr") == on_board(store, b2, "pnr") == {"JOHN DOE"}
    second = receive(store, pnrs("P0002", ("LOCB2", "010325:1500", BACK)), "pnr_v2.edi", "pnrgov", "pnr")
    assert second.result.retired > 0  # B2's itinerary and dates
    assert on_board(store, b1, "pnr") == {"JOHN DOE"}  # B1 never changed
    assert on_board(store, ZZ123, "pnr") == {"JOHN DOE"}  # B1 still has him on it
    assert on_board(store, b2, "pnr") == on_board(store, ZZ124, "pnr") == {"JOHN DOE"}
    rows = live(store, "pnr")
    assert len({value for entity, prop, value in rows if entity == b2 and prop == "description"}) == 1
    described = {value for entity, prop, value in rows if entity == b1 and prop == "description"}
    assert len(described) == 1 and "ZZ123" in described.pop()


def test_a_later_booking_dropping_a_traveller_keeps_another_bookings_places(store):
    from nexus.sources.travel.records import Booking

    b1 = booking_id(Booking("LOCB1", "ZZ"))
    receive(store, pnrs("P0001", ("LOCB1", "010325:0900", OUT)), "pnr_b1.edi", "pnrgov", "pnr")
    receive(store, pnr("010325:0900", "P0002"), "pnr_v1.edi", "pnrgov", "pnr")
    receive(store, pnr("010325:1500", "P0003", mary=False), "pnr_v2.edi", "pnrgov", "pnr")
    assert on_board(store, booking_id_of(), "pnr") == {"JOHN DOE"}
    assert on_board(store, b1, "pnr") == {"JOHN DOE"}
    assert on_board(store, ZZ123, "pnr") == {"JOHN DOE"}  # booking B1 still has him on it
    # Mary Doe is on no trip any more: what the booking alone said of her goes, as for a list
    assert "MARY DOE" not in {value for _, prop, value in live(store, "pnr") if prop == "name"}


def test_a_list_keeps_a_traveller_another_source_has_on_a_trip(store):
    receive(store, pnr("010325:0900", "P0001", mary=False, back=False), "pnr_v1.edi", "pnrgov", "pnr")
    receive(store, api(doe(), ROE), "api_v1.edi")
    receive(store, api(ROE, reference="REF0002", prepared="250301:1300"), "api_v2.edi")
    assert on_board(store, ZZ123) == {"JANE ROE"}
    assert born(store, "JOHN DOE") == {"1980-01-15"}  # on the booking's trip: what the list said of him is kept


@pytest.mark.sqlite_only
def test_what_a_replacement_reads_and_retires_is_found_by_index(store, monkeypatch):
    """No full scan of the statements: each query of `_held` and `_retire_replaced` is served by the key or by the
    index of references (SQLite's plan)."""
    from sqlalchemy import event

    import nexus.service.travel as travel

    asked, watching = [], [False]

    def watched(function):
        def call(*args, **kwargs):
            watching[0] = True
            try:
                return function(*args, **kwargs)
            finally:
                watching[0] = False
        return call

    def record(conn, cursor, statement, parameters, context, executemany):
        if watching[0] and not executemany:
            asked.append((statement, parameters))

    monkeypatch.setattr(travel, "_held", watched(travel._held))
    monkeypatch.setattr(travel, "_retire_replaced", watched(travel._retire_replaced))
    event.listen(store.engine, "before_cursor_execute", record)
    try:
        receive(store, api(doe(), ROE), "api_v1.edi")
        receive(store, api(POE, reference="REF0002", prepared="250301:1300"), "api_v2.edi")
        receive(store, pnr("010325:0900", "P0001"), "pnr_v1.edi", "pnrgov", "pnr")
        receive(store, pnr("010325:1500", "P0002", mary=False, back=False), "pnr_v2.edi", "pnrgov", "pnr")
    finally:
        event.remove(store.engine, "before_cursor_execute", record)
    assert len(asked) >= 8
    with store.engine.connect() as conn:
        for statement, parameters in asked:
            plan = [row[-1] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)]
            assert not [step for step in plan if step.startswith("SCAN statements")], (statement, plan)


@pytest.mark.parametrize("first", ["older", "newer"])
def test_two_versions_pushed_at_once_leave_the_newer_alone(store, at_once, first):
    """Whichever of two versions of a list reads what is held first, the other reads it only once that one is
    stored (before, both read that nothing was held and both stayed: offloaded passengers on board)."""
    receive(store, api(ROE, reference="REF0000", prepared="250301:1100"), "api_v0.edi")  # a list both replace
    older = api(doe(), ROE, prepared="250301:1200")
    newer = api(doe("800116"), POE, reference="REF0002", prepared="250301:1300")
    pushes = [older, newer] if first == "older" else [newer, older]
    at_once(travel, "_held", *(lambda data=data, n=n: receive_message(store, TARGETER, data, f"{n}.edi", "paxlst", "api")
                                for n, data in enumerate(pushes)))
    assert on_board(store, ZZ123) == {"JOHN DOE", "EDGAR POE"}
    assert born(store, "JOHN DOE") == {"1980-01-16"}


@pytest.mark.parametrize("document", ["XR", "CLNB"])
def test_a_cancellation_takes_the_travellers_it_names_off_the_flight(store, document):
    receive(store, api(doe(), ROE, POE), "api_v1.edi")
    cancelled = receive(store, api(ROE, reference="REF0002", prepared="250301:1300", document=document), "xr.edi")
    assert on_board(store, ZZ123) == {"JOHN DOE", "EDGAR POE"}  # before, Jane Roe was added again, not taken off
    assert cancelled.result.retired == 1 and cancelled.travellers == 0  # nobody travelling to screen
    assert born(store, "JANE ROE") == {"1985-02-20"}  # what the messages said of her is kept
    # a later whole list still replaces, and may put her back on
    receive(store, api(doe(), ROE, reference="REF0003", prepared="250301:1400"), "api_v3.edi")
    assert on_board(store, ZZ123) == {"JOHN DOE", "JANE ROE"}
