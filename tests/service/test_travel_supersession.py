"""A later API list of a flight, or a later version of a booking, replaces the earlier one: what the earlier one said
and the later does not is retired (never deleted); an older version arriving afterwards undoes nothing; a message
cut short is refused whole."""

import pytest
from sqlalchemy import select

from nexus.model import Classification
from nexus.security.viewer import Viewer
from nexus.service.travel import receive_message
from nexus.sources.travel.entities import booking_id, flight_id
from nexus.sources.travel.records import Leg
from nexus.store.schema import ingest_runs, statements

TARGETER = Viewer("tina", "PIU", frozenset({"targeter"}), Classification.SECRET)
ZZ123 = flight_id(Leg("ZZ", "123", "CDG", "BRU", "2025-03-02T10:00"))
ZZ124 = flight_id(Leg("ZZ", "124", "BRU", "CDG", "2025-03-05T15:00"))
API_HEAD = """UNA:+.? '
UNB+UNOA:4+ZZAIR+PIUXX+{prepared}+{reference}++APIS'
UNH+MSG1+PAXLST:D:05B:UN:IATA'
BGM+{list}'
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


def api(*people: str, reference: str = "REF0001", prepared: str = "250301:1200", crew: bool = False) -> bytes:
    head = API_HEAD.format(prepared=prepared, reference=reference, list="250" if crew else "745")
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
        assert conn.execute(select(ingest_runs.c.id)).all() == []
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
    assert on_board(store, ZZ123, "pnr") == {"JOHN DOE"}
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
