"""Retention and masking profiles per jurisdiction, as data (`retention.yml`)."""

import os
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

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
    return RetentionProfile(name, raw.get("description", ""), formats)
