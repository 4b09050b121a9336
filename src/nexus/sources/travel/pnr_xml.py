"""IATA PNRGOV XML (`IATA_PNRGOV_NotifRQ`, namespace http://www.iata.org/IATA/2007/00) as bookings.

Read by local name, so a message with or without the namespace reads the same. The pushed flight
is `FlightLeg`; each `PNRs/PNR` is a booking: `BookingRefID/@ID` (the first is the booking's,
its `CompanyName/@Code` the system), `@PNR_CreationDate`, `@PNR_TransDate`, `POS/Source` (the
booking office), `ContactInfo` (phones, e-mails, address), `Passenger` (names, `@RPH`, its own
contacts, loyalty, `TicketDocument` with `PaymentInfo`, `DOC_SSR` DOCS/DOCA/DOCO), PNR-level
`DOC_SSR` by `@RPH`, `Flight` (itinerary, check-in seats and bags), and `StructuredPNR_History`.
As in EDIFACT, SSRs outside `KEPT_SSRS`, OSI and unstructured history are counted and dropped.
"""

import hashlib
from datetime import datetime

from lxml import etree

from nexus.sources.base import SourceError
from nexus.sources.travel.pnrgov import KEPT_SSRS, SAC_ACTIONS, plain_email
from nexus.sources.travel.records import (
    Booking, Document, HistoryEntry, Leg, Payment, Traveller, ddmonyy, gender, is_number, strip_title,
)
from nexus.sources.xml import parse_document

ROOT = "IATA_PNRGOV_NotifRQ"


def read_xml_bookings(data: bytes, warnings: list[str]) -> list[tuple[Leg | None, Booking]]:
    root = parse_document(data, "PNRGOV XML message")
    if _name(root) != ROOT:
        raise SourceError(f"line {root.sourceline}: <{_name(root)}> where <{ROOT}> was expected")
    flight_leg = _first(root, "FlightLeg")
    flight = _leg(flight_leg, flight_leg.get("CarrierCode")) if flight_leg is not None else None
    pnrs = _first(root, "PNRs")
    found = [_booking(pnr, number) for number, pnr in enumerate(_all(pnrs, "PNR"), start=1)] if pnrs is not None else []
    declared = pnrs.get("NumberOfPnrs") if pnrs is not None else None
    if declared and is_number(declared) and int(declared) != len(found):
        warnings.append(f"PNRs/@NumberOfPnrs declares {declared}; {len(found)} are present")
    if not found:
        raise SourceError(f"line {root.sourceline}: no PNRs/PNR in this message")
    return [(flight, booking) for booking in found]


def _booking(pnr: etree._Element, number: int) -> Booking:
    references = _all(pnr, "BookingRefID")
    first = references[0] if references else None
    booking = Booking(
        # a PNR without a locator: named by its content, so that two such PNRs never merge
        locator=(first.get("ID") if first is not None else None)
        or f"PNR-{hashlib.sha256(etree.tostring(pnr)).hexdigest()[:16]}",
        system=_attr(_first(first, "CompanyName"), "Code") if first is not None else None,
        created=_when(pnr.get("PNR_CreationDate")), last_modified=_when(pnr.get("PNR_TransDate")),
    )
    booking.other_locators = [f"{_attr(_first(r, 'CompanyName'), 'Code') or ''}:{r.get('ID')}" for r in references[1:] if r.get("ID")]
    source = _first(_first(pnr, "POS"), "Source")
    if source is not None:
        requestor = _first(source, "RequestorID")
        parts = [source.get("AirportCode"), source.get("PseudoCityCode"), source.get("AgentSine"),
                 f"agent {requestor.get('ID')}" if requestor is not None and requestor.get("ID") else None]
        booking.agency = " ".join(p for p in parts if p) or None
    for contact in _all(pnr, "ContactInfo"):
        _contact(booking, contact, booking.phones, booking.emails, booking.addresses)
    by_reference: dict[str, Traveller] = {}
    for passenger in _all(pnr, "Passenger"):
        traveller = _traveller(booking, passenger)
        booking.travellers.append(traveller)
        if traveller.reference:
            by_reference[traveller.reference] = traveller
    for doc in _all(pnr, "DOC_SSR"):
        owner = _infant_of(booking, doc) or by_reference.get(doc.get("RPH") or "")
        if owner is not None:
            _document(owner, doc)
    for flight in _all(pnr, "Flight"):
        leg = _leg(flight, _attr(_first(flight, "MarketingAirline"), "Code"))
        leg.operating_carrier = _attr(_first(flight, "OperatingAirline"), "Code")
        booking.legs.append(leg)
        for check_in in _all(flight, "CheckInInfo"):
            for boarding in _all(check_in, "BoardingNumber"):
                owner = by_reference.get(boarding.get("RPH") or "")
                seat = _text(_first(boarding, "SeatNumber"))
                if owner is not None and seat:
                    owner.seats.append(f"{seat} {leg.code}")
                for bag in _all(boarding, "CheckedBag") if owner is not None else []:
                    if bag.get("SerialNumber"):
                        owner.bags.append(f"tag {bag.get('IssuerCode') or ''}{bag.get('SerialNumber')}")
        booking.purged += sum(1 for ssr in _all(flight, "SSR") if (ssr.get("SSRCode") or "").upper() not in KEPT_SSRS)
        booking.purged += len(_all(flight, "OSI"))
    booking.purged += sum(1 for ssr in _all(pnr, "SSR") if (ssr.get("SSRCode") or "").upper() not in KEPT_SSRS)
    booking.purged += len(_all(pnr, "OSI")) + len(_all(pnr, "UnstructuredPNR_History"))
    for history in _all(pnr, "StructuredPNR_History"):
        at = _when(_attr(_first(history, "Credit"), "TimeStamp"))
        for item in _all(history, "Item"):
            changed = _first(item, "Flight")
            if changed is not None:
                leg = _leg(changed, _attr(_first(changed, "MarketingAirline"), "Code"))
                action = SAC_ACTIONS.get((item.get("Action") or "").upper()[:1], (item.get("Action") or "changed").lower())
                booking.history.append(HistoryEntry(action, at, f"{leg.code} {leg.origin}-{leg.destination} {leg.day or ''}".strip()))
            else:
                booking.purged += 1
    return booking


