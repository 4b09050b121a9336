"""Retention and masking profiles per jurisdiction, as data (`retention.yml`), and how the words, subject, score and
naming evidence of a redacted alert are kept for unmasking (`pack_alert`, `unpack_alert`)."""

import os
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import orjson
import yaml
from followthemoney import model

from nexus.errors import InvalidInput

PROFILES = Path(__file__).with_name("retention.yml")
DEFAULT_JURISDICTION = "eu"


@dataclass(frozen=True)
class FormatPolicy:
    mask_after_days: int | None = None
    delete_after_days: int | None = None
    masked: dict[str, tuple[str, ...]] = field(default_factory=dict)  # schema -> properties


@dataclass(frozen=True)
class RetentionProfile:
    jurisdiction: str
    description: str
    formats: dict[str, FormatPolicy]

    def policy(self, format: str) -> FormatPolicy:
        return self.formats.get(format, FormatPolicy())


@cache
def _profiles() -> dict:
    return yaml.safe_load(PROFILES.read_text())


def retention_profile(jurisdiction: str | None = None) -> RetentionProfile:
    name = jurisdiction or os.environ.get("NEXUS_JURISDICTION", DEFAULT_JURISDICTION)
    profiles = _profiles()
    if name not in profiles:
        raise InvalidInput(f"no retention profile for jurisdiction {name!r} (known: {', '.join(sorted(profiles))})")
    raw = profiles[name]
    formats = {
        format: FormatPolicy(policy.get("mask_after_days"), policy.get("delete_after_days"),
                             {schema: tuple(props) for schema, props in (policy.get("masked") or {}).items()})
        for format, policy in (raw.get("formats") or {}).items()
    }
    for format, policy in formats.items():
        _check_masked(name, format, policy.masked)
    return RetentionProfile(name, raw.get("description", ""), formats)


def _check_masked(jurisdiction: str, format: str, masked: dict[str, tuple[str, ...]]) -> None:
    """Every masked property is one of its schema's own (statements are stored under the entity's schema and the
    property's name): a misspelt one would mask nothing and leave its values readable."""
    for schema_name, props in masked.items():
        schema = model.get(schema_name)
        if schema is None:
            raise InvalidInput(f"retention profile {jurisdiction!r}, {format}: {schema_name!r} is not an FtM schema")
        unknown = [prop for prop in props if prop not in schema.properties]
        if unknown:
            raise InvalidInput(f"retention profile {jurisdiction!r}, {format}: {schema_name} has no "
                               f"{', '.join(map(repr, unknown))}")


#: The keys of what `masked_alerts.explanation` holds for an alert redacted whole (older runs kept the explanation's
#: text alone there).
_PACKED = frozenset({"explanation", "redacted"})


def pack_alert(explanation: str, subject: str, score: float | None, evidence: list[dict]) -> str:
    """What masking takes from an alert besides its title, as `masked_alerts.explanation` keeps it: its explanation
    (as the alert held it), its subject and score, and the evidence rows it withheld (each as the alert cited it)."""
    return orjson.dumps({"explanation": explanation,
                         "redacted": {"subject": subject, "score": score, "evidence": evidence}}).decode()


def unpack_alert(kept: str) -> dict:
    """`pack_alert` undone: the explanation's text, and the subject, score and evidence masking took (None, None and
    none for what an older run redacted in words only: the alert kept them)."""
    try:
        packed = orjson.loads(kept)
    except orjson.JSONDecodeError:
        packed = None
    if isinstance(packed, dict) and packed.keys() == _PACKED:
        return {"explanation": packed["explanation"], **packed["redacted"]}
    return {"explanation": kept, "subject": None, "score": None, "evidence": []}
