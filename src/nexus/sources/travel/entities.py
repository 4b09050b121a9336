"""Manifests and bookings as FtM entities.

- A traveller is a Person with names, birth date, gender, nationality, residence, documents
  (`passportNumber`/`idNumber`, and a Passport or Identification entity each), phones, e-mails
  and addresses. The booking's own contacts (the booker's phone, e-mail, address) go on its lead
  traveller: bookings made with one phone are one hop apart in the link graph, and the booking's
  co-travellers are tied once, by the booking, not again by its contact.
- **API and PNR of one passenger are one entity**: a traveller's id hashes their document number
  and birth date, or without a document their name and birth date, the same way whichever
  message names them; a later flight adds to the same person. Without a birth date the id is
  the message's own (resolution may join it later).
- A flight leg is a Trip (carrier, number, day, route) whose `involved` are the people on board;
  a booking is a Trip too, whose `involved` are its travellers (co-travel in the link graph). A booking puts its
  travellers on the flights of its segments, but not of those cancelled or refused (`booked_legs`).
- A later message replaces an earlier one (`Version`): a flight's list of passengers (or of crew) by the
  list prepared later, marked on its first leg's Trip (`recordId` "API passenger list <prepared>"); a
  booking by its version modified later (`modifiedAt`, DAT 700). The intake retires what the earlier
  version said and the later does not (`nexus.service.travel`). Only a whole list replaces (`paxlst.whole_list`):
  a change message (BGM CP, RP …) or one part of a list split over messages (UNH S010) adds to the list held, and a
  cancellation (BGM XR, CLNB: `paxlst.removes`) names travellers whose places on its flights the intake retires.
- A payment card becomes a BankAccount (`accountType` "payment card"), tied by an Ownership to the
  traveller its billing name names, or to the booking's lead traveller (the booker) when it names none,
  so the bookings one card paid share it. A billing name that is none of the travellers' is a third
  party who bought the tickets (`paying_traveller`): a Person of that name, with the billing phone and
  address, owns the card. A masked number
  (XXXX…1186) is one card only with its holder's name, or else only within its booking
  (`card_id`): strangers' masked numbers coincide.
"""

import re
from dataclasses import dataclass
from functools import cache

from followthemoney import EntityProxy, model, registry
from followthemoney.util import make_entity_id
from rigour.text.translit import ascii_text

from nexus.sources.travel.paxlst import removes, whole_list
from nexus.sources.travel.records import (SPACED_TITLES, Booking, Leg, Manifest, Payment, Traveller, phone_number,
                                         strip_title)

PASSPORT_TYPES = frozenset({"P", "PT", "PP", "PD", "PS", "PO"})


def manifest_scope(manifest: Manifest) -> str:
    """What ids of a manifest's travellers without a birth date are scoped to."""
    return f"paxlst:{manifest.sender or ''}:{manifest.reference}"


def booking_scope(booking: Booking) -> str:
    return f"{booking.system or ''}:{booking.locator}"


def flight_id(leg: Leg) -> str:
    """One flight leg: carrier, number, day and origin."""
    return make_entity_id("flight", leg.carrier, (leg.flight or "").lstrip("0"), leg.day, leg.origin)


def booking_id(booking: Booking) -> str:
    return make_entity_id("booking", booking.system, booking.locator)


def legs_travelled(traveller: Traveller, legs: list[Leg] | tuple[Leg, ...]) -> list[int]:
    """The positions of the legs a traveller is on: all for a through passenger; from their port of
    embarkation to their port of debarkation otherwise (the first time each appears on the route)."""
    if not legs or (not traveller.embarks and not traveller.debarks):
        return list(range(len(legs)))
    points = [legs[0].origin, *[leg.destination for leg in legs]]
    start = points.index(traveller.embarks) if traveller.embarks in points else 0
    end = points.index(traveller.debarks, start + 1) if traveller.debarks in points[start + 1:] else len(legs)
    return list(range(start, end)) or list(range(len(legs)))


def booked_legs(booking: Booking, flight: Leg | None) -> list[Leg]:
    """The legs a booking puts its travellers on: the segments of its itinerary it still holds (`Leg.held`: not
    cancelled), or without an itinerary the flight its message was sent for."""
    if not booking.legs:
        return [flight] if flight else []
    return [leg for leg in booking.legs if leg.held]


