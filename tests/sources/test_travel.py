"""PAXLST and PNRGOV: every carrier sample parses (or fails precisely), field by field; sloppy input is
tolerated; sensitive data is purged on reading; what the writer sends reads back the same."""

from pathlib import Path

import pytest

from nexus.sources import SourceError
from nexus.sources.travel import parse_message, parse_travel
from nexus.sources.travel.entities import paying_traveller
from nexus.sources.travel.features import feature_rows, subjects
from nexus.sources.travel.pnrgov import email_address
from nexus.sources.travel.records import Booking, Document, Leg, Manifest, Payment, Traveller, strip_title
from nexus.sources.travel.write import write_paxlst, write_pnrgov


@pytest.fixture
def travel(shared_data) -> Path:
    return shared_data / "travel"


def people(parsed):
    return [e for r in parsed.records for e in r.entities if e.schema.name == "Person"]


def person(parsed, surname):
    (found,) = [p for p in people(parsed) if p.first("lastName") == surname]
    return found


def test_every_sample_parses_except_the_malformed_one(travel):
    for kind in ("paxlst", "pnrgov"):
        for file in sorted((travel / kind).iterdir()):
            if file.name == "pnrBadFormat.txt":
                continue
            parsed = parse_travel(file, kind)
            assert parsed.records and people(parsed), file.name


def test_the_malformed_message_fails_naming_segment_position_and_field(travel):
    with pytest.raises(SourceError) as caught:
        parse_travel(travel / "pnrgov" / "pnrBadFormat.txt", "pnrgov")
    message = str(caught.value)
    assert "pnrBadFormat.txt" in message and "segment 28 UNZ" in message and "line 28, column 1" in message
    assert "interchange control reference" in message and "at most 14" in message


def test_paxlst_crew_list_names_birth_dates_documents_and_the_flight(travel):
    parsed = parse_travel(travel / "paxlst" / "Test1.txt", "paxlst")
    (manifest,) = parsed.manifests
    assert manifest.crew_list and len(manifest.travellers) == 8
    steur = person(parsed, "Steur")
    assert steur.first("firstName") == "Andrea" and steur.first("middleName") == "Pat"
    assert steur.first("birthDate") == "1978-07-06" and steur.first("gender") == "female"
    assert steur.first("nationality") == "gb" and steur.get("passportNumber") == ["123456789"]
    assert steur.first("position") == "crew member"
    (leg,) = manifest.legs
    assert (leg.carrier, leg.flight, leg.origin, leg.destination) == ("UA", "0989", "FRA", "IAD")
    assert (leg.departure, leg.arrival) == ("2017-01-27T17:25", "2017-01-28T07:10")
    passports = [e for r in parsed.records for e in r.entities if e.schema.name == "Passport"]
    assert all(p.first("country") == "gb" for p in passports)
    # eight crew share one (test) passport number but not a birth date: eight people, one document
    assert len({p.id for p in people(parsed)}) == 8 and len({p.id for p in passports}) == 1


def test_paxlst_multi_leg_and_custom_service_characters(travel):
    parsed = parse_travel(travel / "paxlst" / "apisMessage.txt", "paxlst")
    (manifest,) = parsed.manifests
    assert [(leg.code, leg.origin, leg.destination) for leg in manifest.legs] == [("AA123", "ATL", "ORD"), ("AA124", "ORD", "JFK")]
    clark = [t for t in manifest.travellers if t.given == "CHERYL"][0]
    assert (clark.embarks, clark.debarks, clark.reference, clark.birth_date) == ("ORD", "JFK", "TYR123", "1973-04-07")
    trips = {e.first("name"): e for r in parsed.records for e in r.entities if e.schema.name == "Trip"}
    cheryl = [p for p in people(parsed) if p.first("firstName") == "CHERYL"][0]
    assert cheryl.id not in trips["AA123 ATL-ORD 2007-02-19"].get("involved")  # boarded at ORD
    assert cheryl.id in trips["AA124 ORD-JFK 2007-02-19"].get("involved")
    airline = parse_travel(travel / "paxlst" / "airline2.edi", "paxlst")  # UNA:*.? $ and a space after a tag
    assert person(airline, "BETTON").get("passportNumber") == ["178556534"]
    assert any("CNT declares 136" in w for w in airline.warnings)


