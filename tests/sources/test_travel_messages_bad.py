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