@dataclass(frozen=True)
class Version:
    """One version of what a record restates whole: a flight's passenger (or crew) list, or a booking. The store
    knows the versions it holds by the `anchor` Trip's statements of `prop` starting with `prefix` (their
    times follow the prefix); a later version replaces them, an earlier one is not loaded."""

    name: str  # what a warning calls it
    anchor: str
    prop: str  # recordId (a list's marker) or modifiedAt (a booking's version)
    prefix: str
    at: str | None  # this version's time; None when the message does not say
    trips: tuple[str, ...]  # the Trips it restates: a list's flights, or the booking
    crew: bool | None  # whose presence on the trips it restates: the crew's, the passengers', or (None) everyone's
    elsewhere: bool  # whether it also puts its travellers on other trips (a booking: on its flights)
    replaces: bool = True  # whether it restates the record whole; a change or one part of a split list only adds


def manifest_version(manifest: Manifest) -> Version | None:
    if not manifest.legs:
        return None
    kind = "crew" if manifest.crew_list else "passenger"
    return Version(f"the {kind} list of {_route(manifest.legs[0])}", flight_id(manifest.legs[0]), "recordId",
                   f"API {kind} list", manifest.prepared,
                   tuple(flight_id(leg) for leg in manifest.legs), manifest.crew_list, elsewhere=False,
                   replaces=whole_list(manifest))


def booking_version(booking: Booking) -> Version:
    trip = booking_id(booking)
    return Version(f"booking {booking.locator}", trip, "modifiedAt", "", booking.last_modified, (trip,), None, elsewhere=True)


def manifest_entities(manifest: Manifest) -> list[EntityProxy]:
    made: dict[str, EntityProxy] = {}
    people = [_person(made, traveller, manifest_scope(manifest)) for traveller in manifest.travellers]
    travelled = [set(legs_travelled(traveller, manifest.legs)) for traveller in manifest.travellers]
    aboard = not removes(manifest)  # a cancellation names people, and puts none on its flights
    for position, leg in enumerate(manifest.legs):
        trip = _flight(made, leg)
        _put(trip, "involved", *[person.id for person, legs in zip(people, travelled, strict=True)
                                 if position in legs and aboard])
    version = manifest_version(manifest)
    if version is not None:
        _put(made[version.anchor], version.prop, f"{version.prefix} {version.at or ''}".strip())
    return list(made.values())


def booking_entities(booking: Booking, flight: Leg | None) -> list[EntityProxy]:
    made: dict[str, EntityProxy] = {}
    scope = booking_scope(booking)
    people = []
    for number, traveller in enumerate(booking.travellers):
        person = _person(made, traveller, scope, booking.country)
        if number == 0:  # the booking's own contacts are its lead traveller's (the booker, as a rule)
            _phones(person, booking.phones, [booking.country, traveller.residence, traveller.nationality])
            person.add("email", booking.emails, quiet=True)
            person.add("address", booking.addresses, quiet=True)
        people.append(person)
    trip = _make(made, "Trip", booking_id(booking))
    trip.add("name", f"Booking {booking.locator}" + (f" ({booking.system})" if booking.system else ""))
    trip.add("recordId", booking.locator)
    trip.add("involved", [p.id for p in people])
    trip.add("date", booking.created)
    trip.add("modifiedAt", booking.last_modified)
    itinerary, legs = booking.legs or ([flight] if flight else []), booked_legs(booking, flight)
    trip.add("startDate", legs[0].departure if legs else None)
    trip.add("endDate", (legs[-1].arrival or legs[-1].departure) if legs else None)
    trip.add("description", "itinerary: " + "; ".join(_itinerary_leg(leg) for leg in itinerary) if itinerary else None)
    trip.add("summary", f"booked by {booking.agency}" if booking.agency else None)
    trip.add("keywords", [f"ticketed {booking.ticketed}"] if booking.ticketed else [])
    trip.add("notes", [f"{entry.action} {entry.what}" + (f" on {entry.at}" if entry.at else "") for entry in booking.history])
    trip.add("alias", booking.other_locators)
    for leg in legs:
        flight_trip = _flight(made, leg)
        flight_trip.add("involved", [p.id for p in people])
    for payment in booking.payments:
        if payment.card_number:
            card = _make(made, "BankAccount", card_id(payment, booking))
            card.add("accountNumber", payment.card_number)
            card.add("accountType", f"payment card {payment.card_vendor or ''}".strip())
            card.add("name", f"{payment.card_vendor or 'card'} {payment.card_number}"
                             + (f" ({payment.payer})" if payment.payer else ""))
            card.add("notes", [f"billing {x}" for x in (payment.payer_address, payment.payer_phone) if x])
            holder = _card_holder(made, payment, booking, people)
            if holder is not None:
                paid = _make(made, "Ownership", make_entity_id("paid", card.id, holder.id))
                paid.add("owner", holder.id)
                paid.add("asset", card.id)
                paid.add("role", "paid a booking with this card")
                paid.add("recordId", booking.locator)
        kind = {"CC": "card", "CA": "cash", "CK": "cheque", "MS": "miscellaneous"}.get(payment.kind, payment.kind)
        trip.add("keywords", f"paid by {kind}")
    return list(made.values())


