"""What a PIU reads out of API and PNR messages, before it becomes FtM: flights, travellers, bookings.

The same records come out of PAXLST, PNRGOV EDIFACT and the synthetic world, so the FtM mapping
(`nexus.sources.travel.entities`) and the round-trip tests have one shape to work with.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime

import phonenumbers

MONTHS = {m: i for i, m in enumerate(("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), 1)}
#: Titles carriers add to given names, with or without a space ("JOHNMR", "ISABELLE MRS"). "MS" and "DR"
#: only with a space: too many given names end in them (WILLIAMS, ALEXANDR).
GLUED_TITLES = ("MSTR", "MISS", "MRS", "MR")
SPACED_TITLES = frozenset({"MSTR", "MISS", "MRS", "MR", "MS", "DR", "PROF", "REV"})


#: Segment statuses (RPI, AIRIMP action and advice codes) of a leg the traveller is not on: cancelled (XX cancelled,
#: HX have cancelled, XK, XL, IX, DX), refused (UN unable: not operated, UC unable: closed, NO no action taken), a
#: no-show (NS), and the old timing of a changed flight (WK, WL: was confirmed, was waitlisted; the new one is TK/TL).
#: Waitlisted and requested segments (HL, UU, US, HN, NN …) are still wanted and may yet fly: they are kept.
NOT_TRAVELLING = frozenset({"XX", "HX", "XK", "XL", "IX", "DX", "UN", "UC", "NO", "NS", "WK", "WL"})


@dataclass
class Leg:
    carrier: str | None
    flight: str | None  # number without the carrier ("324")
    origin: str | None
    destination: str | None
    departure: str | None = None  # ISO date or date-time
    arrival: str | None = None
    booking_class: str | None = None
    status: str | None = None
    operating_carrier: str | None = None

    @property
    def code(self) -> str:
        return f"{self.carrier or ''}{(self.flight or '').lstrip('0') or self.flight or ''}"

    @property
    def day(self) -> str | None:
        return self.departure[:10] if self.departure else None

    @property
    def held(self) -> bool:
        """Whether the booking still holds its travellers' places on this leg (`NOT_TRAVELLING`)."""
        return (self.status or "").strip().upper() not in NOT_TRAVELLING


@dataclass
class Document:
    type: str | None  # P passport, I/A/C identity cards, V visa …
    number: str
    country: str | None = None  # issuing state
    expiry: str | None = None
    issued: str | None = None
    place: str | None = None  # of issue (DOCO)


@dataclass
class Traveller:
    surname: str | None
    given: str | None = None
    middle: str | None = None
    birth_date: str | None = None
    gender: str | None = None  # male, female, other
    nationality: str | None = None
    residence: str | None = None
    birth_place: str | None = None
    documents: list[Document] = field(default_factory=list)
    addresses: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    crew: bool = False
    infant: bool = False
    reference: str | None = None  # PNR: the traveller's number in the booking ("1", "1.1"); API: the booking locator
    embarks: str | None = None
    debarks: str | None = None
    seats: list[str] = field(default_factory=list)  # "15A DL324"
    tickets: list[str] = field(default_factory=list)
    bags: list[str] = field(default_factory=list)  # "2 pieces 34 kg" / tag numbers
    frequent_flyer: list[str] = field(default_factory=list)
    booking_names: list[str] = field(default_factory=list)  # as booked, when a document gives the name

    @property
    def full_name(self) -> str | None:
        parts = [p for p in (self.given, self.middle, self.surname) if p]
        return " ".join(parts) or None


@dataclass
class Payment:
    kind: str  # CC card, CA cash, MS miscellaneous, CK cheque …
    card_vendor: str | None = None
    card_number: str | None = None  # as sent: usually masked
    card_expiry: str | None = None
    amount: str | None = None
    payer: str | None = None  # billing name (IFT 4:43)
    payer_address: str | None = None
    payer_phone: str | None = None


@dataclass
class HistoryEntry:
    """A change in the booking's history, without its free text (remarks are purged on ingest)."""

    action: str  # added, cancelled, changed
    at: str | None
    what: str  # the itinerary segment or element it concerns ("DL324 LHR-JFK 2010-12-12")


@dataclass
class Booking:
    """One PNR as one message carried it (one version)."""

    locator: str
    system: str | None  # the reservation system or carrier holding the locator
    other_locators: list[str] = field(default_factory=list)
    created: str | None = None
    last_modified: str | None = None  # this version's time (DAT 700)
    ticketed: str | None = None
    agency: str | None = None  # travel agency or booking office
    travellers: list[Traveller] = field(default_factory=list)
    legs: list[Leg] = field(default_factory=list)
    payments: list[Payment] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)  # the booking's contacts, shared by its travellers
    emails: list[str] = field(default_factory=list)
    addresses: list[str] = field(default_factory=list)
    country: str | None = None  # of the booking's address: the region its national phone numbers are in
    history: list[HistoryEntry] = field(default_factory=list)
    purged: int = 0  # sensitive SSRs and free-text remarks dropped on reading


