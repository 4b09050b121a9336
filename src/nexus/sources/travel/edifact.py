"""UN/EDIFACT interchanges as segments, tolerant where carriers are sloppy and precise where they are wrong.

Tolerated, because real carriers send it:
- any service characters, from a UNA header or, where the header is missing, short or
  contradicts the data, read off the interchange itself (the character after ``UNB`` separates
  elements, the one after its syntax identifier separates components, and the character
  before the next ``UNG``/``UNH`` ends segments);
- a typographic apostrophe (’) where the terminator is an apostrophe (word-processed messages);
- line breaks and blanks between segments, and line breaks inside them (telex-width wrapping:
  ``45 HIGH`` + newline + ``STREET`` reads ``45 HIGHSTREET``, as the sender meant);
- UNG/UNE functional groups and several interchanges in one file;
- character sets: UTF-8 where the bytes are UTF-8, otherwise latin-1 (UNOC); counts in
  UNT/UNE/UNZ/CNT that disagree with what is there, a UNT/UNE/UNZ reference that is not its header's, and a UNB
  syntax identifier or version ISO 9735 does not know (a warning naming the segment, not an error).

Refused, with the segment's number, tag, line and column: service segments whose control
fields break ISO 9735 (a reference longer than 14 characters, a count that is not a number),
text where an interchange should start, a message without a header, a message cut short (no
UNT before the next UNH, UNB or the end) and an interchange without its UNZ: a cut-off message
is refused whole, never read as far as it goes. UTF-16 or other bytes that are no text are
refused as such. The release character (``?`` unless declared) makes the next character literal.
"""

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from nexus.sources.base import SourceError
from nexus.sources.travel.records import is_number

DEFAULT_UNA = ":+.? '"
LINE_BREAKS = str.maketrans("", "", "\r\n")
TYPOGRAPHIC_APOSTROPHE = "\u2019"
#: ISO 9735 control fields of service segments: tag → ((element, component, name, max length, numeric), …).
CONTROL_FIELDS = {
    "UNB": ((4, 0, "interchange control reference", 14, False),),
    "UNG": ((4, 0, "group reference number", 14, False),),
    "UNH": ((0, 0, "message reference number", 14, False),),
    "UNT": ((0, 0, "number of segments in the message", 10, True), (1, 0, "message reference number", 14, False)),
    "UNE": ((0, 0, "number of messages", 6, True), (1, 0, "group reference number", 14, False)),
    "UNZ": ((0, 0, "interchange control count", 6, True), (1, 0, "interchange control reference", 14, False)),
}

#: Trailers that repeat their header's control reference: trailer → the element of its header (UNH, UNG, UNB) holding it.
REFERENCES = {"UNT": 0, "UNE": 4, "UNZ": 4}
#: UNB S001 syntax identifiers: ISO 9735's character repertoires (UNOA … UNOY), and IATA's for PADIS (IATA, IATB).
SYNTAX_IDENTIFIER = re.compile(r"UNO[A-Z]|IAT[AB]")
SYNTAX_VERSIONS = frozenset({"1", "2", "3", "4"})


@dataclass(frozen=True)
class Delimiters:
    component: str
    element: str
    release: str
    terminator: str


@dataclass(frozen=True)
class Segment:
    tag: str
    elements: tuple[tuple[str, ...], ...]
    number: int  # 1-based, counting the file's segments
    line: int
    column: int

    def get(self, element: int, component: int = 0) -> str | None:
        """The value at (element, component), counted from 0 after the tag; None when empty or absent."""
        if element >= len(self.elements) or component >= len(self.elements[element]):
            return None
        return self.elements[element][component].strip() or None

    def components(self, element: int) -> tuple[str, ...]:
        return self.elements[element] if element < len(self.elements) else ()

    @property
    def where(self) -> str:
        return f"segment {self.number} {self.tag} (line {self.line}, column {self.column})"


@dataclass
class Message:
    """One message (UNH … UNT): its type and reference, and the segments between."""

    type: str
    reference: str
    header: Segment
    segments: list[Segment] = field(default_factory=list)
    sender: str | None = None  # the interchange's sender (UNB)
    prepared: str | None = None  # the interchange's date and time of preparation, YYMMDD:HHMM