def paying_traveller(payment: Payment, travellers: list[Traveller]) -> int | None:
    """Which of the travellers a payment's billing name names (the first, the booker, when it names no one);
    None when it names someone else: a third party bought the tickets."""
    if not payment.payer:
        return 0 if travellers else None
    words = _words(payment.payer)
    return next((i for i, traveller in enumerate(travellers) if _names(traveller, words)), None)


def _names(traveller: Traveller, words: list[str]) -> bool:
    """Whether a billing name's words name the traveller: the surname (`_surname_in`), and one of the given names
    (with or without a title glued to it, MRJONATHON, ANNAMS) or its initial, when the billing name has more."""
    taken = _surname_in(_words(traveller.surname or ""), words)
    if taken is None:
        return False
    rest = [w for i, w in enumerate(words) if i not in taken]
    given = _words(strip_title(traveller.given) or "")
    if not given or not rest:
        return True
    forms = {form for word in given for form in _untitled(word)}
    return any(w in forms or (len(w) == 1 and any(f[0] == w for f in forms)) for w in rest)


def _surname_in(surname: list[str], words: list[str]) -> set[int] | None:
    """The positions of the billing name's words that the surname takes: its words run together (O'BRIEN and
    OBRIEN, VAN DER BERG and VANDERBERG, AL-HASSAN and ALHASSAN are one surname), or one word of a compound
    surname (GARCIA LOPEZ billed as GARCIA); None when they do not hold it."""
    whole = "".join(surname)
    for start in range(len(words)):
        joined = ""
        for end in range(start, len(words)):
            joined += words[end]
            if joined == whole:
                return set(range(start, end + 1))
            if not whole.startswith(joined):
                break
    return next(({words.index(part)} for part in surname if len(part) >= 3 and part in words), None) if surname else None


def _untitled(word: str) -> set[str]:
    return {word} | {cut for title in SPACED_TITLES for cut in (word.removeprefix(title), word.removesuffix(title))
                     if len(cut) >= 2 and cut != word}


def _words(text: str) -> list[str]:
    return [w for w in re.findall(r"[A-Z]+", ascii_text(text).upper()) if w not in SPACED_TITLES]


def _card_holder(made: dict[str, EntityProxy], payment: Payment, booking: Booking,
                 people: list[EntityProxy]) -> EntityProxy | None:
    index = paying_traveller(payment, booking.travellers)
    if index is not None:
        return people[index] if index < len(people) else None
    payer = _make(made, "Person", payer_id(payment, booking))
    payer.add("name", payment.payer)
    _phones(payer, [payment.payer_phone] if payment.payer_phone else [], [])
    payer.add("address", payment.payer_address)
    payer.add("description", f"paid booking {booking.locator} for others")
    return payer


def payer_id(payment: Payment, booking: Booking) -> str:
    """The Person who paid for a booking by card without travelling on it: the card and the billing name."""
    return make_entity_id("payer", card_id(payment, booking), _key(payment.payer or ""))


def card_id(payment: Payment, booking: Booking) -> str:
    """A payment card. A full number is the card wherever it appears; a masked one (XXXX…1186) is not
    unique, so it is the card only with its holder's name, and without one only within its booking."""
    number = payment.card_number or ""
    if not re.search(r"[X*#]", number.upper()):
        return make_entity_id("card", payment.card_vendor, number)
    holder = _key(payment.payer or "") or None
    return make_entity_id("card", payment.card_vendor, number.upper(), payment.card_expiry,
                          holder or f"booking:{booking_scope(booking)}")


def traveller_id(traveller: Traveller, scope: str) -> str:
    number = next((d.number for d in traveller.documents if (d.type or "P") in PASSPORT_TYPES), None) \
        or next((d.number for d in traveller.documents), None)
    if traveller.birth_date and number:
        return make_entity_id("traveller", "document", _key(number), traveller.birth_date)
    if traveller.birth_date and traveller.surname:
        given = _key((traveller.given or "").split(" ")[0])
        return make_entity_id("traveller", "name", _key(traveller.surname), given, traveller.birth_date)
    return make_entity_id("traveller", scope, traveller.reference, traveller.surname, traveller.given)


