"""Travel data for a passenger information unit: API (PAXLST) and PNR (PNRGOV) messages.

`parse_travel(path, kind)` reads one file into manifests or bookings, the warnings a tolerant
reader gathered (counts that disagree, a value left out as not what its element holds, a UNA the data
contradicts) and the
records to ingest: one per PAXLST message (the flight's manifest), one per PNR. A file that
cannot be read, or a message cut short, raises SourceError naming the segment and position. PNRGOV comes as EDIFACT
or as IATA PNRGOV XML (`IATA_PNRGOV_NotifRQ`); which one is read off the file.
"""

from dataclasses import dataclass, field
from pathlib import Path

from nexus.sources.base import Record, SourceError
from nexus.sources.limits import check_file
from nexus.sources.travel.edifact import read_interchange
from nexus.sources.travel.entities import booking_entities, manifest_entities
from nexus.sources.travel.paxlst import read_manifest
from nexus.sources.travel.pnrgov import read_bookings
from nexus.sources.travel.records import Booking, Leg, Manifest, dates_as_of

#: Bigger than any flight's messages; a file beyond it is refused, not read into memory.
MAX_MESSAGE_BYTES = 64 * 1024**2


@dataclass
class TravelFile:
    kind: str  # paxlst or pnrgov
    manifests: list[Manifest] = field(default_factory=list)
    bookings: list[tuple[Leg | None, Booking]] = field(default_factory=list)  # (the message's flight, a PNR)
    warnings: list[str] = field(default_factory=list)
    records: list[Record] = field(default_factory=list)


def parse_travel(path: Path, kind: str) -> TravelFile:
    check_file(path)
    if path.stat().st_size > MAX_MESSAGE_BYTES:
        raise SourceError(f"{path}: larger than {MAX_MESSAGE_BYTES} bytes: not one carrier push")
    data = path.read_bytes()
    try:
        return parse_message(data, kind)
    except SourceError as exc:
        raise SourceError(f"{path}: {exc}") from None


def parse_message(data: bytes, kind: str) -> TravelFile:
    """A PAXLST or PNRGOV message (the bytes a carrier pushed) as manifests or bookings and their records."""
    result = TravelFile(kind)
    if kind == "pnrgov" and data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        from nexus.sources.travel.pnr_xml import read_xml_bookings

        result.bookings = read_xml_bookings(data, result.warnings)
    else:
        interchange = read_interchange(data, kind.upper())
        result.warnings = interchange.warnings
        for message in interchange.messages:
            with dates_as_of(message.prepared):
                if kind == "paxlst":
                    result.manifests.append(read_manifest(message, result.warnings))
                else:
                    flight, bookings = read_bookings(message, result.warnings)
                    result.bookings += [(flight, booking) for booking in bookings]
    for manifest in result.manifests:
        result.records.append(Record(len(result.records), entities=manifest_entities(manifest)))
    for flight, booking in result.bookings:
        result.records.append(Record(len(result.records), entities=booking_entities(booking, flight)))
    return result


class _TravelFormat:
    kind = ""

    def read(self, path: Path, **options: object):
        yield from parse_travel(Path(path), self.kind).records


class PaxlstFormat(_TravelFormat):
    name = kind = "paxlst"


class PnrgovFormat(_TravelFormat):
    name = kind = "pnrgov"
