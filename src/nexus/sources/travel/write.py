"""Manifests and bookings written as carriers send them: PAXLST (D05B) and PNRGOV (version 13) EDIFACT.

The synthetic world's travel becomes real messages this way, so the readers are exercised end to
end; the benchmarks send the same messages. Only what the readers keep is written.
"""

from datetime import datetime

from nexus.sources.travel.records import Booking, Leg, Manifest, Traveller

RELEASE = str.maketrans({c: f"?{c}" for c in "?+:'"})
GENDER_CODES = {"male": "M", "female": "F", "other": "X"}
PAYMENT_CODES = {"CARD": "CC", "CASH": "CA"}


def write_paxlst(manifest: Manifest, sender: str = "NEXUS", prepared: datetime | None = None) -> str:
    stamp = _stamp(prepared, manifest.legs[0] if manifest.legs else None)
    body = ["BGM+250" if manifest.crew_list else "BGM+745"]
    for leg in manifest.legs:
        body += [f"TDT+20+{_e(leg.carrier or '')}{_e(leg.flight or '')}+++{_e(leg.carrier or '')}",
                 f"LOC+125+{_e(leg.origin or '')}", f"DTM+189:{_yymmddhhmm(leg.departure)}:201",
                 f"LOC+87+{_e(leg.destination or '')}", f"DTM+232:{_yymmddhhmm(leg.arrival or leg.departure)}:201"]
    for person in manifest.travellers:
        body += [f"NAD+{'FM' if person.crew else 'FL'}+++{_e(person.surname or '')}:{_e(person.given or '')}"
                 + (f":{_e(person.middle)}" if person.middle else "")]
        if person.gender in GENDER_CODES:
            body.append(f"ATT+2++{GENDER_CODES[person.gender]}")
        if person.birth_date:
            body.append(f"DTM+329:{_yymmdd(person.birth_date)}")
        for qualifier, place in (("178", person.embarks), ("179", person.debarks), ("174", person.residence)):
            if place:
                body.append(f"LOC+{qualifier}+{_e(place)}")
        if person.nationality:
            body.append(f"NAT+2+{_e(person.nationality)}")
        if person.reference:
            body.append(f"RFF+AVF:{_e(person.reference)}")
        for document in person.documents:
            body.append(f"DOC+{_e(document.type or 'P')}:110:111+{_e(document.number)}")
            if document.expiry:
                body.append(f"DTM+36:{_yymmdd(document.expiry)}")
            if document.country:
                body.append(f"LOC+91+{_e(document.country)}")
    body.append(f"CNT+{'41' if manifest.crew_list else '42'}:{len(manifest.travellers)}")
    reference = manifest.reference[:14]
    return _interchange("UNOA:4", sender, "APIS", stamp, reference, "PAXLST:D:05B:UN:IATA", body)


def write_pnrgov(flight: Leg, bookings: list[Booking], reference: str, sender: str = "NEXUS",
                 prepared: datetime | None = None) -> str:
    stamp = _stamp(prepared, flight)
    body = ["MSG+:22", f"ORG+{_e(flight.carrier or '')}", _tvl(flight), f"EQN+{len(bookings)}"]
    for booking in bookings:
        created = _ddmmyy_hhmm(booking.created)
        body += ["SRC", f"RCI+{_e(booking.system or '')}:{_e(booking.locator)}" + (f"::{created}" if created else "")]
        if booking.last_modified:
            body.append(f"DAT+700:{_ddmmyy_hhmm(booking.last_modified)}")
        if booking.agency:
            body.append(f"ORG+{_e(booking.agency)}")
        for phone in booking.phones:
            body.append(f"IFT+4:28+CTCH {_e(phone)}")
        for email in booking.emails:
            body.append(f"IFT+4:28+CTCE {_e(_pnr_email(email))}")
        for number, person in enumerate(booking.travellers, start=1):
            body += _traveller(person, str(number))
            for payment in booking.payments if number == 1 else []:
                code = PAYMENT_CODES.get(payment.kind, payment.kind)
                body.append(f"FOP+{code}::{_e(payment.amount or '')}:{_e(payment.card_vendor or '')}:"
                            f"{_e(payment.card_number or '')}:{_e(payment.card_expiry or '')}".rstrip(":"))
                if payment.payer:  # the card holder's name (and billing address and phone) as IFT 4:43
                    body.append("+".join(["IFT+4:43", *(_e(x or "") for x in (
                        payment.payer, payment.payer_address, payment.payer_phone))]).rstrip("+"))
        for leg in booking.legs:
            body += [_tvl(leg, booking_class=True), "RPI+1+HK"]
    return _interchange("IATA:1", sender, "PNRGOV", stamp, reference[:14], "PNRGOV:13:1:IA", body, group=False)


