"""PNRGOV (EDIFACT, IATA/WCO/ICAO PNRGOV message, versions 10 to 13) as bookings.

A message pushes the PNRs of one flight (its leading TVL); each PNR opens with SRC:
- RCI: record locators (the first is the booking's) and the creation date; DAT 700 the time of
  this version, 710 the ticketing; ORG the booking office or travel agency; ADD and IFT CTC*
  the booking's address, phones and e-mails;
- TIF opens a traveller (name, type, reference number) with FTI, SSR DOCS/DOCA/DOCO, TKT,
  FOP (and IFT 4:43, the card's billing name, address and phone), their own IFT CTC*;
- TVL opens an itinerary segment with RPI (status), SSR SEAT, and the check-in group
  (TIF, SSD seat, TBD bags);
- ABI/SAC and LTS are the booking's history: which segments were added or cancelled, when.

Purged on reading (EU PNR Directive art. 13(4)): every SSR other than those in KEPT_SSRS (meals,
medical and mobility requests, special service remarks) and all free text (OSI, remarks, history
lines) except the contact details and billing data the PNR data elements allow. What was
dropped is counted on the booking, never kept.
"""

import re

from nexus.sources.travel.edifact import Message, Segment
from nexus.sources.travel.records import (
    Booking, Document, HistoryEntry, Leg, Payment, Traveller, ddmmyy, ddmonyy, gender, impossible_birth, is_number,
    strip_title, with_time,
)

#: SSR codes whose content is a PNR data element (travel documents, seats, tickets, loyalty, infants).
KEPT_SSRS = frozenset({"DOCS", "DOCA", "DOCO", "SEAT", "RQST", "NSST", "NSSA", "NSSW", "TKNE", "TKNA", "FQTV",
                       "FQTR", "FQTS", "INFT", "CTCE", "CTCM", "CTCH", "CTCB"})
#: CTC contacts of travellers (E-mail, Mobile, Home, Business, Phone, Relative); CTCT, the travel agency's, is not one.
CONTACT = re.compile(r"\bCTC([EMHBPR])\b\s*(.*)")
PHONE = re.compile(r"\+?\d[\d -]{5,}\d")
#: A ticket SSR's data element: the ticket number (an infant's prefixed INF), then its coupon.
TICKET_NUMBER = re.compile(r"(?:INF)?\d{13,14}(?:C\d)?")
#: A billing address has a house number or a post code: text without a digit is a remark, not an address.
ADDRESS_NUMBER = re.compile(r"\d")
SAC_ACTIONS = {"A": "added", "X": "cancelled", "C": "changed", "K": "changed"}


def read_bookings(message: Message, warnings: list[str]) -> tuple[Leg | None, list[Booking]]:
    """The message's flight and its bookings (each one version of a PNR)."""
    flight: Leg | None = None
    bookings: list[Booking] = []
    declared: int | None = None
    state = _State()
    for segment in message.segments:
        tag = segment.tag
        if tag == "SRC":
            state = _State(Booking(locator="", system=None), flight.day if flight else None, warnings)
            bookings.append(state.booking)
        elif tag == "EQN" and state.booking is None and is_number(segment.get(0)):
            declared = int(segment.get(0))
        elif tag == "TVL" and state.booking is None:
            flight = _leg(segment)
        elif state.booking is not None:
            state.read(segment)
    for number, booking in enumerate(bookings, start=1):  # a PNR without a locator: named by its message
        booking.locator = booking.locator or f"{message.sender}/{message.prepared}/{message.reference}/{number}"
    if declared is not None and declared != len(bookings):
        warnings.append(f"message {message.reference}: EQN declares {declared} PNRs; {len(bookings)} are present")
    return flight, bookings