def test_paxlst_count_that_disagrees_stray_bytes_and_a_trailing_note(travel):
    big = parse_travel(travel / "paxlst" / "Test3.txt", "paxlst")
    assert len(big.manifests[0].travellers) == 260
    assert any("CNT declares 206 people; 260 are listed" in w for w in big.warnings)
    legs = parse_travel(travel / "paxlst" / "multiple_flight_leg_apis.txt", "paxlst")
    assert any("13Nov09" in w for w in legs.warnings)
    barrett = person(legs, "BARRETT")
    assert barrett.get("passportNumber") == ["YY3478621G"] and barrett.first("birthDate") == "1968-02-23"


def test_pnr_booking_travellers_itinerary_payment_contacts_and_history(travel):
    parsed = parse_travel(travel / "pnrgov" / "pnrMessage.txt", "pnrgov")
    ((flight, booking),) = parsed.bookings
    assert flight.code == "DL324" and booking.locator == "MFN4TI" and booking.system == "DL"
    assert [(leg.code, leg.origin, leg.destination) for leg in booking.legs] == [("DL324", "LHR", "JFK"), ("DL330", "JFK", "YVR")]
    assert booking.last_modified == "2010-12-06T10:10" and booking.ticketed == "2010-12-06T12:00"
    assert [(p.kind, p.card_vendor, p.card_number, p.payer) for p in booking.payments][0] == \
        ("CC", "VI", "XXXXXXXX1186", "TIMOTHY SIMS")
    assert [(h.action, h.what) for h in booking.history][:2] == [("cancelled", "DL324 LHR-JFK 2010-12-10"),
                                                                 ("cancelled", "DL330 JFK-YVR 2010-12-10")]
    smith = person(parsed, "SMITHJR")
    assert smith.first("firstName") == "JONATHON" and smith.first("birthDate") == "1964-07-12"
    assert smith.get("passportNumber") == ["123456789"] and smith.get("alias") == ["JOHN SMITHJR"]
    assert "+441753637285" in smith.get("phone")  # the booking's phone, on its lead traveller
    jones = person(parsed, "JONES")
    assert not jones.get("phone")  # tied to SMITH by the booking, not again by its contact
    booking_trip = [e for e in parsed.records[0].entities if e.schema.name == "Trip" and e.first("recordId") == "MFN4TI"][0]
    assert set(booking_trip.get("involved")) == {smith.id, jones.id}  # co-travellers
    card = [e for e in parsed.records[0].entities if e.schema.name == "BankAccount"][0]
    assert card.first("accountNumber") == "XXXXXXXX1186"
    seats = [t.seats for t in booking.travellers]
    assert "15A DL324" in seats[0] and "15B DL324" in seats[1]
    assert {"seat 15A DL324", "seat 15E DL330", "ticket 0062120234533", "frequent flyer DL 1234567890"} <= set(smith.get("notes"))


def test_pnr_sensitive_ssrs_and_remarks_are_purged(travel):
    parsed = parse_travel(travel / "pnrgov" / "pnrMessage.txt", "pnrgov")
    (_, booking), = parsed.bookings
    assert booking.purged >= 5  # AVML meals, the VIP remark, fare lines, history text
    text = " ".join(str(e.to_dict()) for r in parsed.records for e in r.entities)
    assert "AVML" not in text and "VIP" not in text


