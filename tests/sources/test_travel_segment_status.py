"""A PNR segment the booking no longer holds (cancelled, refused, a no-show, a flight's old timing) puts none of its
travellers on that flight: no co-travel there, and no leg in the targeting features."""

import pytest

from nexus.sources.travel import parse_message
from nexus.sources.travel.entities import flight_id
from nexus.sources.travel.features import feature_rows, subjects
from nexus.sources.travel.records import Leg

PNR = """UNA:+.? '
UNB+IATA:1+XY+PIUXX+260105:1000+IC9'
UNH+1+PNRGOV:11:1:IA+F001'
MSG+:22'
ORG+XY:IST+12345678'
TVL+100126:1200+IST+LHR+XY+123'
EQN+1'
SRC'
RCI+XY:CXL777:1:050126:0900'
DAT+700:050126:1000'
TIF+KIM+SOK CHOL MR:A:1'
SSR+DOCS:HK:1:XY:::::/P/PRK/472310082/PRK/08MAY55/M/01JAN30/KIM/SOK CHOL'
FOP+CA'
TIF+DOE+JANE MS:A:2'
SSR+DOCS:HK:1:XY:::::/P/GBR/X1234567/GBR/01FEB90/F/01JAN30/DOE/JANE'
TVL+100126:1200::1500+IST+LHR+XY+123:Y'
RPI+2+HK'
APD+320'
TVL+110126:0900::1300+LHR+JFK+XY+456:Y'
RPI+2+{status}'
APD+320'
UNT+21+1'
UNZ+1+IC9'
"""
XY123 = flight_id(Leg("XY", "123", "IST", "LHR", "2026-01-10T12:00"))
XY456 = flight_id(Leg("XY", "456", "LHR", "JFK", "2026-01-11T09:00"))


def aboard(status: str) -> dict[str, list[str]]:
    parsed = parse_message(PNR.format(status=status).encode(), "pnrgov")
    return {e.id: e.get("involved") for e in parsed.records[0].entities if e.schema.name == "Trip"}


@pytest.mark.parametrize("status", ["XX", "HX", "UN", "UC", "NO", "NS", "WK", "xx"])
def test_a_segment_the_booking_no_longer_holds_puts_nobody_on_its_flight(status):
    trips = aboard(status)
    assert len(trips[XY123]) == 2 and XY456 not in trips
    parsed = parse_message(PNR.format(status=status).encode(), "pnrgov")
    booking = next(e for e in parsed.records[0].entities if e.id not in (XY123, XY456) and e.schema.name == "Trip")
    assert f"status {status}" in booking.get("description")[0]  # the itinerary as booked stays on the booking
    assert booking.get("endDate") == ["2026-01-10T15:00"]  # the journey ends where the held segments end
    rows = feature_rows(subjects([], parsed.bookings)).to_pylist()
    assert {r["number_value"] for r in rows if r["feature"] == "legs"} == {1.0}
    assert {r["text_value"] for r in rows if r["feature"] == "flight"} == {"XY123"}


@pytest.mark.parametrize("status", ["HK", "KK", "TK", "HL", "HN"])
def test_a_confirmed_waitlisted_or_requested_segment_puts_its_travellers_on_the_flight(status):
    trips = aboard(status)
    assert len(trips[XY123]) == len(trips[XY456]) == 2
