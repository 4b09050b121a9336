"""The synthetic world: a reproducible population, its agencies' records, and the ground truth.

``generate(out_dir, seed, size)`` writes every agency's files, ``truth/`` and
``manifest.json``; ``nexus.synth.observables.register`` adds a plug-in's records to it.
"""

from nexus.synth.generate import generate, make_world
from nexus.synth.manifest import ManifestFile, SuggestedLabels, WorldManifest
from nexus.synth.observables import Observables, WorldOutput, register, registered
from nexus.synth.world import SIZES, World, WorldSize

__all__ = [
    "SIZES",
    "ManifestFile",
    "Observables",
    "SuggestedLabels",
    "World",
    "WorldManifest",
    "WorldOutput",
    "WorldSize",
    "generate",
    "make_world",
    "register",
    "registered",
]
