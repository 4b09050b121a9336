"""How an agency writes down a person: its own spelling, script, name order and gaps."""

from dataclasses import dataclass

import numpy as np

from nexus.synth.arrays import STRING, iso_dates, join
from nexus.synth.world import World


@dataclass(frozen=True)
class Noise:
    variant: float = 0.3  # a transliteration variant instead of the canonical spelling
    native: float = 0.0  # the name in its own script, where it has one
    typo: float = 0.02  # one dropped or swapped letter
    swapped: float = 0.05  # family name first
    upper_family: bool = False  # "PETROV Ivan", police style
    dob_missing: float = 0.1
    dob_year_only: float = 0.1
    nationality_missing: float = 0.1


@dataclass(frozen=True)
class Rendered:
    first: np.ndarray
    last: np.ndarray
    name: np.ndarray
    birth: np.ndarray  # "" where the agency has no date of birth
    nationality: np.ndarray  # "" where unknown


def _spell(world: World, rng: np.random.Generator, parts: np.ndarray, variant: np.ndarray, native: np.ndarray) -> np.ndarray:
    names = world.names
    choice = np.where(variant, (rng.random(len(parts)) * names.variant_count[parts]).astype(np.int64), 0)
    spelled = names.variants[parts, choice]
    return np.where(native, names.native[parts], spelled)


def typos(rng: np.random.Generator, text: np.ndarray, rate: float) -> np.ndarray:
    """Drop one letter or swap two neighbours in a ``rate`` share of the strings."""
    length = np.strings.str_len(text)
    hit = (rng.random(len(text)) < rate) & (length > 4)
    at = (1 + rng.random(len(text)) * np.maximum(length - 3, 1)).astype(np.int64)
    head = np.strings.slice(text, 0, at)
    dropped = join(head, np.strings.slice(text, at + 1, length))
    swapped = join(head, np.strings.slice(text, at + 1, at + 2), np.strings.slice(text, at, at + 1),
                   np.strings.slice(text, at + 2, length))
    changed = np.where(rng.random(len(text)) < 0.5, dropped, swapped)
    return np.where(hit, changed, text)


def render(world: World, rng: np.random.Generator, index: np.ndarray, noise: Noise) -> Rendered:
    people, names = world.people, world.names
    n = len(index)
    given, family = people.given[index], people.family[index]
    has_native = (names.native[given] != "") & (names.native[family] != "")
    native = has_native & (rng.random(n) < noise.native)
    variant = rng.random(n) < noise.variant
    first = typos(rng, _spell(world, rng, given, variant, native), noise.typo)
    last = typos(rng, _spell(world, rng, family, variant, native), noise.typo)
    shown_last = np.strings.upper(last) if noise.upper_family else last
    swapped = rng.random(n) < noise.swapped
    name = np.where(swapped, join(shown_last, " ", first), join(first, " ", shown_last))

    birth = iso_dates(people.birth[index])
    year_only = rng.random(n) < noise.dob_year_only
    birth = np.where(year_only, np.strings.slice(birth, 0, 4), birth)
    birth = np.where(rng.random(n) < noise.dob_missing, "", birth).astype(STRING)
    nationality = np.where(rng.random(n) < noise.nationality_missing, "", people.nationality[index]).astype(STRING)
    return Rendered(first, last, name, birth, nationality)
