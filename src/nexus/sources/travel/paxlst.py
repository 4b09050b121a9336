"""PAXLST (API) messages as manifests: the flight's legs and the people on board, per the UN/EDIFACT
D02B/D05B message and the WCO/IATA/ICAO API guidelines.

Segment groups read: TDT (a leg) with its LOC/DTM pairs (LOC 125/92 departure with DTM 189,
LOC 87/92 arrival with DTM 232); NAD FL/DDU (passenger) or FM/DDT (crew) opening a person,
followed by ATT (gender), DTM 329 (birth date), LOC 178 (embarkation), 179 (debarkation),
174 (residence), 180 (birth place), NAT (nationality), RFF AVF (booking locator), COM, and
DOC groups (document with DTM 36 expiry, 182 issue, LOC 91 issuing state). DTM values are read
in their stated format (101, 102, 201, 203, 204). CNT 41/42 is compared with the count read. BGM's document
identifier and UNH's sequence of transfers (S010) say whether the message is a whole list (`whole_list`), or names
people to take off the list (`removes`: a cancelled reservation, those who did not board).
"""

from datetime import date

from nexus.sources.travel.edifact import Message, Segment
from nexus.sources.travel.records import (Document, Leg, Manifest, Traveller, gender, impossible_birth, is_number,
                                         prepared_at, with_time, yymmdd)

PASSENGER_NADS = frozenset({"FL", "DDU", "COT"})
CREW_NADS = frozenset({"FM", "DDT"})
CREW_LISTS = frozenset({"250", "266", "336"})
#: BGM document identifiers (1004) of a list that names everyone on board: the close-out of those on board. A list
#: without one is whole too; any other (CP change passenger, RP reduction in party, the `REMOVALS`, and codes whose
#: meaning is not established, such as the "C" carriers' samples send) names only some.
WHOLE_LISTS = frozenset({"CLOB"})
#: BGM document identifiers of a message naming people to take off the list held, not people on board: a cancelled
#: reservation (XR), and those reported before who did not board (CLNB, the close-out of those not on board).
REMOVALS = frozenset({"XR", "CLNB"})
DEPARTURE_LOCS, ARRIVAL_LOCS = frozenset({"125"}), frozenset({"87"})
DATE_FIELDS = {"189": "departure", "232": "arrival", "329": "date of birth", "36": "document expiry",
               "182": "document issue date"}


def read_manifest(message: Message, warnings: list[str]) -> Manifest:
    manifest = Manifest(reference=message.reference, sender=message.sender, prepared=prepared_at(message.prepared),
                        transfer=message.header.get(3), transfer_mark=message.header.get(3, 1))
    leg: Leg | None = None
    person: Traveller | None = None
    document: Document | None = None
    last_loc: tuple[str, str] | None = None  # (qualifier, place) awaiting its DTM
    for segment in message.segments:
        tag = segment.tag
        if tag == "BGM":
            manifest.crew_list = segment.get(0) in CREW_LISTS
            manifest.document = segment.get(1)
        elif tag == "TDT":
            leg = _leg(segment)
            manifest.legs.append(leg)
            person = document = None
        elif tag == "NAD" and segment.get(0) in PASSENGER_NADS | CREW_NADS:
            person = _traveller(segment)
            manifest.travellers.append(person)
            document = None
        elif tag == "LOC":
            last_loc = (segment.get(0) or "", segment.get(1) or (segment.get(1, 3) or ""))
            if person is None and leg is not None:
                _leg_place(leg, *last_loc)
            elif person is not None:
                _person_place(person, document, *last_loc)
        elif tag == "DTM":
            _date(segment, leg if person is None else None, person, document, warnings)
            if person is not None and segment.get(0) == "329":
                _check_birth(segment, person, manifest.legs, warnings)
        elif person is None:
            continue
        elif tag == "ATT" and segment.get(0) == "2":
            person.gender = gender(segment.get(2))
        elif tag == "NAT":
            person.nationality = segment.get(1) or person.nationality
        elif tag == "RFF" and segment.get(0) == "AVF":
            person.reference = segment.get(0, 1)
        elif tag == "RFF" and segment.get(0) == "SEA" and segment.get(0, 1):
            person.seats.append(segment.get(0, 1))
        elif tag == "COM":
            for element in segment.elements:
                number, kind = (element + ("", ""))[:2]
                if number.strip() and kind.strip() in ("TE", "MB", "AH"):
                    person.phones.append(number.strip())
                elif number.strip() and kind.strip() == "EM":
                    person.emails.append(number.strip())
        elif tag == "DOC" and segment.get(1):
            document = Document(type=segment.get(0), number=segment.get(1))
            person.documents.append(document)
        elif tag == "CNT":
            if segment.get(0) in ("41", "42") and is_number(segment.get(0, 1)):
                manifest.declared_count = int(segment.get(0, 1))
    if manifest.declared_count is not None and manifest.declared_count != len(manifest.travellers):
        warnings.append(f"message {message.reference}: CNT declares {manifest.declared_count} people; "
                        f"{len(manifest.travellers)} are listed")
    return manifest


