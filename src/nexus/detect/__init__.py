"""The detect stage: typologies (and, to come, red-flag rules) over the ledger's transactions a viewer may see."""

from nexus.detect.config import TYPOLOGIES, TypologyConfig
from nexus.detect.typologies import Finding, run_typologies

__all__ = ["TYPOLOGIES", "Finding", "TypologyConfig", "run_typologies"]