def test_pnr_emails_phones_seats_doco_and_infants(travel):
    ctcm = parse_travel(travel / "pnrgov" / "pnrAddressPhoneCTCM.txt", "pnrgov")
    assert person(ctcm, "LOBB").get("email") == ["molly_lont+50bb@gmail.com"]  # ?+ released, .. and // decoded
    doco = parse_travel(travel / "pnrgov" / "pnrWithDoco.txt", "pnrgov")
    ackary = person(doco, "ACKARY")
    assert ackary.get("idNumber") == ["8675309"] and ackary.get("email") == ["charles.ackary@yahoo.com"]
    infant = parse_travel(travel / "pnrgov" / "infant.edi", "pnrgov")  # UNA declares ’ but segments end with '
    ((_, booking),) = infant.bookings
    belt = {t.given: t for t in booking.travellers}
    assert set(belt) == {"ISABELLE RUTH", "SOPHY OLIVIA"}
    assert belt["ISABELLE RUTH"].birth_date == "1978-07-01" and not belt["ISABELLE RUTH"].infant
    assert belt["SOPHY OLIVIA"].infant and belt["SOPHY OLIVIA"].birth_date == "2012-09-20"
    big = parse_travel(travel / "pnrgov" / "bigMessagePnr.txt", "pnrgov")
    ((_, booking),) = big.bookings
    assert len(booking.travellers) == 7 and any("38E UA988" in t.seats for t in booking.travellers)
    wrapped = parse_travel(travel / "pnrgov" / "2_pnrs_basic.edi", "pnrgov")  # telex-wrapped lines
    assert wrapped.bookings[0][1].addresses == ["45 HIGHSTREET, SLOUGH, BERKSHIRE, SL1AA, GB"]
    assert [b.locator for _, b in wrapped.bookings] == ["MFN4TI", "23456"]


def test_codeshare_with_a_short_una_and_backslash_release(travel):
    parsed = parse_travel(travel / "pnrgov" / "codeshare.edi", "pnrgov")
    assert any("UNA declares" in w for w in parsed.warnings)
    assert [b.locator for _, b in parsed.bookings] == ["2LS6KP", "X49V9U"]
    assert parsed.bookings[0][1].legs[0].operating_carrier == "SQ"


def test_api_and_pnr_of_one_passenger_are_one_person():
    traveller = Traveller("OKAFOR", "EMEKA", birth_date="1980-02-03", nationality="NGA",
                          documents=[Document("P", "A1234567", "NGA", "2030-01-01")])
    leg = Leg("XY", "123", "LOS", "IST", "2025-03-02T10:00", "2025-03-02T17:00")
    api = parse_message(write_paxlst(Manifest("M1", [leg], [traveller])).encode(), "paxlst")
    pnr = parse_message(write_pnrgov(leg, [Booking("ABC123", "XY", travellers=[traveller], legs=[leg])], "R1").encode(), "pnrgov")
    assert [p.id for p in people(api)] == [p.id for p in people(pnr)]


def test_round_trip_writer_to_readers():
    a = Traveller("HADDAD", "SAMI", "K", "1979-05-06", "male", "LBN", documents=[Document("P", "RL0045", "LBN", "2029-04-30")],
                  phones=["+96170123456"], emails=["sami_h@example.org"], reference="1")
    b = Traveller("O'NEIL", "MARY", None, "1985-11-12", "female", "IRL", documents=[Document("P", "PX99+1", "IRL", "2031-01-31")])
    legs = [Leg("TK", "1980", "DUB", "IST", "2025-06-01T06:10", "2025-06-01T12:40"),
            Leg("TK", "830", "IST", "BEY", "2025-06-01T15:00", "2025-06-01T16:55")]
    manifest = parse_message(write_paxlst(Manifest("FLT1", legs[:1], [a, b])).encode(), "paxlst").manifests[0]
    assert [(t.surname, t.given, t.birth_date, t.nationality, t.documents[0].number) for t in manifest.travellers] == \
        [("HADDAD", "SAMI", "1979-05-06", "LBN", "RL0045"), ("O'NEIL", "MARY", "1985-11-12", "IRL", "PX99+1")]
    booking = Booking("Q7X2LM", "1A", created="2025-05-30T21:15", last_modified="2025-05-31T08:00", travellers=[a, b],
                      legs=legs, payments=[Payment("CC", "VI", "XXXXXXXXXXXX4242", "1230", "980.00")], phones=["+96170999888"])
    ((flight, read),) = parse_message(write_pnrgov(legs[0], [booking], "P1").encode(), "pnrgov").bookings
    assert (read.locator, read.system, read.created, read.last_modified) == ("Q7X2LM", "1A", "2025-05-30T21:15", "2025-05-31T08:00")
    assert [(t.surname, t.given, t.middle, t.birth_date, t.documents[0].number) for t in read.travellers] == \
        [("HADDAD", "SAMI", "K", "1979-05-06", "RL0045"), ("O'NEIL", "MARY", None, "1985-11-12", "PX99+1")]
    assert read.travellers[0].phones == ["+96170123456"] and read.travellers[0].emails == ["sami_h@example.org"]
    assert read.phones == ["+96170999888"]
    assert [(p.kind, p.card_vendor, p.card_number) for p in read.payments] == [("CC", "VI", "XXXXXXXXXXXX4242")]
    assert [(leg.code, leg.origin, leg.destination, leg.departure) for leg in read.legs] == \
        [(leg.code, leg.origin, leg.destination, leg.departure) for leg in legs]