def removes(manifest: Manifest) -> bool:
    """Whether the manifest names people to take off its flights (`REMOVALS`)."""
    return (manifest.document or "").upper() in REMOVALS


def whole_list(manifest: Manifest) -> bool:
    """Whether the manifest names everyone on its list, so that it replaces the list held: no document identifier
    or a close-out's (`WHOLE_LISTS`), and not one part of a list split over several messages (UNH S010 other than
    the first transfer being the final one, 01:F)."""
    if manifest.document is not None and manifest.document.upper() not in WHOLE_LISTS:
        return False
    if manifest.transfer is None and manifest.transfer_mark is None:
        return True
    return (is_number(manifest.transfer) and int(manifest.transfer) == 1
            and (manifest.transfer_mark or "").upper() == "F")


def _leg(segment: Segment) -> Leg:
    code = (segment.get(1) or "").replace(" ", "")
    carrier = segment.get(4) or (code[:2] if len(code) > 2 else None)
    number = code[len(carrier):] if carrier and code.startswith(carrier) else code
    return Leg(carrier=carrier, flight=number or None, origin=None, destination=None)


def _leg_place(leg: Leg, qualifier: str, place: str) -> None:
    if qualifier in DEPARTURE_LOCS or (qualifier == "92" and leg.origin is None):
        leg.origin = place or leg.origin
    elif qualifier in ARRIVAL_LOCS or qualifier == "92":
        leg.destination = place or leg.destination


def _person_place(person: Traveller, document: Document | None, qualifier: str, place: str) -> None:
    if not place:
        return
    if qualifier == "91" and document is not None:
        document.country = place
    elif qualifier == "178":
        person.embarks = place
    elif qualifier == "179":
        person.debarks = place
    elif qualifier == "174":
        person.residence = place
    elif qualifier == "180":
        person.birth_place = place


def _date(segment: Segment, leg: Leg | None, person: Traveller | None, document: Document | None,
          warnings: list[str]) -> None:
    """A DTM's date on the leg, person or document it follows; one that is no date is left out with a warning."""
    qualifier, value, form = segment.get(0), segment.get(0, 1), segment.get(0, 2)
    if not value:
        return
    if leg is not None and qualifier in ("189", "232"):
        when = dtm(value, form)
        if qualifier == "189":
            leg.departure = when
        else:
            leg.arrival = when
    elif person is not None and qualifier == "329":
        when = person.birth_date = dtm(value, form, past=True)
    elif document is not None and qualifier == "36":
        when = document.expiry = dtm(value, form)
    elif document is not None and qualifier == "182":
        when = document.issued = dtm(value, form, past=True)
    else:
        return
    if when is None:
        warnings.append(f"{segment.where}, element 1 ({DATE_FIELDS[qualifier]}, DTM {qualifier}): {value[:20]!r} is not "
                        f"a date{f' in format {form}' if form else ''}; left out")


def _check_birth(segment: Segment, person: Traveller, legs: list[Leg], warnings: list[str]) -> None:
    """Leave out, with a warning naming the traveller and the segment, a birth date that cannot be theirs: an id
    hashed off it would make them someone else."""
    why = impossible_birth(person.birth_date, min((leg.day for leg in legs if leg.day), default=None))
    if why:
        warnings.append(f"{segment.where}, element 1 (date of birth, DTM 329) of {person.full_name or 'a traveller'}: "
                        f"{person.birth_date} is {why}; left out")
        person.birth_date = None


def dtm(value: str, form: str | None, past: bool = False) -> str | None:
    """A DTM value in its format (101 YYMMDD, 102 CCYYMMDD, 201 YYMMDDHHMM, 203 CCYYMMDDHHMM, 204 …SS;
    without one, read off its length) as an ISO date or date-time; None for anything else."""
    form = form or {6: "101", 8: "102", 10: "201", 12: "203", 14: "204"}.get(len(value))
    if not is_number(value):
        return None
    if form in ("101", "201") and len(value) in (6, 10):
        return with_time(yymmdd(value, past), value[6:10] or None)
    if form in ("102", "203", "204") and len(value) in (8, 12, 14):
        return with_time(yymmdd(value[2:8], past) and _century(value[:8]), value[8:12] or None)
    return None


def _century(ccyymmdd: str) -> str | None:
    try:
        return date(int(ccyymmdd[:4]), int(ccyymmdd[4:6]), int(ccyymmdd[6:8])).isoformat()
    except ValueError:
        return None


def _traveller(segment: Segment) -> Traveller:
    surname, given, middle = (list(segment.components(3)) + ["", "", ""])[:3]
    address = ", ".join(p for p in (segment.get(4), segment.get(5), segment.get(6), segment.get(7), segment.get(8)) if p)
    person = Traveller(surname=surname.strip() or None, given=given.strip() or None, middle=middle.strip() or None,
                       crew=segment.get(0) in CREW_NADS)
    if address:
        person.addresses.append(address)
    return person