@dataclass
class Interchange:
    messages: list[Message] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def decode(data: bytes) -> str:
    """UTF-8 where the bytes are UTF-8 (UNOW/UNOY, and ASCII), otherwise latin-1 (UNOC, and stray bytes); bytes
    that are text in neither (UTF-16, binary) are refused, not dumped as Latin-1 gibberish."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:64] and b"\x00\x00" not in data[:64]:
        raise SourceError("not UTF-8/ISO-8859-1 text: looks like UTF-16 (a byte-order mark or a NUL byte beside "
                          "every character); send it as UTF-8")
    if b"\x00" in data:
        raise SourceError(f"not UTF-8/ISO-8859-1 text: a NUL byte at byte {data.index(0)}")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def read_interchange(data: bytes, expect: str) -> Interchange:
    """Every `expect` message (PAXLST, PNRGOV) in the file's interchanges; raises SourceError naming the
    segment and position of what cannot be read."""
    text = decode(data)
    result = Interchange()
    message: Message | None = None
    interchange: Segment | None = None  # the open interchange's UNB
    group: Segment | None = None  # the open group's UNG
    counts = _Counts()
    sender = prepared = last = None
    for segment in _segments(text, result.warnings):
        tag, last = segment.tag, segment
        _check_control(segment)
        if tag == "UNB":
            _check_closed(message, interchange, f"before {segment.where}")
            interchange, counts = segment, _Counts()
            sender, prepared = segment.get(1), ":".join(segment.components(3)) or None
            _check_syntax(segment, result.warnings)
        elif tag == "UNH":
            _check_closed(message, None, f"before {segment.where}")
            counts.messages += 1
            counts.in_group += 1
            kind = segment.get(1)
            if kind != expect:
                raise SourceError(f"{segment.where}: a {kind or 'untyped'} message where {expect} was expected")
            message = Message(expect, segment.get(0) or "", segment, sender=sender, prepared=prepared)
            result.messages.append(message)
        elif tag == "UNT":
            if message is None:
                raise SourceError(f"{segment.where}: UNT without a message header (UNH)")
            counted = len(message.segments) + 2
            declared = segment.get(0)
            if declared and is_number(declared) and int(declared) != counted:
                result.warnings.append(f"{segment.where}: declares {int(declared)} segments; the message has {counted}")
            _check_reference(segment, message.header, result.warnings)
            message = None
        elif tag in ("UNG", "UNE", "UNZ"):
            _check_closed(message, None, f"before {segment.where}")
            counts.close(segment, result.warnings)
            if tag != "UNG":
                _check_reference(segment, group if tag == "UNE" else interchange, result.warnings)
            group = segment if tag == "UNG" else None
            interchange = None if tag == "UNZ" else interchange
        elif tag == "UNA":
            continue
        elif message is None:
            raise SourceError(f"{segment.where}: {tag} segment outside a message (no UNH before it)")
        else:
            message.segments.append(segment)
    _check_closed(message, interchange, f"where the file ends, after {last.where if last else 'no segment'}")
    if not result.messages:
        raise SourceError(f"no {expect} message (UNH+…+{expect}) in this file")
    return result


def _check_closed(message: Message | None, interchange: Segment | None, where: str) -> None:
    """Refuse a message or an interchange still open `where` (before the segment that follows, or at the end)."""
    if message is not None:
        raise SourceError(f"{message.header.where}: message {message.reference} cut short: no UNT trailer {where}; "
                          "nothing of the file is loaded")
    if interchange is not None:
        raise SourceError(f"{interchange.where}: interchange cut short: no UNZ trailer {where}; "
                          "nothing of the file is loaded")


def _check_syntax(unb: Segment, warnings: list[str]) -> None:
    """Warn of a syntax identifier or version (UNB S001) that ISO 9735 and IATA do not know: the text is read as UTF-8
    or latin-1 whatever it names."""
    identifier, version = unb.get(0), unb.get(0, 1)
    if not (identifier and SYNTAX_IDENTIFIER.fullmatch(identifier)):
        warnings.append(f"{unb.where}, element 1 (syntax identifier): {identifier!r} is not an ISO 9735 (UNOA … UNOY) "
                        "or IATA one; read as UTF-8, or latin-1")
    if version is not None and version not in SYNTAX_VERSIONS:
        warnings.append(f"{unb.where}, element 1 (syntax version number): {version!r} is not 1 to 4")


def _check_reference(trailer: Segment, header: Segment | None, warnings: list[str]) -> None:
    """Warn of a trailer whose control reference is not its header's (`REFERENCES`), as of a count that disagrees."""
    if header is None:
        return
    element, _, name, _, _ = CONTROL_FIELDS[trailer.tag][1]
    reference, expected = trailer.get(element), header.get(REFERENCES[trailer.tag])
    if reference and expected and reference != expected:
        warnings.append(f"{trailer.where}, element {element + 1} ({name}): {reference!r} is not the "
                        f"{expected!r} of its {header.tag}, {header.where}")


