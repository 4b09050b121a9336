"""The statements a viewer may see, as a query an engine can run over a snapshot.

The predicate is not written again here: it is `policy.statement_clause` itself,
compiled to SQL with its values as literals and translated by sqlglot, over the
snapshot's statements and warrants. What the store would refuse a viewer, an analytic
over this view never reads, so it cannot reach a result, a count or a path.
"""

import sqlglot
from sqlalchemy import literal_column, select
from sqlalchemy.dialects import postgresql
from sqlglot import exp

from nexus.engine.queries import bind
from nexus.security.policy import statement_clause
from nexus.security.viewer import Viewer
from nexus.store import utc_now
from nexus.store.ledger import transactions
from nexus.store.schema import statements

SNAPSHOT_STATEMENTS = "nx_snapshot_statements"
SNAPSHOT_WARRANTS = "nx_snapshot_warrants"
LEDGER_TRANSACTIONS = "nx_ledger_transactions"


def visible_statements(viewer: Viewer, action: str = "read", now: str | None = None) -> exp.Expression:
    """SELECT over the snapshot tables of the statements ``viewer`` may take ``action`` on at ``now``."""
    return _visible(statements, SNAPSHOT_STATEMENTS, viewer, action, now)


def visible_transactions(viewer: Viewer, action: str = "read", now: str | None = None) -> exp.Expression:
    """SELECT over the ledger's files of the transactions ``viewer`` may take ``action`` on at ``now``."""
    return _visible(transactions, LEDGER_TRANSACTIONS, viewer, action, now)


def _visible(table, registered: str, viewer: Viewer, action: str, now: str | None) -> exp.Expression:
    clause = statement_clause(viewer, table, action, now or utc_now())
    query = select(literal_column(f"{table.name}.*")).select_from(table).where(clause)
    text = str(query.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
    return bind(sqlglot.parse_one(text, read="postgres"), {table.name: registered, "warrants": SNAPSHOT_WARRANTS})


def all_statements() -> exp.Expression:
    return sqlglot.select("*").from_(SNAPSHOT_STATEMENTS)