def _person(made: dict[str, EntityProxy], traveller: Traveller, scope: str, country: str | None = None) -> EntityProxy:
    person = _make(made, "Person", traveller_id(traveller, scope))
    # the readers' values are clean already (trimmed text, ISO dates, FtM genders): FtM's cleaning is skipped
    _put(person, "name", traveller.full_name)
    _put(person, "firstName", traveller.given)
    _put(person, "middleName", traveller.middle)
    _put(person, "lastName", traveller.surname)
    _put(person, "alias", *[n for n in traveller.booking_names if n.upper() != (traveller.full_name or "").upper()])
    _put(person, "birthDate", traveller.birth_date)
    _put(person, "gender", traveller.gender)
    _put(person, "nationality", country_code(traveller.nationality))
    _put(person, "country", country_code(traveller.residence))
    _put(person, "birthPlace", traveller.birth_place)
    _phones(person, traveller.phones, [traveller.residence, traveller.nationality, country])
    person.add("email", sorted(set(traveller.emails)), quiet=True)
    person.add("address", sorted(set(traveller.addresses)), quiet=True)
    _put(person, "position", "crew member" if traveller.crew else None)
    # what the booking says of this traveller; notes, so that masking takes them with the name
    _put(person, "notes", *sorted({f"seat {seat}" for seat in traveller.seats}),
         *sorted({f"bags {bag}" for bag in traveller.bags}), *sorted({f"ticket {t}" for t in traveller.tickets}),
         *sorted({f"frequent flyer {f}" for f in traveller.frequent_flyer}))
    for document in traveller.documents:
        passport = (document.type or "P") in PASSPORT_TYPES
        _put(person, "passportNumber" if passport else "idNumber", document.number)
        doc = _make(made, "Passport" if passport else "Identification",
                    make_entity_id("document", document.type, _key(document.number), document.country))
        _put(doc, "holder", person.id)
        _put(doc, "number", document.number)
        _put(doc, "country", country_code(document.country))
        _put(doc, "type", document.type)
        _put(doc, "endDate", document.expiry)
        _put(doc, "startDate", document.issued)
        _put(doc, "authority", document.place)
    return person


@cache
def country_code(value: str | None) -> str | None:
    """FtM's country code for a code or name as carriers send it (GBR, GB, "United Kingdom")."""
    return registry.country.clean(value) if value else None


def _put(proxy: EntityProxy, prop: str, *values: str | None) -> None:
    for value in values:
        if value:
            proxy.add(prop, value, cleaned=True)


def _phones(person: EntityProxy, phones: list[str], countries: list[str | None]) -> None:
    regions = [country_code(c) for c in countries]
    for raw in sorted(set(phones)):
        number = phone_number(raw, [r for r in regions if r])
        if number:
            person.add("phone", number)
        else:  # a national number with no country to place it in: kept as given, not as an identifier
            person.add("notes", f"phone as given: {raw}")


def _flight(made: dict[str, EntityProxy], leg: Leg) -> EntityProxy:
    trip = _make(made, "Trip", flight_id(leg))
    trip.add("name", _route(leg))
    trip.add("startDate", leg.departure)
    trip.add("endDate", leg.arrival)
    trip.add("keywords", [f"from {leg.origin}" if leg.origin else None, f"to {leg.destination}" if leg.destination else None],
             quiet=True)
    return trip


def _route(leg: Leg) -> str:
    return " ".join(x for x in (leg.code, f"{leg.origin or '?'}-{leg.destination or '?'}", leg.day) if x)


def _itinerary_leg(leg: Leg) -> str:
    extra = [f"operated by {leg.operating_carrier}" if leg.operating_carrier and leg.operating_carrier != leg.carrier
             else None, f"class {leg.booking_class}" if leg.booking_class else None,
             f"status {leg.status}" if leg.status else None]
    return _route(leg) + "".join(f", {x}" for x in extra if x)


def _make(made: dict[str, EntityProxy], schema: str, entity_id: str) -> EntityProxy:
    if entity_id not in made:
        proxy = model.make_entity(schema)
        proxy.id = entity_id
        made[entity_id] = proxy
    return made[entity_id]


def _key(value: str) -> str:
    return re.sub(r"[^0-9A-Z]", "", value.upper())
