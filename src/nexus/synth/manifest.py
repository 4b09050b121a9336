"""What ``generate`` wrote: one entry per file, with the labels its agency would give it."""

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

import orjson

FTM: Literal["ftm"] = "ftm"
CSV: Literal["csv"] = "csv"


@dataclass(frozen=True)
class SuggestedLabels:
    classification: str = "RESTRICTED"
    releasable_to: tuple[str, ...] = ("*",)
    orcon: bool = False
    compartment: str | None = None
    warrant: str | None = None
    legal_basis: str | None = None
    is_list: bool = False


@dataclass(frozen=True)
class ManifestFile:
    path: str  # relative to the world's folder
    format: Literal["ftm", "csv", "amlworld", "paxlst", "pnrgov", "goaml"]
    agency: str
    source: str  # suggested source name
    description: str
    labels: SuggestedLabels
    counts: dict[str, int]  # records, and entities per schema
    mapping: str | None = None  # the FtM mapping YAML of a CSV file, relative to the world's folder


@dataclass
class WorldManifest:
    seed: int
    size: str
    people: int
    files: list[ManifestFile]
    truth: dict[str, str]  # what -> path relative to the world's folder
    counts: dict[str, int] = field(default_factory=dict)
    feeds: list[ManifestFile] = field(default_factory=list)  # transaction feeds: for the ledger, not the statements
    reports: list[ManifestFile] = field(default_factory=list)  # goAML report folders: loaded against the FIU's schema

    def to_json(self) -> bytes:
        return orjson.dumps(asdict(self), option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)

    def write(self, path: Path) -> None:
        path.write_bytes(self.to_json() + b"\n")

    @classmethod
    def load(cls, path: Path) -> "WorldManifest":
        data = orjson.loads(path.read_bytes())
        files, feeds, reports = ([
            ManifestFile(**{**f, "labels": SuggestedLabels(**{**f["labels"], "releasable_to": tuple(f["labels"]["releasable_to"])})})
            for f in data.pop(key, [])
        ] for key in ("files", "feeds", "reports"))
        return cls(files=files, feeds=feeds, reports=reports, **data)
