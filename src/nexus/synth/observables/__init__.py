"""Observables plug-ins: each renders what one agency (or one kind of message) records of the world.

A plug-in has a ``name`` and ``generate(world, rng, out) -> list[ManifestFile]``. It
writes its files under ``out.dir``, tells ``out.truth`` which true person, company or
group each of its records is about, and sets ``link.evidence`` on every planted bridge
link it makes visible. ``register`` adds a plug-in to the world every ``generate`` builds;
later modules (FIU transactions, PIU API/PNR messages …) add theirs the same way.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from nexus.synth.manifest import ManifestFile
from nexus.synth.output import TruthRecords
from nexus.synth.world import World


@dataclass
class WorldOutput:
    dir: Path
    truth: TruthRecords


class Observables(Protocol):
    name: str

    def generate(self, world: World, rng: np.random.Generator, out: WorldOutput) -> list[ManifestFile]: ...


_REGISTRY: dict[str, Observables] = {}


def register(plugin: Observables) -> Observables:
    if plugin.name in _REGISTRY:
        raise ValueError(f"observables plug-in {plugin.name!r} is already registered")
    _REGISTRY[plugin.name] = plugin
    return plugin


def registered() -> list[Observables]:
    """Every registered plug-in, built-ins first, in registration order."""
    from nexus.synth.observables import builtin  # noqa: F401  (registers the built-ins once)

    return list(_REGISTRY.values())