def test_helpers():
    assert strip_title("JOHNMR") == "JOHN" and strip_title("ISABELLE MRS") == "ISABELLE"
    assert strip_title("WILLIAMS") == "WILLIAMS" and strip_title("ALEXANDR") == "ALEXANDR"
    assert email_address("REUBEN..SERIO//GMAIL.COM") == "reuben_serio@gmail.com"
    assert email_address("not an email") is None


def test_garbage_is_refused_with_a_position():
    with pytest.raises(SourceError, match="line 1, column 1"):
        parse_message(b"hello world", "paxlst")
    with pytest.raises(SourceError, match="PNRGOV message where PAXLST"):
        parse_message(write_pnrgov(Leg("XY", "1", "AAA", "BBB", "2025-01-01T10:00"), [], "R").encode(), "paxlst")


PNR_XML = b"""<?xml version="1.0" encoding="UTF-8"?>
<IATA_PNRGOV_NotifRQ xmlns="http://www.iata.org/IATA/2007/00" Version="2.005" Function="1">
  <Originator AirlineCode="TK" SystemCode="1A"/>
  <FlightLeg CarrierCode="TK" FlightNumber="1980" DepartureDateTime="2025-06-01T06:10:00">
    <DepartureAirport LocationCode="DUB"/><ArrivalAirport LocationCode="IST"/>
  </FlightLeg>
  <PNRs NumberOfPnrs="1">
    <PNR NumberOfPassengers="2" PNR_CreationDate="2025-05-30T21:15:00" PNR_TransDate="2025-05-31T08:00:00">
      <BookingRefID ID="Q7X2LM"><CompanyName Code="1A"/></BookingRefID>
      <BookingRefID ID="TKREF1"><CompanyName Code="TK"/></BookingRefID>
      <SSR SSRCode="MOML" Status="HK"><Airline Code="TK"/><Text>MUSLIM MEAL</Text></SSR>
      <OSI Code="TK"><Airline Code="TK"/><Text>PAX IS A VIP</Text></OSI>
      <POS><Source PseudoCityCode="DUBTK08AA" ISOCountry="IE"><RequestorID ID="91234567" Type="5"/></Source></POS>
      <ContactInfo PhoneNumber="+353851234567"><AddressLine>12 QUAY ST</AddressLine><CityName>DUBLIN</CityName>
        <CountryName Code="IE"/></ContactInfo>
      <Passenger RPH="1">
        <GivenName>SAMI MR</GivenName><Surname>HADDAD</Surname>
        <CustLoyalty ProgramID="TK" MembershipID="TK123456"/>
        <ContactInfo EmailAddress="sami_h@example.org"/>
        <TicketDocument TicketDocumentNbr="2352100000001" DateOfIssue="2025-05-30">
          <PaymentInfo PaymentType="CC" VendorCode="VI" AccountNbr="XXXXXXXXXXXX4242" ExpiryDate="1230"/>
        </TicketDocument>
        <DOC_SSR SSRCode="DOCS" RPH="1"><DOCS TravelDocType="P" TravelDocNbr="RL0045" IssuingLoc="LBN"
          PaxNationality="LBN" DateOfBirth="06MAY79" Gender="M" ExpiryDate="30APR29" Surname="HADDAD" FirstGivenName="SAMI"/></DOC_SSR>
      </Passenger>
      <Passenger RPH="2"><GivenName>MARY</GivenName><Surname>ONEIL</Surname></Passenger>
      <DOC_SSR SSRCode="DOCS" RPH="2"><DOCS TravelDocType="P" TravelDocNbr="PX991" IssuingLoc="IRL" PaxNationality="IRL"
        DateOfBirth="12NOV85" Gender="F" Surname="ONEIL" FirstGivenName="MARY"/></DOC_SSR>
      <Flight FlightNumber="1980" DepartureDateTime="2025-06-01T06:10:00" ArrivalDateTime="2025-06-01T12:40:00"
              ResBookDesigCode="Y" Status="HK">
        <DepartureAirport LocationCode="DUB"/><ArrivalAirport LocationCode="IST"/><MarketingAirline Code="TK"/>
        <CheckInInfo><BoardingNumber Number="DUB-012" RPH="2"><SeatNumber>014C</SeatNumber></BoardingNumber></CheckInInfo>
      </Flight>
      <StructuredPNR_History><Credit TimeStamp="2025-05-31T07:00:00"/>
        <Item Action="X"><Flight FlightNumber="1978" DepartureDateTime="2025-05-31T06:10:00">
          <DepartureAirport LocationCode="DUB"/><ArrivalAirport LocationCode="IST"/><MarketingAirline Code="TK"/></Flight></Item>
      </StructuredPNR_History>
    </PNR>
  </PNRs>
</IATA_PNRGOV_NotifRQ>
"""