@dataclass
class Manifest:
    """One API message (PAXLST): the flight's legs and the people on board."""

    reference: str
    legs: list[Leg] = field(default_factory=list)
    travellers: list[Traveller] = field(default_factory=list)
    crew_list: bool = False
    sender: str | None = None
    declared_count: int | None = None
    prepared: str | None = None  # when the interchange was prepared (UNB), ISO: which of two lists is the later
    document: str | None = None  # BGM's document identifier, as sent (absent on a whole list; CP, XR, RP … on a change)
    transfer: str | None = None  # UNH S010 sequence of transfers (0070), when the list is split over messages
    transfer_mark: str | None = None  # UNH S010 first and last transfer (0073): C the first, F the final


def is_number(value: str | None) -> bool:
    """ASCII digits only: str.isdigit() also takes '²' and '٣', which int() and dates do not."""
    return bool(value) and value.isascii() and value.isdigit()


#: The year a message was prepared: two-digit years in it are read as of then, not as of today.
_REFERENCE_YEAR: ContextVar[int | None] = ContextVar("reference_year", default=None)


@contextmanager
def dates_as_of(prepared: str | None) -> Iterator[None]:
    """Read the two-digit years of a message as of its preparation date (UNB: YYMMDD or CCYYMMDD)."""
    digits = (prepared or "").split(":")[0]
    year = int(digits[:4]) if len(digits) == 8 and is_number(digits) else (
        two_digit_year(int(digits[:2]), past=True) if len(digits) == 6 and is_number(digits) else None)
    token = _REFERENCE_YEAR.set(year)
    try:
        yield
    finally:
        _REFERENCE_YEAR.reset(token)


def prepared_at(prepared: str | None) -> str | None:
    """The UNB's date and time of preparation (YYMMDD:HHMM or CCYYMMDD:HHMM) as an ISO date-time."""
    digits, _, hhmm = (prepared or "").partition(":")
    if len(digits) == 8 and is_number(digits):
        return with_time(_iso(int(digits[:4]), int(digits[4:6]), int(digits[6:])), hhmm)
    return with_time(yymmdd(digits, past=True), hhmm) if len(digits) == 6 else None


def two_digit_year(yy: int, past: bool) -> int:
    """A YY year: a birth or issue date is before the message, an expiry or flight date near it."""
    now = _REFERENCE_YEAR.get() or datetime.now().year
    century = now - now % 100
    year = century + yy
    if past and year > now:
        return year - 100
    return year


def yymmdd(value: str | None, past: bool = False) -> str | None:
    """YYMMDD (EDIFACT DTM 101) as an ISO date; None for anything else."""
    if not value or len(value) < 6 or not is_number(value[:6]):
        return None
    return _iso(two_digit_year(int(value[:2]), past), int(value[2:4]), int(value[4:6]))


def ddmmyy(value: str | None, past: bool = False) -> str | None:
    """DDMMYY (PNRGOV dates) as an ISO date."""
    if not value or len(value) < 6 or not is_number(value[:6]):
        return None
    return _iso(two_digit_year(int(value[4:6]), past), int(value[2:4]), int(value[:2]))


def ddmonyy(value: str | None, past: bool = False) -> str | None:
    """DDMONYY (SSR DOCS: 12JUL64) as an ISO date."""
    if not value or len(value) != 7 or not (is_number(value[:2]) and is_number(value[5:])):
        return None
    month = MONTHS.get(value[2:5].upper())
    return _iso(two_digit_year(int(value[5:]), past), month, int(value[:2])) if month else None


def impossible_birth(born: str | None, flight_day: str | None) -> str | None:
    """Why a birth date cannot be the traveller's (after the flight they are on, or in the future), or None."""
    if not born:
        return None
    if flight_day and born[:10] > flight_day:
        return f"after the flight of {flight_day}"
    today = date.today().isoformat()
    return "in the future" if born[:10] > today else None


def with_time(day: str | None, hhmm: str | None) -> str | None:
    if day and hhmm and len(hhmm) >= 4 and is_number(hhmm[:4]) and int(hhmm[:2]) < 24 and int(hhmm[2:4]) < 60:
        return f"{day}T{hhmm[:2]}:{hhmm[2:4]}"
    return day


def strip_title(given: str | None) -> str | None:
    if not given:
        return None
    words = given.split()
    if len(words) > 1 and words[-1].upper() in SPACED_TITLES:
        words = words[:-1]
    last = words[-1]
    for title in GLUED_TITLES:
        if last.upper().endswith(title) and len(last) > len(title) + 1:
            words[-1] = last[: -len(title)]
            break
    return " ".join(words) or None


def gender(code: str | None) -> str | None:
    if not code:
        return None
    return {"M": "male", "F": "female", "MI": "male", "FI": "female", "X": "other", "U": None}.get(code.upper())


def _iso(year: int, month: int | None, day: int) -> str | None:
    try:
        return date(year, month or 0, day).isoformat()
    except ValueError:
        return None


def phone_number(raw: str, regions: list[str]) -> str | None:
    """A phone as E.164: international as sent ("+44…", "0044…"), or national in one of `regions`
    (the booking address's country, the traveller's residence or nationality); None when none fits."""
    digits = "".join(c for c in raw if is_number(c))
    if not digits:
        return None
    candidates = [("+" + digits[2:], None)] if digits.startswith("00") else []
    candidates += [("+" + digits, None)] if raw.strip().startswith("+") else []
    candidates += [(digits, region.upper()) for region in regions if region and len(region) == 2]
    candidates += [("+" + digits, None)]
    for number, region in candidates:
        try:
            parsed = phonenumbers.parse(number, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(parsed):
            return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return None
