"""A ledger source relabelled by a later delivery relabels what it delivered before, as a relabelled statement
source's statements all take its new labels: the earlier deliveries' rows, and the alerts resting on them, are seen
by whom the new labels let see them, no one else (both databases)."""

import pyarrow.parquet as pq
from feed import ANALYST, FEED, HEADER, row

from nexus.model import Classification, Labels
from nexus.security.viewer import Viewer
from nexus.service.alerts import follow_ledger_relabel, list_alerts
from nexus.service.detect import detect
from nexus.service.ingest import LabelChanges
from nexus.service.ledger import ingest_transactions, ledger_session
from nexus.store.ledger import _with_labels, transaction_prefix

#: A viewer cleared to CONFIDENTIAL, of the same agency.
CLERK = Viewer("c", "FIU", frozenset({"analyst"}), Classification.CONFIDENTIAL, purpose="weekly typologies")
CONFIDENTIAL = LabelChanges(agency="FIU", classification="CONFIDENTIAL")
SECRET = LabelChanges(agency="FIU", classification="SECRET")


def deliver(store, tmp_path, name: str, rows: list[str], labels: LabelChanges):
    path = tmp_path / f"{name}.csv"
    path.write_text(HEADER + "\n".join(rows) + "\n")
    return ingest_transactions(store, ANALYST, path, "bank-a", tmp_path / "home", labels)


def seen(store, viewer, home) -> set[str]:
    with ledger_session(store, viewer, home) as session:
        return {r["id"] for r in session.run("detect_transfers").to_pylist()}


def test_a_delivery_relabelling_its_source_relabels_the_rows_and_alerts_delivered_before(store, tmp_path):
    home = tmp_path / "home"
    deliver(store, tmp_path, "september", FEED, CONFIDENTIAL)
    september = seen(store, ANALYST, home)
    assert seen(store, CLERK, home) == september and len(september) == len(FEED)
    detect(store, ANALYST, home)
    raised = {a["id"] for a in list_alerts(store, ANALYST, limit=500)}
    assert raised and {a["id"] for a in list_alerts(store, CLERK, limit=500)} == raised

    october = [row("30 10:00", "N7", "N8", 450)]  # September's file ends on the 18th: 30 is a day after it
    deliver(store, tmp_path, "october", october, SECRET)
    assert len(seen(store, ANALYST, home)) == len(FEED) + 1
    assert not seen(store, CLERK, tmp_path / "home"), "the earlier delivery kept its old labels"
    assert not list_alerts(store, CLERK, limit=500), "alerts on the earlier delivery kept its old labels"
    assert {a["id"] for a in list_alerts(store, ANALYST, limit=500)} == raised
    assert not list((home / "ledger").rglob("*.partial"))
    files = sorted(p.name for p in (home / "ledger").rglob("*.parquet"))
    assert len(files) == 2, files  # the relabelled copy replaced the first delivery's file, which is gone

    # labelled down again: the clerk sees both deliveries, and the alerts
    deliver(store, tmp_path, "november", [row("30 11:00", "N8", "N9", 300)], CONFIDENTIAL)
    assert len(seen(store, CLERK, home)) == len(FEED) + 2
    assert {a["id"] for a in list_alerts(store, CLERK, limit=500)} == raised


def test_a_delivery_with_the_same_labels_rewrites_nothing(store, tmp_path):
    home = tmp_path / "home"
    deliver(store, tmp_path, "september", FEED, SECRET)
    before = sorted((home / "ledger").rglob("*.parquet"))
    deliver(store, tmp_path, "october", [row("30 10:00", "N7", "N8", 450)], SECRET)
    after = sorted((home / "ledger").rglob("*.parquet"))
    assert set(before) < set(after) and len(after) == len(before) + 1


def test_every_file_that_carries_other_labels_is_relabelled_not_only_the_first(store, tmp_path):
    """A workspace whose files disagree (written before relabelling followed every delivery): each one is judged."""
    home = tmp_path / "home"
    deliver(store, tmp_path, "september", FEED[:10], SECRET)
    deliver(store, tmp_path, "october", [row("30 10:00", "N7", "N8", 450)], SECRET)
    files = sorted((home / "ledger").rglob("*.parquet"), key=lambda p: p.stat().st_mtime)
    loosened = files[-1]
    pq.write_table(_with_labels(pq.read_table(loosened), Labels("FIU", Classification.CONFIDENTIAL)), loosened)
    assert seen(store, CLERK, home), "the loosened file shows"
    deliver(store, tmp_path, "november", [row("30 11:00", "N8", "N9", 300)], SECRET)
    assert not seen(store, CLERK, home) and len(seen(store, ANALYST, home)) == 12


def test_alerts_follow_a_source_of_many_deliveries(store):
    """More prefixes than one SQL expression may hold (SQLite refuses ~1,000 ORs): matched in chunks."""
    prefixes = [transaction_prefix("bank-a", f"{n:064x}") for n in range(2500)]
    with store.engine.begin() as conn:
        assert follow_ledger_relabel(conn, prefixes, Labels("FIU", Classification.SECRET)) == 0