def test_pnrgov_xml_reads_like_edifact_and_purges_the_same():
    parsed = parse_message(PNR_XML, "pnrgov")
    ((flight, booking),) = parsed.bookings
    assert (flight.code, flight.origin, flight.destination) == ("TK1980", "DUB", "IST")
    assert (booking.locator, booking.system, booking.created, booking.other_locators) == \
        ("Q7X2LM", "1A", "2025-05-30T21:15", ["TK:TKREF1"])
    assert booking.agency == "DUBTK08AA agent 91234567" and booking.ticketed == "2025-05-30"
    assert [(p.kind, p.card_vendor, p.card_number) for p in booking.payments] == [("CC", "VI", "XXXXXXXXXXXX4242")]
    assert [(h.action, h.what) for h in booking.history] == [("cancelled", "TK1978 DUB-IST 2025-05-31")]
    assert booking.purged == 2  # the meal request and the remark
    sami, mary = booking.travellers
    assert (sami.given, sami.birth_date, sami.documents[0].number, sami.emails) == \
        ("SAMI", "1979-05-06", "RL0045", ["sami_h@example.org"])
    assert (mary.birth_date, mary.nationality, mary.seats) == ("1985-11-12", "IRL", ["014C TK1980"])
    haddad = person(parsed, "HADDAD")
    assert "+353851234567" in haddad.get("phone") and haddad.get("passportNumber") == ["RL0045"]
    assert "MOML" not in str([e.to_dict() for r in parsed.records for e in r.entities])


def test_pnrgov_xml_refuses_entities_and_the_wrong_root():
    with pytest.raises(SourceError, match="entit"):
        parse_message(b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "boom">]><IATA_PNRGOV_NotifRQ>&e;</IATA_PNRGOV_NotifRQ>',
                      "pnrgov")
    with pytest.raises(SourceError, match="where <IATA_PNRGOV_NotifRQ> was expected"):
        parse_message(b"<report/>", "pnrgov")


def test_masked_cards_are_one_card_only_with_their_holder(travel):
    parsed = parse_travel(travel / "pnrgov" / "2_pnrs_basic.edi", "pnrgov")
    cards = [[e for e in r.entities if e.schema.name == "BankAccount"] for r in parsed.records]
    # both bookings paid with VI XXXXXXXX1186 0211; only the first names the holder: two cards, not one
    assert cards[0][0].first("accountNumber") == cards[1][0].first("accountNumber") == "XXXXXXXX1186"
    assert cards[0][0].id != cards[1][0].id and "TIMOTHY SIMS" in cards[0][0].first("name")


