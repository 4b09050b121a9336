"""Alerts: what any stage raises for a human to review, its stable key, review states and labels.

An alert's key hashes its kind, its subject (what it is about, e.g. a screening question
and the listed entity) and the fingerprint of the data it rests on: a re-run upserts the
same alert, and a change in that data makes a new one. A subject about what one agency asked or holds
names that agency (`agency_subject`): two agencies' hits on the same data are two alerts.

An alert is labelled no lower than its evidence: the highest classification, every
compartment, only the agencies every piece may be shown to, ORCON and every warrant.
"""

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from nexus.model.labels import ANY_AGENCY, Classification, Labels

OPEN = "open"
DISMISSED = "dismissed"
STATES = (OPEN, "unsure", "escalated", "confirmed", DISMISSED)


def alert_key(kind: str, subject: str, fingerprint: str) -> str:
    return hashlib.sha1(f"{kind}\x00{subject}\x00{fingerprint}".encode()).hexdigest()


def agency_subject(about: str, agency: str, *parts: str) -> str:
    """The subject of an alert an agency raises on its own question or holdings: `<about>/<agency>/<parts…>`.
    Records built from the same data have the same id in every agency (a traveller's hashes their passenger data):
    without the agency, another agency's hit would join the alert, its evidence hide it and its decisions silence it."""
    return "/".join((about, agency, *parts))


AGENCY_KINDS = ("screening", "travel")  # the kinds of alert whose subjects `agency_subject` makes
AGENCY_SUBJECTS = ("record", "query", "rule")  # the `about`s it gives them


def subject_agency(kind: str, subject: str) -> str | None:
    """The agency whose own question or holdings an alert is about (`agency_subject`), if it is one's. The FIU's
    red flags (kind `rule`, subject `rule/<rule>/…`) are not: their subjects name the rule, not an agency."""
    about, _, rest = subject.partition("/")
    agency = rest.partition("/")[0]
    return agency if kind in AGENCY_KINDS and about in AGENCY_SUBJECTS and agency else None


@dataclass(frozen=True)
class AlertLabels:
    classification: Classification
    releasable_to: tuple[str, ...]  # agencies allowed to see every piece; ("*",) = any
    compartments: tuple[str, ...]
    orcon: bool
    warrants: tuple[str, ...]

    @classmethod
    def combine(cls, labels: Iterable[Labels]) -> "AlertLabels":
        labels = list(labels)
        allowed: set[str] | None = None  # None: any agency
        for label in labels:
            if ANY_AGENCY in label.releasable_to:
                continue
            mine = {label.agency, *label.releasable_to}
            allowed = mine if allowed is None else allowed & mine
        return cls(
            classification=max((label.classification for label in labels), default=Classification.UNCLASSIFIED),
            releasable_to=(ANY_AGENCY,) if allowed is None else tuple(sorted(allowed)),
            compartments=tuple(sorted({label.compartment for label in labels if label.compartment})),
            orcon=any(label.orcon for label in labels),
            warrants=tuple(sorted({label.warrant for label in labels if label.warrant})),
        )
