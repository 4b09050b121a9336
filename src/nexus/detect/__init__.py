"""The detect stage: typologies and red-flag rules over the ledger's transactions a viewer may see; targeting
rules over passenger data."""

from nexus.detect.config import TYPOLOGIES, TypologyConfig
from nexus.detect.typologies import Finding, run_typologies

__all__ = ["TYPOLOGIES", "Finding", "TypologyConfig", "run_typologies"]