def _traveller(person: Traveller, number: str) -> list[str]:
    lines = [f"TIF+{_e(person.surname or '')}+{_e(person.given or '')}:{'IN' if person.infant else 'A'}:{number}"]
    for phone in person.phones:
        lines.append(f"IFT+4:28+CTCM {_e(phone)}")
    for email in person.emails:
        lines.append(f"IFT+4:28+CTCE {_e(_pnr_email(email))}")
    document = person.documents[0] if person.documents else None
    if document or person.birth_date:
        fields = ["", document.type if document else "", document.country if document else "",
                  document.number if document else "", person.nationality or "", _ddmonyy(person.birth_date),
                  GENDER_CODES.get(person.gender or "", ""), _ddmonyy(document.expiry if document else None),
                  person.surname or "", person.given or "", person.middle or ""]
        lines.append(f"SSR+DOCS:HK:1:YY:::::{_e('/'.join(fields))}")
    for ticket in person.tickets:
        lines.append(f"TKT+{_e(ticket)}:T:1")
    return lines


def _tvl(leg: Leg, booking_class: bool = False) -> str:
    departure, arrival = leg.departure or "", leg.arrival or ""
    dates = f"{_ddmmyy(departure)}:{departure[11:16].replace(':', '')}:{_ddmmyy(arrival)}:{arrival[11:16].replace(':', '')}"
    flight = _e(leg.flight or "") + (f":{_e(leg.booking_class or 'Y')}" if booking_class else "")
    return f"TVL+{dates.rstrip(':')}+{_e(leg.origin or '')}+{_e(leg.destination or '')}+{_e(leg.carrier or '')}+{flight}"


def _interchange(syntax: str, sender: str, recipient: str, stamp: str, reference: str, message: str,
                 body: list[str], group: bool = True) -> str:
    kind = message.split(":")[0]
    segments = ["UNA:+.? '", f"UNB+{syntax}+{_e(sender)}+{recipient}+{stamp}+{reference}"]
    if group:
        segments.append(f"UNG+{kind}+{_e(sender)}+{recipient}+{stamp}+{reference}+UN+D:05B")
    segments += [f"UNH+{reference}+{message}", *body, f"UNT+{len(body) + 2}+{reference}"]
    if group:
        segments.append(f"UNE+1+{reference}")
    segments.append(f"UNZ+1+{reference}")
    return segments[0] + "\n".join(s + "'" for s in segments[1:]) + "\n"


def _stamp(prepared: datetime | None, leg: Leg | None) -> str:
    """When the message was prepared (UNB): as given, or the flight's departure, as carriers push at departure."""
    if prepared is None and leg is not None and leg.departure:
        prepared = datetime.fromisoformat(leg.departure)
    return (prepared or datetime(2025, 1, 1)).strftime("%y%m%d:%H%M")


def _e(value: str) -> str:
    return value.translate(RELEASE)


def _pnr_email(email: str) -> str:
    return email.upper().replace("_", "..").replace("-", "./").replace("@", "//")


def _yymmdd(iso: str | None) -> str:
    return f"{iso[2:4]}{iso[5:7]}{iso[8:10]}" if iso else ""


def _yymmddhhmm(iso: str | None) -> str:
    return _yymmdd(iso) + (iso[11:13] + iso[14:16] if iso and len(iso) >= 16 else "0000")


def _ddmmyy(iso: str | None) -> str:
    return f"{iso[8:10]}{iso[5:7]}{iso[2:4]}" if iso else ""


def _ddmmyy_hhmm(iso: str | None) -> str:
    return f"{_ddmmyy(iso)}:{iso[11:13]}{iso[14:16]}" if iso and len(iso) >= 16 else _ddmmyy(iso)


def _ddmonyy(iso: str | None) -> str:
    if not iso:
        return ""
    months = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
    return f"{iso[8:10]}{months[int(iso[5:7]) - 1]}{iso[2:4]}"
