"""The resolver's own tables (created by migration 0003_resolution).

`resolution_edges` keeps every scored pair of each run, so canonical ids can be
recomputed without re-running the model; `judgements` keeps analysts' decisions.
Neither ever changes a source statement.
"""

from sqlalchemy import Column, Float, Index, Integer, MetaData, String, Table, Text

metadata = MetaData()

resolution_edges = Table(
    "resolution_edges",
    metadata,
    Column("run_id", String(32), primary_key=True),
    Column("left_id", String(255), primary_key=True),
    Column("right_id", String(255), primary_key=True),
    Column("score", Float, nullable=False),
    Column("method", String(32), nullable=False),
    Column("created_at", String(32), nullable=False),
    Index("ix_resolution_edges_created", "created_at"),
)

judgements = Table(
    "judgements",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("left_id", String(255), nullable=False),
    Column("right_id", String(255), nullable=False),
    Column("decision", String(16), nullable=False),
    Column("user", String(128), nullable=False),
    Column("reason", Text),
    Column("created_at", String(32), nullable=False),
    Index("ix_judgements_pair", "left_id", "right_id"),
)
