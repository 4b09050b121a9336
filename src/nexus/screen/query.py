"""A screening query: a name plus the optional facts that support or contradict a hit."""

import hashlib
from dataclasses import dataclass, field, replace

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from followthemoney.types import registry

from nexus.model.matching import MATCHED_SCHEMATA
from nexus.names import AnalyzedName, DateRange, NameType, analyze_name, parse_date
from nexus.names.batch import NameColumn, analyze_column
from nexus.names.dates import birth_years
from nexus.names.similarity import run_ranks
from nexus.screen.evidence import best_bonus
from nexus.screen.profiles import normalize_document

QUERY_FIELDS = ("id", "name", "birth_date", "nationality", "gender", "document", "schema")
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


def with_schema(query: Query) -> Query:
    """The query with its schema checked, and inferred where it has none: a birth date or gender makes it a person."""
    if query.schema is None:
        return replace(query, schema="Person") if query.birth_date or query.gender else query
    check_schemata([query.schema])
    return query


def check_schemata(names: list[str]) -> None:
    """Refuses a schema no name screened is listed under: one FtM does not know, or one of no legal entity, vessel or
    airplane (a Payment)."""
    refused = sorted(n for n in set(names) if n not in MATCHED_SCHEMATA)
    if refused:
        raise ValueError(f"query field 'schema': {refused[0]!r} is not a schema names are screened under (one of "
                         f"{', '.join(sorted(MATCHED_SCHEMATA))})")


def check_birth_date(text: str) -> None:
    if parse_date(text, whole=True) is None:
        raise ValueError(f"query field 'birth_date': not a date: {text!r} (YYYY, YYYY-MM, YYYY-MM-DD or a range of "
                         "them such as 1950/1955)")


def prepare(query: Query, names: list[AnalyzedName] | None = None) -> PreparedQuery:
    """The query analysed; `names` if its names have been analysed already."""
    if names is None:
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


class QueryBatch:
    """Queries with their names analysed as one column; the rest of each query is prepared when a candidate needs it.

    `names` has one row per query name and `owner` the query of each row; `bonus` is per
    query the most its facts could add to a name (`evidence.best_bonus`), so candidates
    that cannot reach the threshold are dropped before any query is prepared.
    """

    def __init__(self, names: NameColumn, owner: np.ndarray, bonus: np.ndarray, documents: dict[int, str], schemas: list[str | None],
                 columns: dict[str, list] | None = None, prepared: dict[int, PreparedQuery] | None = None) -> None:
        self.names = names
        self.schemas = schemas  # per query; None matches any schema
        self.owner = owner
        self.bonus = bonus
        self.documents = documents  # query → its document number, normalised
        self._columns = columns or {}
        self._prepared = prepared or {}

    @classmethod
    def of_queries(cls, queries: list[Query]) -> "QueryBatch":
        prepared = [prepare(with_schema(q)) for q in queries]
        return cls(
            NameColumn.of_names([n for p in prepared for n in p.names]),
            np.asarray([i for i, p in enumerate(prepared) for _ in p.names], dtype=np.int64),
            np.asarray([best_bonus(bool(p.birth_dates), bool(p.document), bool(p.countries)) for p in prepared]),
            {i: p.document for i, p in enumerate(prepared) if p.document},
            [p.query.schema for p in prepared],
            prepared=dict(enumerate(prepared)),
        )

    @classmethod
    def of_table(cls, table: pa.Table) -> "QueryBatch":
        """Queries from a table with columns QUERY_FIELDS (strings, schemas checked); each has one name, in its own row."""
        schemas = table.column("schema").to_pylist()
        types = {s: NameType.of_schema(s) for s in set(schemas)}
        names = analyze_column(table.column("name"), [types[s] for s in schemas])
        given = {c: pc.is_valid(table.column(c)).to_numpy(zero_copy_only=False) for c in ("birth_date", "document", "nationality")}
        return cls(
            names, np.arange(table.num_rows), best_bonus(given["birth_date"], given["document"], given["nationality"]),
            _documents(table.column("document")), schemas,
            columns={c: table.column(c).to_pylist() for c in QUERY_FIELDS},
        )

    def __len__(self) -> int:
        return len(self.bonus)

    def name_rows(self, queries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(position in `queries`, name row) for every name of the given queries."""
        starts = np.searchsorted(self.owner, queries, side="left")  # names are in query order
        counts = np.searchsorted(self.owner, queries, side="right") - starts
        return np.repeat(np.arange(len(queries)), counts), np.repeat(starts, counts) + run_ranks(counts)

    def name_years(self) -> tuple[np.ndarray, np.ndarray]:
        """(name row, year) for every year a query's birth date covers (`birth_years`), by row."""
        texts = self._columns["birth_date"] if self._columns else [self._prepared[i].query.birth_date for i in range(len(self))]
        dated = {}
        for i, text in enumerate(texts):
            found = parse_date(text)
            if found and (years := birth_years([found])):
                dated[i] = years
        _, rows = self.name_rows(np.fromiter(dated, dtype=np.int64, count=len(dated)))
        counts = np.asarray([len(dated[q]) for q in self.owner[rows].tolist()], dtype=np.int64)
        years = np.fromiter((y for q in self.owner[rows].tolist() for y in dated[q]), dtype=np.int64, count=int(counts.sum()))
        return np.repeat(rows, counts), years

    def query(self, index: int) -> PreparedQuery:
        found = self._prepared.get(index)
        if found is None:
            name = self.names.name(index)
            query = Query(**{c: values[index] for c, values in self._columns.items()})
            found = self._prepared[index] = prepare(query, [name] if name.parts else [])
        return found


def _documents(column: pa.ChunkedArray) -> dict[int, str]:
    rows = np.flatnonzero(pc.is_valid(column).to_numpy(zero_copy_only=False))
    numbers = (normalize_document(d) for d in column.take(pa.array(rows)).to_pylist())
    return {row: number for row, number in zip(rows.tolist(), numbers, strict=True) if number}


def query_key(query: Query) -> str:
    """A stable key for what was asked: the same question gets the same key, whoever asks it."""
    fields = (query.name, *query.aliases, query.birth_date, query.nationality, query.gender, query.document, query.schema)
    text = "\x1f".join((f or "").strip().casefold() for f in fields)
    return hashlib.sha1(text.encode()).hexdigest()[:20]