def test_each_infants_document_finds_its_infant():
    adults = [Traveller("SMITH", "ANNA", reference="1"), Traveller("JONES", "MARK", reference="2")]
    booking = Booking("INF001", "1A", travellers=adults, legs=[Leg("XY", "1", "AAA", "BBB", "2025-01-01T10:00")])
    text = write_pnrgov(booking.legs[0], [booking], "I1").replace(
        "TIF+JONES+MARK:A:2'", "TIF+JONES+MARK:A:2'\nSSR+DOCS:HK:1:YY:::::/P/GBR/INF2/GBR/01JAN24/MI//JONES/TOM'")
    text = text.replace("TIF+SMITH+ANNA:A:1'", "TIF+SMITH+ANNA:A:1'\nSSR+DOCS:HK:1:YY:::::/P/GBR/INF1/GBR/02FEB24/FI//SMITH/EVE'")
    ((_, read),) = parse_message(text.encode(), "pnrgov").bookings
    infants = {t.given: (t.surname, t.documents[0].number, t.birth_date) for t in read.travellers if t.infant}
    assert infants == {"EVE": ("SMITH", "INF1", "2024-02-02"), "TOM": ("JONES", "INF2", "2024-01-01")}
    assert all(not t.documents for t in read.travellers if not t.infant)


def test_release_characters_and_typographic_apostrophes():
    segments = parse_message(("UNA:+.? 'UNB+UNOA:4+X+Y+250101:1000+R'UNH+1+PAXLST:D:05B:UN:IATA'BGM+745'"
                              "NAD+FL+++O??+X:B'NAD+FL+++O’BRIEN:JOHN'UNT+4+1'UNZ+1+R'").encode(), "paxlst")
    names = [(t.surname, t.given) for t in segments.manifests[0].travellers]
    assert names == [("O?", None), ("O’BRIEN", "JOHN")]


def test_a_billing_name_no_traveller_bears_is_a_third_party_who_owns_the_card(travel):
    """In the carrier's sample, Timothy Sims paid for Smith and Jones: tickets bought for others. In the big
    sample each passenger paid their own."""
    bought = parse_travel(travel / "pnrgov" / "2_pnrs_basic.edi", "pnrgov")
    rows = feature_rows(subjects([], bought.bookings)).to_pylist()
    assert {r["text_value"] for r in rows if r["feature"] == "paid_by_third_party"} == {"true"}
    first = {e.id: e for e in bought.records[0].entities}
    (owner,) = [first[o.first("owner")] for o in first.values() if o.schema.name == "Ownership"]
    assert owner.caption == "TIMOTHY SIMS" and owner.get("address") == ["2234 MAIN STREET ATLANTA, GA 30067"]
    own = parse_travel(travel / "pnrgov" / "bigMessagePnr.txt", "pnrgov")
    rows = feature_rows(subjects([], own.bookings)).to_pylist()
    assert {r["text_value"] for r in rows if r["feature"] == "paid_by_third_party"} == {"false"}
    entities = {e.id: e for r in own.records for e in r.entities}
    owners = {entities[o.first("owner")].first("lastName") for o in entities.values() if o.schema.name == "Ownership"}
    assert owners == {"HOLCOMBE", "EMMETT", "MALDONADO", "NUGUSE", "MICHAELS", "HOU"}


@pytest.mark.parametrize(("payer", "paid_for"), [
    ("JONATHON SMITH", 0), ("SMITH/JONATHON MR", 0), ("J SMITH", 0), ("MR ANNA JONES", 1), ("Ánna Jones", 1),
    ("SMITH", 0), (None, 0), ("SEAN O'BRIEN", 2), ("SEAN OBRIEN", 2), ("PIET VAN DER BERG", 3), ("OMAR ALHASSAN", 4),
    ("OMAR AL HASSAN", 4), ("MARIA GARCIA", 5), ("MARIA GARCIA LOPEZ", 5), ("Hans Strauß", 6), ("Łukasz Nowak", 7),
    ("PAUL SMITH-ROWE", 8), ("EMMA JONES", None), ("MARY SMITH", None), ("TIMOTHY SIMS", None), ("JOHN O'NEIL", None),
])
def test_which_traveller_a_billing_name_names(payer, paid_for):
    travellers = [Traveller("SMITH", "MRJONATHON"), Traveller("JONES", "ANNAMS"), Traveller("OBRIEN", "SEAN"),
                  Traveller("VANDERBERG", "PIET"), Traveller("AL-HASSAN", "OMAR"), Traveller("GARCIA LOPEZ", "MARIA"),
                  Traveller("STRAUSS", "HANS"), Traveller("NOWAK", "LUKASZ"), Traveller("SMITH ROWE", "JOHN PAUL")]
    assert paying_traveller(Payment("CC", payer=payer), travellers) == paid_for