@dataclass
class _Counts:
    """Messages and groups of the open interchange, for its UNE and UNZ counts."""

    messages: int = 0
    groups: int = 0
    in_group: int = 0

    def close(self, segment: Segment, warnings: list[str]) -> None:
        declared = segment.get(0)
        if segment.tag == "UNG":
            self.groups, self.in_group = self.groups + 1, 0
            return
        counted, what = ((self.in_group, "messages") if segment.tag == "UNE"
                         else (self.groups, "groups") if self.groups else (self.messages, "messages"))
        if declared and is_number(declared) and int(declared) != counted:
            warnings.append(f"{segment.where}: declares {int(declared)} {what}; the "
                            f"{'group' if segment.tag == 'UNE' else 'interchange'} has {counted}")


def _segments(text: str, warnings: list[str]) -> Iterator[Segment]:
    number, position = 0, 0
    _line_column = _Lines(text).locate
    while True:
        position = _skip_blank(text, position)
        if position >= len(text):
            return
        if not text.startswith(("UNA", "UNB"), position):
            line, column = _line_column(text, position)
            if number:  # a note after the last interchange ("13Nov09")
                warnings.append(f"line {line}, column {column}: text after the end of the interchange ignored: "
                                f"{text[position:position + 30]!r}")
                return
            raise SourceError(f"line {line}, column {column}: {text[position:position + 30]!r} where an interchange "
                              "(UNA or UNB) should start")
        delimiters, position = _delimiters(text, position, warnings, _line_column)
        restart = None
        for raw, start, end in _raw_segments(text, position, delimiters):
            stripped = raw.lstrip()
            if not stripped:
                if end >= len(text):
                    return
                continue
            start += len(raw) - len(stripped)
            cut = _next_interchange(stripped) if number else None
            if cut is not None:  # an interchange cut off mid-segment; the next begins on a new line
                line, _ = _line_column(text, start)
                warnings.append(f"line {line}: interchange cut off ({stripped[:cut].strip()[:30]!r} dropped); "
                                "a new one begins on the next line")
                restart = start + cut
                break
            number += 1
            if delimiters.terminator != "\n":
                stripped = stripped.translate(LINE_BREAKS)
            segment = _segment(stripped, number, *_line_column(text, start), delimiters)
            yield segment
            if segment.tag == "UNZ":
                restart = end
                break
        if restart is None:
            return
        position = restart


def _raw_segments(text: str, position: int, delimiters: Delimiters) -> Iterator[tuple[str, int, int]]:
    """(segment text, start, end after its terminator) from `position`: a plain split where no character
    needs releasing, which is most messages, and a scan that honours the release character otherwise."""
    terminator = delimiters.terminator
    if (not delimiters.release or delimiters.release not in text) and (
            terminator != "'" or TYPOGRAPHIC_APOSTROPHE not in text):
        while position < len(text):
            found = text.find(terminator, position)
            end = len(text) if found < 0 else found
            yield text[position:end], position, end + 1
            position = end + 1
        return
    for match in _segment_pattern(delimiters).finditer(text, position):
        yield match.group(1), match.start(1), match.end()


def _segment(raw: str, number: int, line: int, column: int, delimiters: Delimiters) -> Segment:
    if delimiters.release and delimiters.release in raw:
        parts = _released_split(raw, delimiters.element, delimiters.release)
        elements = tuple(tuple(_unescape(c, delimiters.release)
                               for c in _released_split(part, delimiters.component, delimiters.release))
                         for part in parts[1:])
    else:
        parts = raw.split(delimiters.element)
        elements = tuple(tuple(part.split(delimiters.component)) for part in parts[1:])
    tag = parts[0].strip()
    if not (len(tag) == 3 and tag.isascii() and tag.isalnum() and tag == tag.upper()):
        raise SourceError(f"segment {number} (line {line}, column {column}): {tag[:20]!r} is not a segment tag")
    return Segment(tag, elements, number, line, column)


def _released_split(text: str, separator: str, release: str) -> list[str]:
    """`text` split at each `separator` that the release character does not make literal ("??+" is a
    literal release character followed by a real separator). The parts keep their release characters."""
    parts, start, index = [], 0, 0
    while index < len(text):
        char = text[index]
        if char == release:
            index += 2
            continue
        if char == separator:
            parts.append(text[start:index])
            start = index + 1
        index += 1
    parts.append(text[start:])
    return parts


def _unescape(text: str, release: str) -> str:
    out, index = [], 0
    while index < len(text):
        if text[index] == release and index + 1 < len(text):
            index += 1
        out.append(text[index])
        index += 1
    return "".join(out)


def _check_control(segment: Segment) -> None:
    for element, component, name, length, numeric in CONTROL_FIELDS.get(segment.tag, ()):
        value = segment.get(element, component)
        if value is None:
            continue
        if len(value) > length:
            raise SourceError(f"{segment.where}, element {element + 1} ({name}): {value[:40]!r} is {len(value)} "
                              f"characters; at most {length} allowed")
        if numeric and not is_number(value):
            raise SourceError(f"{segment.where}, element {element + 1} ({name}): {value[:40]!r} is not a number")


