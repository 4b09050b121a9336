"""The hand-built feed loaded into a store's ledger (both databases)."""

import pytest
from feed import ANALYST, FEED, HEADER

from nexus.service.ingest import LabelChanges
from nexus.service.ledger import ingest_transactions


@pytest.fixture
def ledger(store, tmp_path):
    path = tmp_path / "feed.csv"
    path.write_text(HEADER + "\n".join(FEED) + "\n")
    home = tmp_path / "home"
    ingest_transactions(store, ANALYST, path, "bank-a", home, LabelChanges(agency="FIU", classification="SECRET"))
    return store, home
