"""What a dissemination package holds, as the service decided it may go."""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from followthemoney import EntityProxy

from nexus.model.labels import Classification, Labels

UNSAFE = re.compile(r"[^\w.\-]+")


@dataclass(frozen=True)
class Markings:
    """The caveats of what a package, or one item of it, holds: the highest classification, every compartment,
    every warrant, every legal basis, the agencies whose ORCON material it is, and the originating agencies (whose
    consent passing it on needs)."""

    classification: Classification = Classification.UNCLASSIFIED
    compartments: tuple[str, ...] = ()
    warrants: tuple[str, ...] = ()
    legal_bases: tuple[str, ...] = ()
    orcon: tuple[str, ...] = ()
    agencies: tuple[str, ...] = ()

    @classmethod
    def of(cls, labels: Iterable[Labels]) -> "Markings":
        labels = list(labels)
        return cls(
            classification=max((label.classification for label in labels), default=Classification.UNCLASSIFIED),
            compartments=_all(label.compartment for label in labels),
            warrants=_all(label.warrant for label in labels),
            legal_bases=_all(label.legal_basis for label in labels),
            orcon=_all(label.agency for label in labels if label.orcon),
            agencies=_all(label.agency for label in labels),
        )

    @classmethod
    def from_dict(cls, data: dict | None) -> "Markings | None":
        if not data:
            return None
        return cls(Classification[data["classification"]],
                   *(tuple(data.get(k, ())) for k in ("compartments", "warrants", "legal_bases", "orcon", "agencies")))

    def as_dict(self) -> dict:
        return {"classification": self.classification.name, "compartments": list(self.compartments),
                "warrants": list(self.warrants), "legal_bases": list(self.legal_bases), "orcon": list(self.orcon),
                "agencies": list(self.agencies)}

    @property
    def caveats(self) -> str:
        """The caveats in one line, as SECRET // COMPARTMENT CT // WARRANT W-1 // LEGAL BASIS TA2000 s.38B"""
        parts = [self.classification.name, *(f"COMPARTMENT {c}" for c in self.compartments),
                 *(f"WARRANT {w}" for w in self.warrants), *([f"ORCON {', '.join(self.orcon)}"] if self.orcon else []),
                 *(f"LEGAL BASIS {b}" for b in self.legal_bases)]
        return " // ".join(parts)

    @property
    def text(self) -> str:
        """The caveats and whose data it is: how an item is marked in the report."""
        return self.caveats + (f" (data of {', '.join(self.agencies)})" if self.agencies else "")


def _all(values: Iterable[str | None]) -> tuple[str, ...]:
    return tuple(sorted({v for v in values if v}))


@dataclass(frozen=True)
class EvidenceFile:
    id: int
    filename: str
    media_type: str
    size: int
    sha256: str
    description: str
    labels: str  # as the report prints them: "CONFIDENTIAL, releasable to POLICE,CUSTOMS"
    path: Path  # the verified stored file
    markings: Markings | None = None  # its caveats, as the manifest lists them

    @property
    def member(self) -> str:
        return f"evidence/{self.id}-{UNSAFE.sub('_', Path(self.filename).name).strip('._') or 'file'}"


@dataclass(frozen=True)
class Package:
    case: dict  # id, title, summary, state, owner_agency, agencies, created_by, created_at
    recipient: str
    issued_by: str
    issuing_agency: str
    issued_at: str
    purpose: str
    classification: Classification  # the highest of its contents
    entities: list[EntityProxy] = field(default_factory=list)  # each with its Markings in context["markings"]
    notes: list[dict] = field(default_factory=list)  # text, author, agency, at
    evidence: list[EvidenceFile] = field(default_factory=list)
    markings: Markings | None = None  # the caveats of all it holds (None: its classification, of the issuer)

    @property
    def marked(self) -> Markings:
        """What the package holds is marked: its markings, or (given none) its classification, of the issuer."""
        return self.markings or Markings(self.classification, agencies=(self.issuing_agency,))

    @property
    def filename(self) -> str:
        return f"case-{self.case['id']}-to-{self.recipient.lower()}-{self.issued_at[:10]}.zip"
