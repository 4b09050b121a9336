"""Planted nexus bridges: chains of 1-4 hops from a terrorist to an organised criminal.

Every bridge is one kind of tie repeated along the chain (T -director- X -director- C).
The world gets the true facts (a shared company, a payment, a shared cell …); the
observables plug-in that owns the kind renders them as its agency's records.
"""

from collections.abc import Callable
from itertools import pairwise

import numpy as np

from nexus.synth import places
from nexus.synth.arrays import STRING, days, pick
from nexus.synth.world import (
    CRIME, HOSTEL, NO_INDEX, NONE, RELATIONSHIPS, SHARES_SURNAME, TERROR, Bridge, Link, World,
    PAYMENT_PERIOD, new_accounts, new_companies, payment_rows, share_surname, stay_rows, trip_rows,
)

MAX_HOPS = 4
Realised = list[tuple[tuple[int, ...], str | None]]  # per link: fact rows, shared value


def _directorship(world: World, rng: np.random.Generator, a: np.ndarray, b: np.ndarray) -> Realised:
    company = world.companies.extend(**new_companies(rng, len(a), world.addresses).columns)
    start = world.companies.incorporated[company] + rng.integers(0, 900, len(a))
    world.directorships.extend(company=np.r_[company, company], person=np.r_[a, b], start=np.r_[start, start])
    return [((int(c),), None) for c in company]


def _account_of(world: World, rng: np.random.Generator, persons: np.ndarray) -> np.ndarray:
    accounts = world.accounts
    holders = accounts.holder_person
    first = np.full(len(world.people), NO_INDEX)
    order = np.flatnonzero(holders != NO_INDEX)[::-1]
    first[holders[order]] = order  # reversed, so the lowest account index wins
    missing = np.unique(persons[first[persons] == NO_INDEX])
    created = accounts.extend(**new_accounts(rng, missing, np.full(len(missing), NO_INDEX)))
    first[missing] = created
    return first[persons]


def _mule_payment(world: World, rng: np.random.Generator, a: np.ndarray, b: np.ndarray) -> Realised:
    """One to three payments a hop; money passed on down a chain as mules pass it: each hop's payments a few days
    after the hop before it (a chain's hops are consecutive: each begins where the one before ended)."""
    count = rng.integers(1, 4, len(a))
    payer = np.repeat(_account_of(world, rng, a), count)
    beneficiary = np.repeat(_account_of(world, rng, b), count)
    payments = payment_rows(rng, payer, beneficiary)
    timing = rng.spawn(1)[0]  # its own stream: the rest of the seed's world stays as it was
    starts = np.r_[True, a[1:] != b[:-1]]
    chain = np.cumsum(starts) - 1
    begins = timing.integers(PAYMENT_PERIOD[0], PAYMENT_PERIOD[1] - 60, int(chain[-1]) + 1)
    since_begun = np.cumsum(np.where(starts, 0, timing.integers(2, 8, len(a))))
    hop_day = begins[chain] + since_begun - since_begun[starts][chain]
    payments["date"] = np.repeat(hop_day, count) + timing.integers(0, 2, len(payer))
    rows = world.payments.extend(**payments)
    ends = np.cumsum(count)
    return [(tuple(int(r) for r in rows[e - k:e]), None) for e, k in zip(ends, count, strict=True)]


def _shared_phone(world: World, rng: np.random.Generator, a: np.ndarray, b: np.ndarray) -> Realised:
    people = world.people
    people.phone2[b] = people.phone[a]
    return [((), phone) for phone in people.phone[a].tolist()]


def _shared_address(world: World, rng: np.random.Generator, a: np.ndarray, b: np.ndarray) -> Realised:
    people = world.people
    people.address2[b] = people.address[a]
    return [((int(x),), None) for x in people.address[a]]


def _family(world: World, rng: np.random.Generator, a: np.ndarray, b: np.ndarray) -> Realised:
    relationship = pick(rng, RELATIONSHIPS, len(a))
    rows = world.family.extend(a=a, b=b, relationship=relationship)
    kin = np.isin(relationship, np.array(SHARES_SURNAME, dtype=STRING))
    share_surname(world.names, world.people, a[kin], b[kin])
    return [((int(r),), None) for r in rows]


def _co_travel(world: World, rng: np.random.Generator, a: np.ndarray, b: np.ndarray) -> Realised:
    trips = world.trips.extend(**trip_rows(rng, len(a)))
    others = rng.integers(0, 4, len(a))
    other_trip = np.repeat(trips, others)
    world.travellers.extend(
        trip=np.r_[trips, trips, other_trip],
        person=np.r_[a, b, rng.integers(0, len(world.people), len(other_trip))],
    )
    return [((int(t),), None) for t in trips]


def _shared_cell(world: World, rng: np.random.Generator, a: np.ndarray, b: np.ndarray) -> Realised:
    cells = len(places.PRISONS) * len(places.PRISON_BLOCKS) * places.CELLS_PER_BLOCK
    cell = rng.integers(0, cells, len(a))
    admitted = rng.integers(days("2014-01-01"), days("2024-01-01"), len(a))
    # b arrives while a is still there: every stay lasts at least 60 days
    rows = world.stays.extend(**stay_rows(rng, np.r_[a, b], np.r_[cell, cell],
                                          np.r_[admitted, admitted + rng.integers(0, 45, len(a))]))
    return [((int(x), int(y)), None) for x, y in zip(rows[: len(a)], rows[len(a):], strict=True)]


REALISERS: dict[str, Callable[[World, np.random.Generator, np.ndarray, np.ndarray], Realised]] = {
    "directorship": _directorship,
    "mule_payment": _mule_payment,
    "shared_phone": _shared_phone,
    "shared_address": _shared_address,
    "family": _family,
    "co_travel": _co_travel,
    "shared_cell": _shared_cell,
}
BRIDGE_KINDS = tuple(REALISERS)


def _endpoints(rng: np.random.Generator, pool: np.ndarray, count: int) -> np.ndarray:
    return rng.choice(pool, size=count, replace=len(pool) < count)


def plant_bridges(world: World, rng: np.random.Generator) -> None:
    people = world.people
    per_kind = world.size.bridges_per_kind
    terror = np.unique(world.memberships.person[people.side[world.memberships.person] == TERROR])
    crime = np.unique(world.memberships.person[people.side[world.memberships.person] == CRIME])
    middlemen = iter(rng.permutation(np.flatnonzero((people.side == NONE) & (people.address != HOSTEL))).tolist())
    for kind, realise in REALISERS.items():
        chains = [
            [int(t), *(next(middlemen) for _ in range(i % MAX_HOPS)), int(c)]
            for i, (t, c) in enumerate(zip(_endpoints(rng, terror, per_kind), _endpoints(rng, crime, per_kind), strict=True))
        ]
        hops = [pair for chain in chains for pair in pairwise(chain)]
        a = np.array([h[0] for h in hops], dtype=np.int64)
        b = np.array([h[1] for h in hops], dtype=np.int64)
        realised = iter(zip(hops, realise(world, rng, a, b), strict=True))
        for chain in chains:
            links = [Link(kind, x, y, facts, value) for ((x, y), (facts, value)) in
                     (next(realised) for _ in range(len(chain) - 1))]
            world.bridges.append(Bridge(f"bridge-{len(world.bridges) + 1:05d}", kind, chain, links))
