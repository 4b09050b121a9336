"""Bad API messages say what is wrong where: a value that is no date, counts in the trailers that disagree,
bytes that are no text, a message cut short."""

import pytest

from nexus.sources import SourceError
from nexus.sources.travel import parse_message

MESSAGE = """UNA:+.? '
UNB+UNOA:4+ZZAIR+PIUXX+250301:1200+REF0001++APIS'
UNH+MSG1+PAXLST:D:05B:UN:IATA'
BGM+745'
TDT+20+ZZ123+++ZZ'
LOC+125+CDG'
DTM+189:2503021000:201'
LOC+87+BRU'
DTM+232:2503021100:201'
NAD+FL+++DOE:JOHN'
DTM+329:{born}'
DOC+P+AB1234567'
UNT+11+MSG1'
UNZ+{count}+REF0001'
"""


def message(born: str = "800115", count: str = "1") -> str:
    return MESSAGE.format(born=born, count=count)


def test_a_date_that_is_no_date_is_left_out_with_a_warning():
    parsed = parse_message(message("801345").encode(), "paxlst")
    (person,) = parsed.manifests[0].travellers
    assert person.birth_date is None and person.surname == "DOE"
    assert any("segment 10 DTM (line 11, column 1), element 1 (date of birth, DTM 329): '801345' is not a date" in w
               for w in parsed.warnings), parsed.warnings


def test_an_interchange_count_that_disagrees_is_a_warning():
    parsed = parse_message(message(count="5").encode(), "paxlst")
    assert "segment 13 UNZ (line 14, column 1): declares 5 messages; the interchange has 1" in parsed.warnings
    assert parse_message(message().encode(), "paxlst").warnings == []


def test_utf16_is_named_as_such():
    with pytest.raises(SourceError, match="not UTF-8/ISO-8859-1 text: looks like UTF-16"):
        parse_message(message().encode("utf-16"), "paxlst")


@pytest.mark.parametrize("cut", [-40, 200])
def test_a_message_cut_short_is_refused_whole(cut):
    with pytest.raises(SourceError, match=r"segment 2 UNH \(line 3, column 1\): message MSG1 cut short: no UNT"):
        parse_message(message().encode()[:cut], "paxlst")


def test_a_message_before_the_next_unh_without_its_unt_is_refused():
    text = message().replace("UNT+11+MSG1'\n", "UNH+MSG2+PAXLST:D:05B:UN:IATA'\nBGM+745'\nUNT+3+MSG2'\n")
    with pytest.raises(SourceError, match="message MSG1 cut short: no UNT trailer before segment 12 UNH"):
        parse_message(text.encode(), "paxlst")


@pytest.mark.parametrize("wrong, warning", [
    ("UNB+XXXX:9+", ["segment 1 UNB (line 2, column 1), element 1 (syntax identifier): 'XXXX' is not an ISO 9735",
                     "segment 1 UNB (line 2, column 1), element 1 (syntax version number): '9' is not 1 to 4"]),
    ("UNZ+1+REF9999'", ["segment 13 UNZ (line 14, column 1), element 2 (interchange control reference): 'REF9999' is "
                        "not the 'REF0001' of its UNB, segment 1 UNB (line 2, column 1)"]),
    ("UNT+11+MSG2'", ["segment 12 UNT (line 13, column 1), element 2 (message reference number): 'MSG2' is not the "
                      "'MSG1' of its UNH, segment 2 UNH (line 3, column 1)"]),
])
def test_an_envelope_iso_9735_forbids_is_loaded_with_a_warning_naming_segment_and_position(wrong, warning):
    """A reference that is not its header's is a warning, as a count that disagrees is: carriers' own samples send them."""
    right = {"UNB": "UNB+UNOA:4+", "UNZ": "UNZ+1+REF0001'", "UNT": "UNT+11+MSG1'"}[wrong[:3]]
    parsed = parse_message(message().replace(right, wrong).encode(), "paxlst")
    assert parsed.manifests[0].travellers[0].surname == "DOE"
    for expected in warning:
        assert any(w.startswith(expected) for w in parsed.warnings), parsed.warnings


def test_a_group_reference_that_is_not_its_headers_is_a_warning(shared_data):
    parsed = parse_message((shared_data / "travel" / "paxlst" / "Test1.txt").read_bytes(), "paxlst")
    assert parsed.manifests and any("UNE" in w and "(group reference number): '1402010600' is not the '1403010600'"
                                    in w for w in parsed.warnings), parsed.warnings


def test_pnrgovs_iata_syntax_identifier_is_known(shared_data):
    parsed = parse_message((shared_data / "travel" / "pnrgov" / "pnrMessage.txt").read_bytes(), "pnrgov")
    assert not [w for w in parsed.warnings if "syntax" in w]


@pytest.mark.parametrize("born, why", [("20300101:102", "after the flight of 2025-03-02"),
                                       ("250303", "after the flight of 2025-03-02")])
def test_a_birth_date_after_the_flight_is_left_out_with_a_warning_naming_the_passenger(born, why):
    parsed = parse_message(message(born).encode(), "paxlst")
    (person,) = parsed.manifests[0].travellers
    assert person.birth_date is None
    assert (f"segment 10 DTM (line 11, column 1), element 1 (date of birth, DTM 329) of JOHN DOE: "
            f"{'2030-01-01' if born.startswith('2030') else '2025-03-03'} is {why}; left out") in parsed.warnings
    (entity,) = [e for e in parsed.records[0].entities if e.schema.name == "Person"]
    assert entity.get("birthDate") == []  # no Person born in 2030


def test_a_birth_date_in_the_future_is_left_out_and_one_on_the_flight_day_kept():
    future = message().replace("DTM+189:2503021000:201'\n", "").replace("DTM+329:800115", "DTM+329:20991231:102")
    parsed = parse_message(future.encode(), "paxlst")
    assert parsed.manifests[0].travellers[0].birth_date is None
    assert any("(date of birth, DTM 329) of JOHN DOE: 2099-12-31 is in the future; left out" in w for w in parsed.warnings)
    newborn = parse_message(message("250302").encode(), "paxlst")
    assert newborn.manifests[0].travellers[0].birth_date == "2025-03-02" and newborn.warnings == []


PNR = """UNA:+.? '
UNB+IATA:1+XY+PIUXX+260105:1000+IC1'
UNH+1+PNRGOV:11:1:IA+F001'
MSG+:22'
ORG+XY'
TVL+100126:1200+IST+LHR+XY+123'
EQN+1'
SRC'
RCI+XY:QWE123:1:050126:0900'
DAT+700:050126:1000'
TIF+KIM+SOK CHOL MR:A:1'
SSR+DOCS:HK:1:XY:::::/P/PRK/472310082/PRK/{born}/M/01JAN30/KIM/SOK CHOL'
TVL+100126:1200::100126:1500+IST+LHR+XY+123:Y'
RPI+1+HK'
UNT+12+1'
UNZ+1+IC1'
"""


def test_a_pnr_birth_date_after_the_flight_is_left_out_with_a_warning_naming_the_ssr():
    parsed = parse_message(PNR.format(born="08MAY26").encode(), "pnrgov")
    (traveller,) = parsed.bookings[0][1].travellers
    assert traveller.birth_date is None and traveller.documents[0].number == "472310082"
    assert ("segment 11 SSR (line 12, column 1), SSR DOCS date of birth of SOK CHOL KIM: 2026-05-08 is after the "
            "flight of 2026-01-10; left out") in parsed.warnings
    assert parse_message(PNR.format(born="08MAY55").encode(), "pnrgov").bookings[0][1].travellers[0].birth_date \
        == "1955-05-08"
