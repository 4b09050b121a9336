"""The hand-built feed loaded into a store's ledger (both databases)."""

import pytest
from feed import FEED, load_feed


@pytest.fixture
def ledger(store, tmp_path):
    return load_feed(store, tmp_path, FEED, "bank-a")
