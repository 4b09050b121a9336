"""Named SQL: ``sql/NAME.sql``, written once in DuckDB's dialect, rendered for an engine.

Parameters (``$name`` in the file, DuckDB's own syntax) are bound as literals in the parsed query, never
pasted into text, and identifiers (a table Splink named, a column to count) are renamed
in the parse tree; sqlglot then writes the query in the engine's dialect.
"""

from collections.abc import Mapping
from functools import cache
from pathlib import Path

import sqlglot
from sqlglot import exp

from nexus.errors import InvalidInput

SQL_DIR = Path(__file__).parent / "sql"


@cache
def _parsed(name: str) -> exp.Expression:
    path = SQL_DIR / f"{name}.sql"
    if not path.is_file():
        raise KeyError(f"no registered query {name!r} in {SQL_DIR}")
    return sqlglot.parse_one(path.read_text(encoding="utf-8"), read="duckdb")


def render(name: str, dialect: str = "duckdb", names: Mapping[str, str] | None = None, **params) -> str:
    """The query ``sql/NAME.sql`` in ``dialect``, with ``params`` bound and identifiers renamed by ``names``."""
    return to_dialect(bind(_parsed(name), names, **params), dialect)


def bind(query: exp.Expression, names: Mapping[str, str] | None = None, **params) -> exp.Expression:
    """A copy of ``query`` with its placeholders bound to ``params`` and identifiers renamed by ``names``."""
    placeholders = {p.name for p in query.find_all(exp.Placeholder)}
    if missing := placeholders - params.keys():
        raise TypeError(f"missing query parameters: {', '.join(sorted(missing))}")
    if extra := params.keys() - placeholders:
        raise TypeError(f"unknown query parameters: {', '.join(sorted(extra))}")
    names = names or {}

    def substitute(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Placeholder):
            value = params[node.name]
            # an expression the caller built from known identifiers and literals (a rule's conditions) goes in whole
            return value.copy() if isinstance(value, exp.Expression) else exp.convert(_literal(value))
        if isinstance(node, exp.Identifier) and node.name in names:
            return exp.to_identifier(names[node.name])
        return node

    return query.transform(substitute)


def to_dialect(query: exp.Expression, dialect: str) -> str:
    return query.sql(dialect=dialect, pretty=False)


def _literal(value):
    # A list or tuple is a set of values for IN (...); a single value stays a scalar.
    if isinstance(value, list | tuple | frozenset | set):
        for item in value:
            _check_text(item)
        return tuple(sorted(value)) if isinstance(value, frozenset | set) else tuple(value)
    _check_text(value)
    return value


def _check_text(value) -> None:
    if isinstance(value, str) and "\x00" in value:
        # DuckDB's parser ends a query at a NUL: the literal would be cut short.
        raise InvalidInput(f"{value[:40]!r}: a value may not contain a NUL character")
