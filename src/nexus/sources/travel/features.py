"""Each traveller of a file, on their trip, as the feature rows targeting rules are written over.

A subject is one person on one trip (a booking, or the flight an API message reports): its key
is ``<person id>|<trip id>``. Features (see `nexus.detect.targeting.FEATURES`): route (origin,
destination, transit points, airports, carriers, flights, and one way or not, which only a booking's
itinerary tells), booking and payment behaviour (hours booked and ticketed before departure, party size,
changes, form of payment, whether someone who is not travelling paid, agency), documents (issuing country,
days from departure to expiry), nationality, residence, age, crew, bags, and which data it came from (API
or PNR). No name, gender or free text is a feature. A feature the data does not tell has no row, so no
rule condition on it holds.
"""

import re
from dataclasses import dataclass
from datetime import datetime

import pyarrow as pa

from nexus.sources.travel.entities import (
    booked_legs, booking_id, booking_scope, country_code, flight_id, legs_travelled, manifest_scope, paying_traveller,
    traveller_id,
)
from nexus.sources.travel.paxlst import removes
from nexus.sources.travel.records import Booking, Leg, Manifest, Traveller

PAYMENT_KINDS = {"CC": "CARD", "CA": "CASH", "CK": "CHEQUE", "MS": "MISCELLANEOUS"}
#: A form of payment whose code is none of PAYMENT_KINDS' (a code an airline uses of its own): its feature value.
OTHER_PAYMENT = "OTHER"
PIECES = re.compile(r"(\d+) piece")


@dataclass(frozen=True)
class Subject:
    key: str
    person_id: str
    trip_id: str
    traveller: Traveller
    legs: tuple[Leg, ...]
    booking: Booking | None


def subjects(manifests: list[Manifest], bookings: list[tuple[Leg | None, Booking]]) -> list[Subject]:
    found = []
    for manifest in manifests:
        scope = manifest_scope(manifest)
        if not manifest.legs or removes(manifest):  # those it names are not travelling
            continue
        trip = flight_id(manifest.legs[0])
        for traveller in manifest.travellers:
            person = traveller_id(traveller, scope)
            found.append(Subject(f"{person}|{trip}", person, trip, traveller, tuple(manifest.legs), None))
    for flight, booking in bookings:
        scope = booking_scope(booking)
        trip = booking_id(booking)
        legs = tuple(booked_legs(booking, flight))
        for traveller in booking.travellers:
            person = traveller_id(traveller, scope)
            found.append(Subject(f"{person}|{trip}", person, trip, traveller, legs, booking))
    return found


def feature_rows(found: list[Subject]) -> pa.Table:
    rows: list[tuple] = []
    for subject in found:
        for feature, value in _features(subject):
            if value is None:
                continue
            if isinstance(value, bool):
                rows.append((subject.key, feature, "true" if value else "false", None))
            elif isinstance(value, int | float):
                rows.append((subject.key, feature, None, float(value)))
            else:
                rows.append((subject.key, feature, str(value).upper(), None))
    columns = list(zip(*rows)) if rows else [()] * 4
    return pa.table({"subject": pa.array(columns[0], pa.string()), "feature": pa.array(columns[1], pa.string()),
                     "text_value": pa.array(columns[2], pa.string()), "number_value": pa.array(columns[3], pa.float64())})


def _features(subject: Subject):
    traveller, legs, booking = subject.traveller, subject.legs, subject.booking
    own = [legs[i] for i in legs_travelled(traveller, legs)]
    if own:
        route = [own[0].origin, *[leg.destination for leg in own]]
        yield "origin", own[0].origin
        yield "destination", own[-1].destination
        for point in route[1:-1]:
            yield "transit", point
        for point in set(filter(None, route)):
            yield "airport", point
        for leg in own:
            yield "carrier", leg.carrier
            yield "flight", leg.code
        yield "legs", len(own)
    if own and booking is not None and booking.legs:  # an API message reports one flight: no return is known
        yield "one_way", own[-1].destination != own[0].origin
    departure = _time(own[0].departure) if own else None
    if booking is not None:
        if departure and _time(booking.created):
            yield "booked_hours_before_departure", round((departure - _time(booking.created)).total_seconds() / 3600, 1)
        if departure and _time(booking.ticketed):
            yield "ticketed_hours_before_departure", round((departure - _time(booking.ticketed)).total_seconds() / 3600, 1)
        yield "travellers_in_booking", len(booking.travellers)
        yield "booking_changes", len(booking.history)
        for payment in booking.payments:
            yield "payment", PAYMENT_KINDS.get(payment.kind.upper(), OTHER_PAYMENT)
        named = [payment for payment in booking.payments if payment.payer]
        if named:
            yield "paid_by_third_party", any(paying_traveller(p, booking.travellers) is None for p in named)
        yield "agency", booking.agency
    yield "data", "PNR" if booking is not None else "API"
    yield "nationality", country_code(traveller.nationality)
    yield "residence", country_code(traveller.residence)
    for document in traveller.documents:
        yield "document_country", country_code(document.country)
        if document.expiry and departure:
            yield "document_expires_days_after_departure", (datetime.fromisoformat(document.expiry) - departure).days
    if traveller.birth_date and departure:
        born = datetime.fromisoformat(traveller.birth_date)
        yield "age", departure.year - born.year - ((departure.month, departure.day) < (born.month, born.day))
    yield "crew", traveller.crew
    pieces = [int(match.group(1)) for bag in set(traveller.bags) if (match := PIECES.match(bag))]
    yield "bags", max(pieces) if pieces else None  # the most checked on one leg


def _time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None
