"""Who is on the watchlist, who only looks like someone on it, and who is on it but nobody here."""

import numpy as np

from nexus.synth.world import CRIME, HOSTEL, NONE, TERROR, Table, World, draw_name_parts, draw_nationalities

LOOKALIKE_SHARE = 0.3


def plant_watchlist(world: World, rng: np.random.Generator) -> None:
    people, m = world.people, world.memberships
    side = people.side[m.person]
    chance = np.select([side == TERROR, (side == CRIME) & (m.role == "leader"), side == CRIME], [0.7, 0.9, 0.3], 0.0)
    endpoints = [bridge.persons[i] for bridge in world.bridges for i in (0, -1)]
    listed = np.unique(np.concatenate([m.person[rng.random(len(m)) < chance], np.array(endpoints, dtype=np.int64)]))
    world.listed = listed
    _plant_lookalikes(world, rng, listed)
    world.strangers = _strangers(world, rng, max(1, len(listed) // 2))


def _plant_lookalikes(world: World, rng: np.random.Generator, listed: np.ndarray) -> None:
    """Unrelated people who share a listed person's name, born in another year."""
    people = world.people
    bridged = np.array([p for bridge in world.bridges for p in bridge.persons], dtype=np.int64)
    free = np.ones(len(people), bool)
    free[bridged] = False
    free &= (people.side == NONE) & (people.address != HOSTEL)
    originals = listed[rng.random(len(listed)) < LOOKALIKE_SHARE]
    doubles = rng.choice(np.flatnonzero(free), size=len(originals), replace=False)
    for column in ("culture", "gender", "given", "family"):
        people.columns[column][doubles] = people.columns[column][originals]
    people.birth[doubles] = people.birth[originals] + rng.choice([-1, 1], len(doubles)) * rng.integers(3 * 365, 25 * 365, len(doubles))
    people.nationality[doubles] = draw_nationalities(rng, people.culture[doubles])


def _strangers(world: World, rng: np.random.Generator, count: int) -> Table:
    """Listed people who are not in this population: every real list names many."""
    culture = rng.integers(0, len(world.names.pools) // 4, count).astype(np.int8)
    gender = (rng.random(count) < 0.15).astype(np.int8)
    return Table({
        "culture": culture,
        "gender": gender,
        "given": draw_name_parts(rng, world.names, culture, gender, ("male", "female")),
        "family": draw_name_parts(rng, world.names, culture, gender, ("family_male", "family_female")),
        "birth": rng.integers(-7300, 12000, count),
        "nationality": draw_nationalities(rng, culture),
    })


def lookalikes(world: World) -> tuple[np.ndarray, np.ndarray]:
    """Unlisted people sharing the full name of a listed one, with the listed person each resembles."""
    people = world.people
    key = people.given.astype(np.int64) << 32 | people.family.astype(np.int64)
    listed_keys, first = np.unique(key[world.listed], return_index=True)
    on_list = np.zeros(len(people), bool)
    on_list[world.listed] = True
    position = np.searchsorted(listed_keys, key)
    position[position == len(listed_keys)] = 0
    match = (listed_keys[position] == key) & ~on_list
    return np.flatnonzero(match), world.listed[first[position[match]]]
