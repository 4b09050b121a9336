"""What the index keeps of each listed entity: its names and the facts that support or contradict a match.

Profiles are built from statement rows (canonical_id, schema, prop, prop_type, value,
source), the shape the store hands out as a snapshot; FtM entities are turned into the
same rows first. Identity documents held in separate Passport/Identification entities
are attached to their holder. Which properties count as names, weak names, dates of birth,
nationalities and documents is `nexus.model.matching`'s to say. Each profile has a `fingerprint`, a hash of exactly the
values screening looks at, so a dismissed hit is raised again only when they change.
"""

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import pyarrow as pa
from followthemoney import EntityProxy, model
from rigour.names import NamePartTag

from nexus.model.matching import (
    BIRTH_DATES,
    DOCUMENT_HOLDER,
    DOCUMENT_NUMBERS,
    DOCUMENT_SCHEMATA,
    GENDERS,
    IDENTIFIERS,
    NAME_PARTS,
    NAMES,
    NATIONALITIES,
    WEAK_NAMES,
    is_matched,
)
from nexus.names import DateRange, parse_date

STATEMENT_FIELDS = ("canonical_id", "schema", "prop", "prop_type", "value", "source")
#: Name-part properties whose parts are family names or parents' names (`index._profile_roles`
#: reads no others, so a changed given name moves no fingerprint).
ROLE_PROPS = frozenset(p for p, tags in NAME_PARTS.items() if NamePartTag.FAMILY in tags)


def normalize_document(number: str) -> str:
    """Document numbers compare on letters and digits only, upper-case."""
    return "".join(ch for ch in number.upper() if ch.isalnum())


@dataclass
class Profile:
    entity_id: str
    schema: str
    source: str
    names: dict[str, str] = field(default_factory=dict)  # name → the property it is listed under (a strong one if several)
    roles: dict[str, list[str]] = field(default_factory=dict)
    birth_dates: list[DateRange] = field(default_factory=list)
    countries: set[str] = field(default_factory=set)
    genders: set[str] = field(default_factory=set)
    documents: set[str] = field(default_factory=set)
    facts: list[str] = field(default_factory=list)
    fingerprint: str = ""

    @property
    def caption(self) -> str:
        """Its name (of several, the least: a Latin spelling before another script's), not an alias that happened to
        be read first; else the first of its other strong names, else the first weak one."""
        named = [n for n, prop in self.names.items() if prop == "name"]
        if named:
            return min(named)
        return next((n for n, prop in self.names.items() if prop not in WEAK_NAMES), next(iter(self.names), self.entity_id))


def entity_rows(entities: Iterable[EntityProxy], source: str) -> pa.Table:
    """Statement rows (STATEMENT_FIELDS) for FtM entities, canonical id = entity id."""
    columns: dict[str, list[str]] = {name: [] for name in STATEMENT_FIELDS}
    for proxy in entities:
        for prop, value in proxy.itervalues():
            for name, cell in zip(
                STATEMENT_FIELDS, (proxy.id, proxy.schema.name, prop.name, prop.type.name, value, source), strict=True
            ):
                columns[name].append(cell)
    return pa.table({name: pa.array(values, pa.string()) for name, values in columns.items()})


def _add(profile: Profile, prop: str, value: str) -> None:
    if prop in NAMES or prop in WEAK_NAMES:
        if value not in profile.names or (prop in NAMES and profile.names[value] in WEAK_NAMES):
            profile.names[value] = prop
    elif prop in ROLE_PROPS:
        profile.roles.setdefault(prop, []).append(value)
    elif prop in BIRTH_DATES:
        parsed = parse_date(value)
        if parsed is not None:
            profile.birth_dates.append(parsed)
    elif prop in NATIONALITIES:
        profile.countries.add(value.lower())
    elif prop in GENDERS:
        profile.genders.add(value.lower())
    elif prop in IDENTIFIERS or prop in DOCUMENT_NUMBERS:
        profile.documents.add(normalize_document(value))
    else:
        return
    profile.facts.append(f"{prop}={value}")


def profiles_from_rows(table: pa.Table) -> Iterator[Profile]:
    """One profile per screenable canonical entity (per source) in a statement table."""
    missing = set(STATEMENT_FIELDS) - set(table.column_names)
    if missing:
        raise ValueError(f"statement table lacks column(s): {', '.join(sorted(missing))}")
    profiles: dict[tuple[str, str], Profile] = {}
    held: list[tuple[str, str, str]] = []  # (source, document entity id, holder id)
    numbers: dict[tuple[str, str], list[str]] = {}
    cols = [table.column(name).to_pylist() for name in STATEMENT_FIELDS]
    for entity_id, schema, prop, _type, value, source in zip(*cols, strict=True):
        if value is None or entity_id is None:
            continue
        if schema in DOCUMENT_SCHEMATA:
            if prop == DOCUMENT_HOLDER:
                held.append((source, entity_id, value))
            elif prop in DOCUMENT_NUMBERS:
                numbers.setdefault((source, entity_id), []).append(value)
            continue
        if not is_matched(schema):
            continue
        key = (source, entity_id)
        profile = profiles.get(key)
        if profile is None:
            profile = profiles[key] = Profile(entity_id, schema, source)
        elif profile.schema != schema and model.get(schema).is_a(profile.schema):
            profile.schema = schema  # the most specific schema among merged records
        _add(profile, prop, value)
    for source, document, holder in held:
        profile = profiles.get((source, holder))
        if profile is not None:
            for number in numbers.get((source, document), []):
                _add(profile, "number", number)
    for profile in profiles.values():
        if profile.names:
            profile.fingerprint = _fingerprint(profile)
            yield profile


def _fingerprint(profile: Profile) -> str:
    digest = hashlib.sha1(profile.schema.encode())
    for fact in sorted(set(profile.facts)):
        digest.update(b"\x00" + fact.encode())
    return digest.hexdigest()[:20]