class _Lines:
    """Line and column (1-based) of a position in the text, by binary search over its line breaks."""

    def __init__(self, text: str) -> None:
        self.breaks = [m.start() for m in re.finditer("\n", text)]

    def locate(self, text: str, position: int) -> tuple[int, int]:
        line = bisect.bisect_left(self.breaks, position)
        return line + 1, position - (self.breaks[line - 1] + 1 if line else 0) + 1


def _delimiters(text: str, position: int, warnings: list[str], locate) -> tuple[Delimiters, int]:
    """The interchange's service characters and where its first segment (UNB) starts. A release
    character given as a space or a letter or digit means none (ISO 9735: a space says 'not used')."""
    delimiters, unb = _declared_or_sniffed(text, position, warnings, locate)
    if not delimiters.release or delimiters.release.isspace() or delimiters.release.isalnum():
        delimiters = Delimiters(delimiters.component, delimiters.element, "", delimiters.terminator)
    return delimiters, unb


def _declared_or_sniffed(text: str, position: int, warnings: list[str], locate) -> tuple[Delimiters, int]:
    declared, unb = DEFAULT_UNA, position
    if text.startswith("UNA", position):
        declared = text[position + 3 : position + 9]
        unb = text.find("UNB", position + 3)
        if unb < 0:
            line, column = locate(text, position)
            raise SourceError(f"line {line}, column {column}: UNA service string advice without a UNB header after it")
    sniffed = _sniff(text, unb)
    if sniffed is None:
        if len(declared) < 6:
            raise SourceError("UNA service string advice is cut short")
        return Delimiters(declared[0], declared[1], declared[3], declared[5]), unb
    element, component, terminator = sniffed
    release = declared[3] if len(declared) == 6 else "?"
    if declared[5:6] != terminator or declared[0] != component or declared[1] != element:
        # a short or garbled UNA: the characters between the separators and the terminator are
        # (decimal mark,) release and reserved; a decimal mark is '.' or ','
        end = declared.find(terminator, 2)
        middle = [c for c in declared[2 : end if end >= 0 else 5] if c not in ".,"]
        release = middle[0] if middle else "?"
        if text.startswith("UNA", position):
            warnings.append(f"UNA declares {declared!r}; the interchange uses element {element!r}, component "
                            f"{component!r}, release {release!r} and terminator {terminator!r}")
    return Delimiters(component, element, release, terminator), unb


def _sniff(text: str, unb: int) -> tuple[str, str, str] | None:
    """(element, component, terminator) as the UNB header and the next segment use them."""
    match = re.compile(r"UNB\s*(\S)[A-Z]{4}(\S)").match(text, unb)
    if match is None:
        return None
    element = match.group(1)
    follows = re.compile(rf"(\S)[ \t\r]*\n?[ \t\r]*UN[GH]\s*{re.escape(element)}").search(text, match.end())
    if follows is None:
        return None
    if follows.group(1).isalnum():  # the header's last field runs into a line break: the line break ends segments
        return element, match.group(2), "\n"
    return element, match.group(2), follows.group(1)


def _segment_pattern(delimiters: Delimiters) -> re.Pattern:
    """A segment up to its terminator. Where that is an apostrophe, a typographic one (’) ends a segment
    too, but only where a segment tag or the end follows it: O’BRIEN stays a name."""
    terminator = re.escape(delimiters.terminator)
    released = f"{re.escape(delimiters.release)}[\\s\\S]|" if delimiters.release else ""
    excluded = re.escape(delimiters.release) + terminator
    typographic = ""
    if delimiters.terminator == "'":
        follows = f"(?=\\s*(?:[A-Z0-9]{{3}}\\s*{re.escape(delimiters.element)}|[A-Z0-9]{{3}}\\s*$|$))"
        typographic = f"|{TYPOGRAPHIC_APOSTROPHE}{follows}"
        inner = f"(?:{released}{TYPOGRAPHIC_APOSTROPHE}(?!{follows[3:-1]})|[^{excluded}{TYPOGRAPHIC_APOSTROPHE}])*"
    else:
        inner = f"(?:{released}[^{excluded}])*"
    return re.compile(f"({inner})(?:{terminator}{typographic}|$)")


def _next_interchange(raw: str) -> int | None:
    match = re.search(r"[\r\n][ \t]*(UNA|UNB)", raw)
    return match.start(1) if match else None


def _skip_blank(text: str, position: int) -> int:
    while position < len(text) and (text[position].isspace() or text[position] == "\ufeff"):
        position += 1
    return position
