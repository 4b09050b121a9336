"""A screening query: a name plus the optional facts that support or contradict a hit."""

import hashlib
from dataclasses import dataclass, field

from followthemoney.types import registry

from nexus.names import AnalyzedName, DateRange, NameType, analyze_name, parse_date
from nexus.screen.profiles import normalize_document

_GENDERS = {"m": "male", "male": "male", "f": "female", "female": "female"}


@dataclass(frozen=True)
class Query:
    name: str
    birth_date: str | None = None  # "1970-03-02", "1970-03", "1970", "1968/1972"
    nationality: str | None = None  # ISO code or country name
    gender: str | None = None
    document: str | None = None
    schema: str | None = None  # "Person", "Organization", … ; None matches any
    id: str | None = None
    aliases: tuple[str, ...] = ()


@dataclass
class PreparedQuery:
    query: Query
    key: str
    names: list[AnalyzedName]
    birth_dates: list[DateRange] = field(default_factory=list)
    countries: set[str] = field(default_factory=set)
    gender: str | None = None
    document: str | None = None


def _country(value: str | None) -> str | None:
    if not value:
        return None
    return registry.country.clean(value) or registry.country.clean_text(value.lower())


def prepare(query: Query) -> PreparedQuery:
    name_type = NameType.of_schema(query.schema)
    names = [analyze_name(n, name_type) for n in (query.name, *query.aliases) if n]
    birth = parse_date(query.birth_date)
    country = _country(query.nationality)
    document = normalize_document(query.document) if query.document else None
    gender = _GENDERS.get((query.gender or "").strip().lower())
    return PreparedQuery(
        query=query,
        key=query_key(query),
        names=[n for n in names if n.parts],
        birth_dates=[birth] if birth else [],
        countries={country} if country else set(),
        gender=gender,
        document=document or None,
    )


def query_key(query: Query) -> str:
    """A stable key for what was asked: the same question gets the same key, whoever asks it."""
    fields = (query.name, *query.aliases, query.birth_date, query.nationality, query.gender, query.document, query.schema)
    text = "\x1f".join((f or "").strip().casefold() for f in fields)
    return hashlib.sha1(text.encode()).hexdigest()[:20]