def _traveller(booking: Booking, passenger: etree._Element) -> Traveller:
    given = _text(_first(passenger, "GivenName"))
    traveller = Traveller(surname=_text(_first(passenger, "Surname")), given=strip_title(given),
                          middle=" ".join(_text(m) or "" for m in _all(passenger, "MiddleName")).strip() or None,
                          reference=passenger.get("RPH"))
    for contact in _all(passenger, "ContactInfo"):
        _contact(booking, contact, traveller.phones, traveller.emails, traveller.addresses)
    for loyalty in _all(passenger, "CustLoyalty"):
        if loyalty.get("MembershipID"):
            traveller.frequent_flyer.append(f"{loyalty.get('ProgramID') or ''} {loyalty.get('MembershipID')}".strip())
    for ticket in _all(passenger, "TicketDocument"):
        if ticket.get("TicketDocumentNbr"):
            traveller.tickets.append(ticket.get("TicketDocumentNbr"))
        booking.ticketed = booking.ticketed or _when(ticket.get("DateOfIssue"))
        for info in _all(ticket, "PaymentInfo"):
            booking.payments.append(Payment(
                kind=(info.get("PaymentType") or "MS").upper(), card_vendor=info.get("VendorCode"),
                card_number=info.get("AccountNbr"), card_expiry=info.get("ExpiryDate"), amount=info.get("PaymentAmount"),
                payer=info.get("CardHolderName")))
    for doc in _all(passenger, "DOC_SSR"):
        _document(_infant_of(booking, doc) or traveller, doc)
    booking.purged += sum(1 for ssr in _all(passenger, "SSR") if (ssr.get("SSRCode") or "").upper() not in KEPT_SSRS)
    booking.purged += len(_all(passenger, "OSI"))
    return traveller


def _infant_of(booking: Booking, doc: etree._Element) -> Traveller | None:
    """The infant a DOCS marked MI/FI (or DOCA/DOCO with InfantIndicator) is about: one of the booking's
    infants by name, or a new one; None when the document is the passenger's own."""
    docs = _first(doc, "DOCS")
    infant = (docs is not None and (docs.get("Gender") or "").upper() in ("MI", "FI")) or any(
        (child.get("InfantIndicator") or "").lower() in ("true", "1", "y") for child in doc)
    if not infant:
        return None
    surname, given = (docs.get("Surname"), docs.get("FirstGivenName")) if docs is not None else (None, None)
    for traveller in booking.travellers:
        if traveller.infant and (not given or traveller.given == given) and (not surname or traveller.surname == surname):
            return traveller
    found = Traveller(surname=surname, given=given, infant=True)
    booking.travellers.append(found)
    return found


