"""What a dissemination package holds, as the service decided it may go."""

import re
from dataclasses import dataclass, field
from pathlib import Path

from followthemoney import EntityProxy

from nexus.model.labels import Classification

UNSAFE = re.compile(r"[^\w.\-]+")


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
    entities: list[EntityProxy] = field(default_factory=list)
    notes: list[dict] = field(default_factory=list)  # text, author, agency, at
    evidence: list[EvidenceFile] = field(default_factory=list)

    @property
    def filename(self) -> str:
        return f"case-{self.case['id']}-to-{self.recipient.lower()}-{self.issued_at[:10]}.zip"