class _State:
    """Where in a PNR the reader is: booking level, a traveller, an itinerary segment, or its history."""

    def __init__(self, booking: Booking | None = None, flight_day: str | None = None,
                 warnings: list[str] | None = None) -> None:
        self.booking = booking
        self.flight_day = flight_day  # of the flight the message was sent for: no traveller is born after it
        self.warnings = warnings if warnings is not None else []
        self.traveller: Traveller | None = None
        self.leg: Leg | None = None
        self.checked_in: Traveller | None = None
        self.history_at: str | None = None
        self.history_action: str | None = None
        self.in_history = False

    def read(self, segment: Segment) -> None:
        booking, tag = self.booking, segment.tag
        if tag == "LTS" or tag == "ABI":
            self.in_history = True
            booking.purged += tag == "LTS"
            return
        if self.in_history:
            self._history(segment)
            return
        if tag == "RCI":
            self._locators(segment)
        elif tag == "DAT":
            self._dates(segment)
        elif tag == "ORG":
            agent = " ".join(p for p in (segment.get(1), segment.get(1, 1)) if p)
            booking.agency = " ".join(p for p in (segment.get(0), segment.get(0, 1), agent and f"agent {agent}") if p) \
                or booking.agency
        elif tag == "ADD":
            self._address(segment)
        elif tag == "TIF":
            self._traveller(segment)
        elif tag == "TVL":
            leg = _leg(segment)
            if leg.origin and leg.destination:  # not a hotel or car segment
                self.leg, self.traveller, self.checked_in = leg, None, None
                booking.legs.append(leg)
        elif tag == "RPI" and self.leg is not None:
            self.leg.status = segment.get(1)
        elif tag == "SSR":
            self._ssr(segment)
        elif tag == "IFT":
            self._free_text(segment)
        elif tag == "FOP":
            self._payments(segment)
        elif tag == "TKT" and self.traveller is not None and (segment.get(0) or "").strip(":"):
            self.traveller.tickets.append(segment.get(0))
        elif tag == "FTI" and self.traveller is not None and segment.get(0, 1):
            self.traveller.frequent_flyer.append(f"{segment.get(0) or ''} {segment.get(0, 1)}".strip())
        elif tag == "SSD" and self.checked_in is not None and segment.get(0) and self.leg is not None:
            self.checked_in.seats.append(f"{segment.get(0)} {self.leg.code}")
        elif tag == "TBD" and self.checked_in is not None:
            self._bags(segment)

    def _locators(self, segment: Segment) -> None:
        booking = self.booking
        for number, element in enumerate(segment.elements):
            system, locator = (element + ("", ""))[:2]
            if not locator.strip():
                continue
            if number == 0 and not booking.locator:
                booking.system, booking.locator = system.strip() or None, locator.strip()
                day = ddmmyy(element[3] if len(element) > 3 else None)
                booking.created = with_time(day, element[4] if len(element) > 4 else None) or booking.created
            elif locator.strip() != booking.locator:
                booking.other_locators.append(f"{system.strip()}:{locator.strip()}")

    def _dates(self, segment: Segment) -> None:
        for element in segment.elements:
            qualifier, day, hhmm = (element + ("", "", ""))[:3]
            when = with_time(ddmmyy(day), hhmm)
            if qualifier == "700" and when:
                self.booking.last_modified = when
            elif qualifier == "710" and when:
                self.booking.ticketed = self.booking.ticketed or when

    def _address(self, segment: Segment) -> None:
        parts = list(segment.components(1)) + [""] * 8
        address = ", ".join(p.strip() for p in (parts[1], parts[2], parts[3], parts[6], parts[5]) if p.strip())
        if address:
            self.booking.addresses.append(address)
        self.booking.country = self.booking.country or parts[5].strip() or None
        self.booking.phones.extend(_phones(parts[7]))

    def _traveller(self, segment: Segment) -> None:
        surname = segment.get(0)
        given_part = segment.components(1)
        given = strip_title(given_part[0].strip()) if given_part else None
        kind = segment.get(1, 1)
        reference = segment.get(1, 2)
        if self.leg is not None:  # the check-in group of an itinerary segment
            self.checked_in = self._find(reference, surname)
            return
        documented = [t for t in self.booking.travellers if kind == "IN" and t.infant and t.reference is None
                      and given and (t.given or "").split(" ")[0] == given.split(" ")[0]]
        if documented:  # the infant's DOCS came first, under the adult carrying them
            documented[0].reference = reference
            self.traveller = documented[0]
            return
        traveller = Traveller(surname=surname, given=given, reference=reference, infant=kind == "IN")
        self.booking.travellers.append(traveller)
        self.traveller = traveller

    def _find(self, reference: str | None, surname: str | None) -> Traveller | None:
        for traveller in self.booking.travellers:
            if (reference and traveller.reference == reference) or (not reference and traveller.surname == surname):
                return traveller
        return None

    def _ssr(self, segment: Segment) -> None:
        code = (segment.get(0) or "").upper()
        if code not in KEPT_SSRS:
            self.booking.purged += 1
            return
        text = segment.get(0, 8) or ""
        references = [e[2].strip() for e in segment.elements[1:] if len(e) > 2 and e[2].strip()]
        owners = [t for t in (self._find(r, None) for r in references) if t] or (
            [self.traveller] if self.traveller is not None else [])
        if code == "DOCS":
            self._docs(text, owners, segment)
        elif code == "DOCA":
            fields = text.split("/") + [""] * 8
            address = ", ".join(p for p in (fields[3], fields[4], fields[5], fields[6], fields[2]) if p)
            for owner in owners:
                if fields[2]:
                    owner.residence = owner.residence or (fields[2] if fields[1] == "R" else None)
                if address:
                    owner.addresses.append(address)
        elif code == "DOCO":
            fields = text.split("/") + [""] * 8
            for owner in owners:
                owner.birth_place = owner.birth_place or fields[0].strip() or None
                if fields[2]:
                    owner.documents.append(Document(fields[1] or None, fields[2], fields[5] or None,
                                                    issued=ddmonyy(fields[4], past=True), place=fields[3] or None))
        elif code in ("SEAT", "RQST", "NSST", "NSSA", "NSSW") and self.leg is not None:
            for element in segment.elements[1:]:
                seat, reference = element[0].strip(), element[2].strip() if len(element) > 2 else ""
                owner = self._find(reference, None) if reference else None
                if seat and owner is not None:
                    owner.seats.append(f"{seat} {self.leg.code}")
        elif code in ("TKNE", "TKNA") and text:
            ticket = TICKET_NUMBER.match(text.strip())
            number = ticket.group(0) if ticket else ""
            if number:
                for owner in owners:
                    owner.tickets.append(number)
            self.booking.purged += text.strip() != number  # free text beside (or instead of) the number
        elif code in ("CTCE", "CTCM", "CTCH", "CTCB") and text:
            self._contact(code[3], text, owners)

    def _docs(self, text: str, owners: list[Traveller], segment: Segment) -> None:
        fields = text.split("/") + [""] * 11
        # /type/issuer/number/nationality/birth date/gender/expiry/surname/given/middle/holder
        kind, issuer, number, nationality, born, sex, expiry, surname, given, middle = (f.strip() for f in fields[1:11])
        if sex.upper() in ("MI", "FI"):  # an infant's document, filed under the adult who carries them
            owners = [self._infant(surname, given)]
        for owner in owners:
            if number:
                if not any(d.number == number for d in owner.documents):
                    owner.documents.append(Document(kind or None, number, issuer or None, ddmonyy(expiry)))
            owner.nationality = nationality or owner.nationality
            owner.birth_date = self._birth_date(ddmonyy(born, past=True), owner, segment) or owner.birth_date
            owner.gender = gender(sex) or owner.gender
            if surname and not owner.booking_names:  # the first document names them; later ones may be garbled
                booked = " ".join(p for p in (owner.given, owner.surname) if p)
                if booked:
                    owner.booking_names.append(booked)
                owner.surname, owner.given, owner.middle = surname, strip_title(given) or owner.given, middle or None

    def _birth_date(self, born: str | None, owner: Traveller, segment: Segment) -> str | None:
        """`born`; None, with a warning naming the traveller and the segment, when it cannot be their birth date."""
        why = impossible_birth(born, self.flight_day)
        if why:
            self.warnings.append(f"{segment.where}, SSR DOCS date of birth of {owner.full_name or 'a traveller'}: "
                                 f"{born} is {why}; left out")
            return None
        return born

    def _infant(self, surname: str, given: str) -> Traveller:
        """The booking's infant of this name, or a new one (the infant's own TIF may come later or never)."""
        first = (given or "").split(" ")[0]
        for traveller in self.booking.travellers:
            if traveller.infant and (traveller.given or "").split(" ")[0] == first and (
                    not traveller.surname or not surname or traveller.surname.replace(" ", "") == surname.replace(" ", "")):
                return traveller
        infant = Traveller(surname=surname or None, given=given or None, infant=True)
        self.booking.travellers.append(infant)
        return infant

    def _free_text(self, segment: Segment) -> None:
        qualifier = segment.get(0, 1)
        texts = [":".join(e).strip() for e in segment.elements[1:]]
        if qualifier == "43" and self.booking.payments:
            payer, address, phone = (texts + [None, None, None])[:3]
            payment = self.booking.payments[-1]
            payment.payer, payment.payer_phone = payer, (_phones(phone) or [None])[0]
            payment.payer_address = address if address and ADDRESS_NUMBER.search(address) else None
            self.booking.purged += bool(address and not payment.payer_address)
            return
        found = CONTACT.search(" ".join(texts))
        if qualifier == "28" and found:
            owners = [self.traveller] if self.traveller is not None else []
            self._contact(found.group(1), found.group(2), owners)
            return
        self.booking.purged += 1

    def _contact(self, kind: str, text: str, owners: list[Traveller]) -> None:
        booking = self.booking
        if kind == "E":
            email = email_address(text)
            if email:
                (owners[0].emails if owners else booking.emails).append(email)
            return
        for phone in _phones(text):
            (owners[0].phones if owners else booking.phones).append(phone)

    def _payments(self, segment: Segment) -> None:
        for element in segment.elements:
            parts = list(element) + [""] * 6
            kind = parts[0].strip()
            if not kind:
                continue
            self.booking.payments.append(Payment(
                kind=kind, amount=parts[2].strip() or None, card_vendor=parts[3].strip() or None,
                card_number=parts[4].strip() or None, card_expiry=parts[5].strip() or None))

    def _bags(self, segment: Segment) -> None:
        count, weight, unit = (list(segment.components(1)) + ["", "", ""])[:3]
        if count.strip():
            measure = f" {weight.strip()} {'kg' if unit.strip() == '700' else 'lb' if unit.strip() == '701' else ''}"
            self.checked_in.bags.append(f"{count.strip()} piece(s){measure if weight.strip() else ''}".strip())
        for element in segment.elements[3:]:
            if len(element) > 1 and element[1].strip():
                self.checked_in.bags.append(f"tag {element[0].strip()}{element[1].strip()}")

    def _history(self, segment: Segment) -> None:
        tag = segment.tag
        if tag == "DAT":
            qualifier, day, hhmm = (list(segment.components(0)) + ["", "", ""])[:3]
            self.history_at = with_time(ddmmyy(day), hhmm) or self.history_at
        elif tag == "SAC":
            self.history_action = SAC_ACTIONS.get((segment.get(2) or "").upper(), "changed")
        elif tag == "TVL" and self.history_action:
            leg = _leg(segment)
            if leg.origin:
                self.booking.history.append(HistoryEntry(self.history_action, self.history_at,
                                                         f"{leg.code} {leg.origin}-{leg.destination} {leg.day or ''}".strip()))
        elif tag in ("SSR", "IFT", "LTS", "OSI"):
            self.booking.purged += 1


