"""A pattern a later delivery adds to updates its alert while no one has reviewed it; once someone has, the grown
pattern is a new alert and the decision stays with what was decided (both databases)."""

from feed import ANALYST, HEADER, row

from nexus.service.alerts import get_alert, list_alerts, review_alert
from nexus.service.detect import detect
from nexus.service.ingest import LabelChanges
from nexus.service.ledger import ingest_transactions

# S0 pays just under 10,000 once a day: three payments are structuring, more are more of it
PAYMENTS = [row(f"0{5 + d} 10:00", "S0", f"SX{d}", 9500 + 100 * d) for d in range(5)]


def deliver(store, tmp_path, name: str, rows: list[str]) -> None:
    path = tmp_path / name
    path.write_text(HEADER + "\n".join(rows) + "\n")
    ingest_transactions(store, ANALYST, path, "bank-s", tmp_path / "home",
                        LabelChanges(agency="FIU", classification="SECRET"))


def structuring(store, tmp_path) -> list[dict]:
    return [a for a in detect(store, ANALYST, tmp_path / "home") if a["name"] == "structuring"]


def test_a_pattern_that_grows_updates_its_alert_until_someone_reviews_it(store, tmp_path):
    deliver(store, tmp_path, "week-1.csv", PAYMENTS[:3])
    (first,) = structuring(store, tmp_path)
    assert len(first["transactions"]) == 3

    deliver(store, tmp_path, "week-2.csv", PAYMENTS[:4])  # the bank's extract again, with one payment more
    (grown,) = structuring(store, tmp_path)
    assert grown["id"] == first["id"] and len(grown["transactions"]) == 4
    alert = get_alert(store, ANALYST, first["id"])
    assert sum(e["ref_kind"] == "transaction" for e in alert["evidence"]) == 4 and alert["state"] == "open"
    assert [a["id"] for a in list_alerts(store, ANALYST, kind="typology") if a["title"].startswith("structuring")] \
        == [first["id"]]

    review_alert(store, ANALYST, first["id"], "dismissed", "salary paid in instalments: known to us")
    deliver(store, tmp_path, "week-3.csv", PAYMENTS)
    (again,) = structuring(store, tmp_path)
    assert again["id"] != first["id"] and len(again["transactions"]) == 5 and again["state"] == "open"
    kept = get_alert(store, ANALYST, first["id"])
    assert kept["state"] == "dismissed" and sum(e["ref_kind"] == "transaction" for e in kept["evidence"]) == 4