def _document(owner: Traveller, doc: etree._Element) -> None:
    docs, doca, doco = _first(doc, "DOCS"), _first(doc, "DOCA"), _first(doc, "DOCO")
    if docs is not None:
        number = docs.get("TravelDocNbr")
        if number and not any(d.number == number for d in owner.documents):
            owner.documents.append(Document(docs.get("TravelDocType"), number, docs.get("IssuingLoc"),
                                            _day(docs.get("ExpiryDate"))))
        owner.nationality = docs.get("PaxNationality") or owner.nationality
        owner.birth_date = _day(docs.get("DateOfBirth"), past=True) or owner.birth_date
        owner.gender = gender(docs.get("Gender")) or owner.gender
        if docs.get("Surname"):
            booked = " ".join(p for p in (owner.given, owner.surname) if p)
            if booked and not owner.booking_names:
                owner.booking_names.append(booked)
            owner.surname = docs.get("Surname")
            owner.given = strip_title(docs.get("FirstGivenName")) or owner.given
            owner.middle = docs.get("SecondGivenName") or owner.middle
    if doca is not None:
        address = ", ".join(p for p in (doca.get("Address"), doca.get("CityName"), doca.get("StateProvCounty"),
                                        doca.get("PostalCode"), doca.get("Country")) if p)
        if address:
            owner.addresses.append(address)
        if doca.get("AddressType") == "R":
            owner.residence = doca.get("Country") or owner.residence
    if doco is not None:
        owner.birth_place = doco.get("BirthLocation") or owner.birth_place
        if doco.get("TravelDocNbr"):
            owner.documents.append(Document(doco.get("TravelDocType"), doco.get("TravelDocNbr"), doco.get("CountryState"),
                                            issued=_day(doco.get("DateOfIssue"), past=True), place=doco.get("PlaceOfIssue")))


def _contact(booking: Booking, contact: etree._Element, phones: list[str], emails: list[str], addresses: list[str]) -> None:
    if contact.get("PhoneNumber"):
        phones.append(contact.get("PhoneNumber"))
    if contact.get("EmailAddress"):
        email = plain_email(contact.get("EmailAddress"))
        if email:
            emails.append(email)
    country = _first(contact, "CountryName")
    parts = [*(_text(a) for a in _all(contact, "AddressLine")), _text(_first(contact, "CityName")),
             _text(_first(contact, "StateProv")), _text(_first(contact, "PostalCode")),
             _attr(country, "Code") or _text(country)]
    address = ", ".join(p for p in parts if p)
    if address:
        addresses.append(address)
    booking.country = booking.country or _attr(country, "Code")


def _leg(element: etree._Element, carrier: str | None) -> Leg:
    return Leg(carrier=carrier, flight=element.get("FlightNumber"),
               origin=_attr(_first(element, "DepartureAirport"), "LocationCode"),
               destination=_attr(_first(element, "ArrivalAirport"), "LocationCode"),
               departure=_when(element.get("DepartureDateTime")), arrival=_when(element.get("ArrivalDateTime")),
               booking_class=element.get("ResBookDesigCode"), status=element.get("Status"))


def _when(value: str | None) -> str | None:
    """An xs:date or xs:dateTime as the readers keep times: YYYY-MM-DD[THH:MM]; None unless a real one."""
    if not value or len(value) < 10:
        return None
    try:
        moment = datetime.fromisoformat(value[:16] if len(value) >= 16 and value[10] == "T" else value[:10])
    except ValueError:
        return None
    return moment.strftime("%Y-%m-%dT%H:%M") if len(value) >= 16 and value[10] == "T" else moment.date().isoformat()


def _day(value: str | None, past: bool = False) -> str | None:
    """DDMMMYY as SSR DOCS writes it, or an xs:date."""
    if not value:
        return None
    return ddmonyy(value.upper(), past) if len(value) == 7 else _when(value)


def _name(element: etree._Element) -> str:
    return etree.QName(element).localname


def _all(element: etree._Element | None, name: str) -> list[etree._Element]:
    if element is None:
        return []
    return [child for child in element if isinstance(child.tag, str) and _name(child) == name]


def _first(element: etree._Element | None, name: str) -> etree._Element | None:
    found = _all(element, name)
    return found[0] if found else None


def _attr(element: etree._Element | None, name: str) -> str | None:
    return element.get(name) if element is not None else None


def _text(element: etree._Element | None) -> str | None:
    return (element.text or "").strip() or None if element is not None else None