def _leg(segment: Segment) -> Leg:
    dates = list(segment.components(0)) + ["", "", "", ""]
    departure_day = ddmmyy(dates[0])
    arrival_day = ddmmyy(dates[2]) or (departure_day if dates[3].strip() else None)
    carriers = segment.components(3)
    flight = segment.components(4)
    return Leg(
        carrier=(carriers[0].strip() if carriers else None) or None,
        operating_carrier=(carriers[1].strip() if len(carriers) > 1 else None) or None,
        flight=(flight[0].strip() if flight else None) or None,
        booking_class=(flight[1].strip() if len(flight) > 1 else None) or None,
        origin=segment.get(1), destination=segment.get(2),
        departure=with_time(departure_day, dates[1]), arrival=with_time(arrival_day, dates[3]),
    )


def email_address(text: str) -> str | None:
    """An e-mail as PNR free text writes it: // for @, .. for _, ./ for -."""
    value = text.strip().split()[0] if text.strip() else ""
    return plain_email(value.replace("//", "@").replace("..", "_").replace("./", "-"))


def plain_email(value: str) -> str | None:
    """An e-mail address, lower-cased; None for anything that is not one."""
    value = value.strip()
    return value.lower() if re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value) else None


def _phones(text: str | None) -> list[str]:
    if not text:
        return []
    return [re.sub(r"[ -]", "", m.group(0)) for m in PHONE.finditer(text) if len(re.sub(r"\D", "", m.group(0))) >= 7]
