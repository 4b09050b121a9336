"""What every source format yields: records, each either entities or one error.

A *record* is one unit of the input (a JSON line, an XML element, a CSV row). Its
``position`` counts records from the start of the file, which is what lets an
interrupted ingest resume where its last committed batch ended.

A record with an error and no entities was rejected whole. A record with an error and
entities lost only the named field, which is reported; the rest of it loads.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from followthemoney import EntityProxy


class SourceError(Exception):
    """The input cannot be read at all (missing file, hostile XML, wrong format)."""


@dataclass(frozen=True)
class RecordError:
    path: str
    location: str  # "line 12", "INDIVIDUAL[3] (REFERENCE_NUMBER=QDi.001)"
    field: str | None
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.detail}"

    @property
    def detail(self) -> str:
        """Where in its file, which field and what is wrong: the error without the file's name."""
        where = f"{self.location}, field {self.field}" if self.field else self.location
        return f"{where}: {self.message}"


@dataclass
class Record:
    position: int
    entities: list[EntityProxy] = field(default_factory=list)
    error: RecordError | None = None


class SourceFormat(Protocol):
    name: str

    def read(self, path: Path, **options: object) -> Iterator[Record]: ...
