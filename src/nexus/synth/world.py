"""The true synthetic world: people, companies, groups and what links them.

Everything is drawn as whole numpy arrays from one generator, so a seed fixes the
world. Agencies never see this directly: observables plug-ins render their own noisy
records of it (see ``nexus.synth.observables``).
"""

from dataclasses import dataclass, field

import numpy as np

from nexus.synth import places
from nexus.synth.arrays import STRING, days, digits, ibans, ids, join, letters, pick, strings
from nexus.synth.names import CULTURES, NameTable, build_name_table

NONE, TERROR, CRIME = 0, 1, 2
SIDE_NAMES = ("none", "terror", "crime")
# prefixes of the true ids written to the ground truth
PERSON, COMPANY, GROUP = "P", "C", "G"
MALE, FEMALE = 0, 1
NO_INDEX = -1


@dataclass(frozen=True)
class WorldSize:
    name: str
    people: int

    @property
    def bridges_per_kind(self) -> int:
        return max(2, self.people // 2500)

    @property
    def groups_per_side(self) -> int:
        return max(3, self.people // 1000)


SIZES = {
    "small": WorldSize("small", 10_000),
    "medium": WorldSize("medium", 200_000),
    "large": WorldSize("large", 2_000_000),
}


@dataclass
class Table:
    """Named columns of equal length; ``extend`` appends rows given as columns."""

    columns: dict[str, np.ndarray]

    def __len__(self) -> int:
        return len(next(iter(self.columns.values()), ()))

    def __getattr__(self, name: str) -> np.ndarray:
        try:
            return self.__dict__["columns"][name]
        except KeyError:
            raise AttributeError(name) from None

    def extend(self, **rows: np.ndarray) -> np.ndarray:
        start = len(self)
        for name, column in self.columns.items():
            self.columns[name] = np.concatenate([column, np.asarray(rows[name], dtype=column.dtype)])
        return np.arange(start, len(self))


@dataclass
class Link:
    """One hop of a planted bridge: ``kind`` ties persons ``a`` and ``b`` through ``facts``."""

    kind: str
    a: int
    b: int
    facts: tuple[int, ...] = ()  # rows of the table the kind uses (company, payment, stay …)
    value: str | None = None  # the shared value (phone number) where there is no row
    evidence: tuple[str, list[str]] | None = None  # (file, path of record ids) once an agency records it


@dataclass
class Bridge:
    id: str
    kind: str
    persons: list[int]
    links: list[Link]

    @property
    def hops(self) -> int:
        return len(self.links)


@dataclass
class World:
    seed: int
    size: WorldSize
    names: NameTable
    people: Table
    addresses: Table
    companies: Table
    directorships: Table
    ownerships: Table
    groups: Table
    memberships: Table
    family: Table
    associates: Table
    accounts: Table
    payments: Table
    trips: Table
    travellers: Table
    stays: Table
    bridges: list[Bridge] = field(default_factory=list)
    listed: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # people on the watchlist
    strangers: Table = field(default_factory=lambda: Table({}))  # listed, but nobody in this population

    def links(self, kind: str) -> list[Link]:
        return [link for bridge in self.bridges for link in bridge.links if link.kind == kind]

    def link_people(self, kind: str) -> np.ndarray:
        return np.unique(np.array([p for link in self.links(kind) for p in (link.a, link.b)], dtype=np.int64))

    @staticmethod
    def person_id(row: int) -> str:
        return f"{PERSON}{row:07d}"

    def person_ids(self, rows: np.ndarray) -> np.ndarray:
        return ids(PERSON, rows)

    def company_ids(self, rows: np.ndarray) -> np.ndarray:
        return ids(COMPANY, rows)

    def group_ids(self, rows: np.ndarray) -> np.ndarray:
        return ids(GROUP, rows)


def draw_name_parts(rng: np.random.Generator, names: NameTable, culture: np.ndarray, kinds: np.ndarray, labels: tuple[str, str]) -> np.ndarray:
    """Name-part ids drawn Zipf-like from each culture's pool for the kind label chosen by ``kinds``."""
    parts = np.zeros(len(culture), dtype=np.int32)
    for c in range(len(CULTURES)):
        for k, label in enumerate(labels):
            mask = (culture == c) & (kinds == k)
            pool, weights = names.pools[(c, label)]
            parts[mask] = pool[rng.choice(len(pool), size=int(mask.sum()), p=weights)]
    return parts


def draw_nationalities(rng: np.random.Generator, culture: np.ndarray) -> np.ndarray:
    out = np.empty(len(culture), dtype=STRING)
    for c, spec in enumerate(CULTURES):
        mask = culture == c
        weights = 1.0 / np.arange(1, len(spec.countries) + 1)
        out[mask] = pick(rng, spec.countries, int(mask.sum()), weights / weights.sum())
    return out


def phones(rng: np.random.Generator, countries: np.ndarray) -> np.ndarray:
    out = np.empty(len(countries), dtype=STRING)
    for country, (prefix, length) in places.PHONE_PLANS.items():
        mask = countries == country
        out[mask] = join(prefix, digits(rng, int(mask.sum()), length))
    return out


def _addresses(rng: np.random.Generator, count: int) -> Table:
    city = rng.integers(0, len(places.CITIES), count)
    city_names, countries, postcodes, languages = (strings([c[i] for c in places.CITIES]) for i in range(4))
    street: np.ndarray = np.empty(count, dtype=STRING)
    for language, names in places.STREETS.items():
        mask = languages[city] == language
        street[mask] = pick(rng, names, int(mask.sum()))
    number = rng.integers(1, 180, count).astype(STRING)
    street = join(street, " ", number)
    special = [places.HOSTEL, places.FORMATION_AGENT]
    return Table({
        "street": np.concatenate([strings([s[0] for s in special]), street]),
        "city": np.concatenate([strings([s[1] for s in special]), city_names[city]]),
        "postcode": np.concatenate([strings([s[2] for s in special]), postcodes[city]]),
        "country": np.concatenate([strings([s[3] for s in special]), countries[city]]),
    })


HOSTEL, FORMATION_AGENT = 0, 1


def _people(rng: np.random.Generator, names: NameTable, n: int, addresses: Table) -> Table:
    weights = np.array([c.weight for c in CULTURES])
    culture = rng.choice(len(CULTURES), size=n, p=weights / weights.sum()).astype(np.int8)
    gender = (rng.random(n) < 0.42).astype(np.int8)
    nationality = draw_nationalities(rng, culture)
    address = rng.integers(2, len(addresses), n)
    address[rng.random(n) < 0.01] = HOSTEL
    # most people use a phone of the country they live in, some keep their home number
    phone_country = addresses.country[address].copy()
    keep_home = (rng.random(n) < 0.15) & np.isin(nationality, strings(tuple(places.PHONE_PLANS)))
    phone_country[keep_home] = nationality[keep_home]
    return Table({
        "culture": culture,
        "gender": gender,
        "given": draw_name_parts(rng, names, culture, gender, ("male", "female")),
        "family": draw_name_parts(rng, names, culture, gender, ("family_male", "family_female")),
        "birth": rng.integers(days("1950-01-01"), days("2005-12-31"), n),
        "nationality": nationality,
        "address": address,
        "address2": np.full(n, NO_INDEX),
        "phone": phones(rng, phone_country),
        "phone2": np.full(n, "", dtype=STRING),
        "passport": join(letters(rng, n, 2), digits(rng, n, 7)),
        "side": np.zeros(n, np.int8),
        "mail_domain": rng.integers(0, len(places.MAIL_DOMAINS), n),
        "mail_number": rng.integers(1, 999, n),
    })


def emails(world: "World", index: np.ndarray) -> np.ndarray:
    """given.family<n>@domain, in ASCII."""
    people = world.people
    given = world.names.ascii[people.given[index]]
    family = world.names.ascii[people.family[index]]
    domain = strings(places.MAIL_DOMAINS)[people.mail_domain[index]]
    return join(given, ".", family, people.mail_number[index].astype(STRING), "@", domain)


def new_companies(rng: np.random.Generator, count: int, addresses: Table) -> Table:
    jurisdiction = pick(rng, tuple(places.LEGAL_FORMS), count)
    form = np.empty(count, dtype=STRING)
    for code, forms in places.LEGAL_FORMS.items():
        mask = jurisdiction == code
        form[mask] = pick(rng, forms, int(mask.sum()))
    address = rng.integers(2, len(addresses), count)
    address[rng.random(count) < 0.25] = FORMATION_AGENT
    return Table({
        "name": join(pick(rng, places.COMPANY_WORDS, count), " ", pick(rng, places.COMPANY_TRADES, count), " ", form),
        "jurisdiction": jurisdiction,
        "registration": join(np.strings.upper(jurisdiction), digits(rng, count, 8)),
        "address": address,
        "incorporated": rng.integers(days("1995-01-01"), days("2025-06-30"), count),
    })


def _unique_pairs(first: np.ndarray, second: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    keys = np.unique(first.astype(np.int64) << 32 | second.astype(np.int64))
    return keys >> 32, keys & 0xFFFFFFFF


def _company_roles(rng: np.random.Generator, companies: Table, n_people: int) -> tuple[Table, Table]:
    n = len(companies)
    company = np.repeat(np.arange(n), rng.integers(1, 4, n))
    person = rng.integers(0, n_people, len(company))
    # a few nominee directors sit on the boards of many companies
    nominees = rng.choice(n_people, size=max(5, n_people // 2000), replace=False)
    nominee = rng.random(len(company)) < 0.05
    person[nominee] = nominees[rng.integers(0, len(nominees), int(nominee.sum()))]
    company, person = _unique_pairs(company, person)
    directorships = Table({"company": company, "person": person,
                           "start": companies.incorporated[company] + rng.integers(0, 2000, len(company))})
    owned = np.repeat(np.arange(n), rng.integers(1, 3, n))
    owner_company, owner = _unique_pairs(owned, rng.integers(0, n_people, len(owned)))
    share = np.round(100.0 / np.bincount(owner_company, minlength=n)[owner_company], 2)
    ownerships = Table({"company": owner_company, "person": owner, "share": share})
    return directorships, ownerships


TERROR_PREFIXES = ("Ansar", "Jund", "Katibat", "Liwa", "Saraya", "Jamaat")
TERROR_SUFFIXES = ("al-Haqq", "al-Tawhid", "al-Furqan", "al-Nasr", "al-Fath", "al-Sham", "al-Muhajirin")
CRIME_SUFFIXES = ("Clan", "Family", "Crew", "Syndicate", "Network", "Brothers")
CRIME_TOPICS = ("crime.traffick.drug", "crime.traffick.human", "crime.traffick.drug", "crime.fin", "crime.theft")


def _groups(rng: np.random.Generator, names: NameTable, people: Table, per_side: int) -> tuple[Table, Table]:
    side = np.repeat(np.array([TERROR, CRIME], np.int8), per_side)
    size = np.where(side == TERROR, rng.integers(4, 13, len(side)), rng.integers(6, 21, len(side)))
    home = rng.integers(0, len(CULTURES), len(side))
    group = np.repeat(np.arange(len(side)), size)
    slot_culture = np.where(rng.random(len(group)) < 0.7, home[group], rng.integers(0, len(CULTURES), len(group)))
    candidates = rng.permutation(np.flatnonzero(people.address != HOSTEL))
    person = np.full(len(group), NO_INDEX)
    for c in range(len(CULTURES)):
        slots = np.flatnonzero(slot_culture == c)
        pool = candidates[people.culture[candidates] == c]
        person[slots[: len(pool)]] = pool[: len(slots)]
    keep = person != NO_INDEX
    group, person = group[keep], person[keep]
    first = np.r_[True, group[1:] != group[:-1]]
    role = np.where(first, "leader", "member").astype(STRING)
    people.side[person] = side[group]

    leaders = person[first]
    leader_group = group[first]
    crime_name = join(names.canonical(people.family[leaders]), " ", pick(rng, CRIME_SUFFIXES, len(leaders)))
    terror_name = join(pick(rng, TERROR_PREFIXES, len(leaders)), " ", pick(rng, TERROR_SUFFIXES, len(leaders)),
                       " (cell ", (leader_group + 1).astype(STRING), ")")
    name = np.empty(len(side), dtype=STRING)
    name[leader_group] = np.where(side[leader_group] == TERROR, terror_name, crime_name)
    topic = np.where(side == TERROR, "crime.terror", pick(rng, CRIME_TOPICS, len(side))).astype(STRING)
    groups = Table({"name": name, "side": side, "topic": topic})
    memberships = Table({"group": group, "person": person, "role": role})
    return groups, memberships


RELATIONSHIPS = ("sibling", "spouse", "cousin", "parent", "child", "in-law")
SHARES_SURNAME = ("sibling", "cousin", "parent", "child")


def share_surname(names: NameTable, people: Table, a: np.ndarray, b: np.ndarray) -> None:
    """Give ``b`` the family name of ``a``, in ``b``'s grammatical gender."""
    female = people.gender[b] == FEMALE
    people.family[b] = np.where(female, names.feminine[people.family[a]], names.masculine[people.family[a]])
    people.culture[b] = people.culture[a]


def _same_culture_partners(rng: np.random.Generator, people: Table, a: np.ndarray) -> np.ndarray:
    order = np.argsort(people.culture, kind="stable")
    starts = np.searchsorted(people.culture[order], np.arange(len(CULTURES)))
    ends = np.searchsorted(people.culture[order], np.arange(len(CULTURES)), side="right")
    c = people.culture[a]
    return order[starts[c] + (rng.random(len(a)) * (ends[c] - starts[c])).astype(np.int64)]


def across_the_nexus(people: Table, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Whether person ``a`` is on one side of the nexus and ``b`` on the other (NO_INDEX: no person). The
    population's kin, acquaintances and everyday payments never join the two sides directly: every such tie
    is a planted bridge's, listed in the truth. (Chance still puts people of both sides at one address, on one
    flight or in one cell, as it would.)"""
    side_a = np.where(a == NO_INDEX, NONE, people.side[np.where(a == NO_INDEX, 0, a)])
    side_b = np.where(b == NO_INDEX, NONE, people.side[np.where(b == NO_INDEX, 0, b)])
    return (side_a != NONE) & (side_b != NONE) & (side_a != side_b)


def _family(rng: np.random.Generator, names: NameTable, people: Table, memberships: Table) -> Table:
    a = rng.choice(len(people), size=len(people) // 7, replace=False)
    b = _same_culture_partners(rng, people, a)
    # cells and gangs recruit kin: the first two members of every group are siblings
    by_group = np.flatnonzero(np.r_[True, memberships.group[1:] != memberships.group[:-1]])
    a = np.concatenate([a, memberships.person[by_group]])
    b = np.concatenate([b, memberships.person[by_group + 1]])
    relationship = np.concatenate([pick(rng, RELATIONSHIPS, len(a) - len(by_group)),
                                   np.full(len(by_group), "sibling", dtype=STRING)])
    keep = (a != b) & ~across_the_nexus(people, a, b)
    a, b, relationship = a[keep], b[keep], relationship[keep]
    kin = np.isin(relationship, strings(SHARES_SURNAME))
    share_surname(names, people, a[kin], b[kin])
    return Table({"a": a, "b": b, "relationship": relationship})


def _associates(rng: np.random.Generator, people: Table, m: Table) -> Table:
    same_group = np.flatnonzero(m.group[1:] == m.group[:-1])
    background = rng.choice(len(people), size=(len(people) // 20, 2))
    a = np.concatenate([m.person[same_group], background[:, 0]])
    b = np.concatenate([m.person[same_group + 1], background[:, 1]])
    keep = (a != b) & ~across_the_nexus(people, a, b)
    return Table({"a": a[keep], "b": b[keep], "relationship": np.full(int(keep.sum()), "associate", dtype=STRING)})


def _account_holders(rng: np.random.Generator, people: Table) -> np.ndarray:
    chance = np.select([people.side == CRIME, people.side == TERROR], [0.85, 0.6], 0.06)
    return np.flatnonzero(rng.random(len(people)) < chance)


def new_accounts(rng: np.random.Generator, holder_person: np.ndarray, holder_company: np.ndarray) -> dict[str, np.ndarray]:
    n = len(holder_person)
    bank = rng.integers(0, len(places.BANKS), n)
    iban = np.empty(n, dtype=STRING)
    for b, (_, country, bank_code, length) in enumerate(places.BANKS):
        mask = bank == b
        iban[mask] = ibans(country, bank_code, rng.integers(0, 10, (int(mask.sum()), length)))
    return {"holder_person": holder_person, "holder_company": holder_company, "bank": bank, "iban": iban}


def _accounts(rng: np.random.Generator, people: Table, companies: Table) -> Table:
    persons = _account_holders(rng, people)
    firms = np.flatnonzero(rng.random(len(companies)) < 0.3)
    holder_person = np.concatenate([persons, np.full(len(firms), NO_INDEX)])
    holder_company = np.concatenate([np.full(len(persons), NO_INDEX), firms])
    return Table(new_accounts(rng, holder_person, holder_company))


PAYMENT_PERIOD = (days("2023-01-01"), days("2025-12-31"))


def payment_rows(rng: np.random.Generator, payer: np.ndarray, beneficiary: np.ndarray) -> dict[str, np.ndarray]:
    n = len(payer)
    return {
        "payer": payer,
        "beneficiary": beneficiary,
        "amount": np.round(rng.lognormal(7.0, 1.3, n), 2),
        "date": rng.integers(*PAYMENT_PERIOD, n),
    }


def _payments(rng: np.random.Generator, accounts: Table, people: Table) -> Table:
    n = len(accounts) * 2
    payer, beneficiary = rng.integers(0, len(accounts), n), rng.integers(0, len(accounts), n)
    holder = accounts.holder_person
    keep = (payer != beneficiary) & ~across_the_nexus(people, holder[payer], holder[beneficiary])
    return Table(payment_rows(rng, payer[keep], beneficiary[keep]))


TRIP_PERIOD = (days("2024-01-01"), days("2025-12-31"))


def trip_rows(rng: np.random.Generator, count: int) -> dict[str, np.ndarray]:
    origin = rng.integers(0, len(places.AIRPORTS), count)
    destination = (origin + rng.integers(1, len(places.AIRPORTS), count)) % len(places.AIRPORTS)
    airports = strings(places.AIRPORTS)
    return {
        "flight": join(pick(rng, places.AIRLINES, count), rng.integers(100, 9999, count).astype(STRING)),
        "date": rng.integers(*TRIP_PERIOD, count),
        "origin": airports[origin],
        "destination": airports[destination],
    }


def _travel(rng: np.random.Generator, people: Table) -> tuple[Table, Table]:
    frequent = rng.choice(len(people), size=max(10, len(people) // 10), replace=False)
    trips = Table(trip_rows(rng, max(5, len(people) // 50)))
    seats = rng.integers(1, 7, len(trips))
    trip = np.repeat(np.arange(len(trips)), seats)
    travellers = Table({"trip": trip, "person": frequent[rng.integers(0, len(frequent), len(trip))]})
    return trips, travellers


def stay_rows(rng: np.random.Generator, person: np.ndarray, cell: np.ndarray | None = None, admitted: np.ndarray | None = None) -> dict[str, np.ndarray]:
    n = len(person)
    cells = len(places.PRISONS) * len(places.PRISON_BLOCKS) * places.CELLS_PER_BLOCK
    if cell is None:
        cell = rng.integers(0, cells, n)
    if admitted is None:
        admitted = rng.integers(days("2012-01-01"), days("2025-06-30"), n)
    released = admitted + rng.integers(60, 2000, n)
    released[released > days("2025-12-31")] = NO_INDEX  # still detained
    return {"person": person, "cell": cell, "admitted": admitted, "released": released}


def _stays(rng: np.random.Generator, people: Table) -> Table:
    chance = np.select([people.side == CRIME, people.side == TERROR], [0.3, 0.15], 0.005)
    return Table(stay_rows(rng, np.flatnonzero(rng.random(len(people)) < chance)))


def build_world(seed: int, size: WorldSize, rng: np.random.Generator) -> World:
    names = build_name_table()
    n = size.people
    addresses = _addresses(rng, max(10, int(n / 2.5)))
    people = _people(rng, names, n, addresses)
    companies = new_companies(rng, max(10, n // 8), addresses)
    directorships, ownerships = _company_roles(rng, companies, n)
    groups, memberships = _groups(rng, names, people, size.groups_per_side)
    family = _family(rng, names, people, memberships)
    associates = _associates(rng, people, memberships)
    accounts = _accounts(rng, people, companies)
    payments = _payments(rng, accounts, people)
    trips, travellers = _travel(rng, people)
    stays = _stays(rng, people)
    return World(seed, size, names, people, addresses, companies, directorships, ownerships, groups, memberships,
                 family, associates, accounts, payments, trips, travellers, stays)
