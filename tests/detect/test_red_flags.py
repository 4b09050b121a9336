"""Red-flag rules over a hand-built feed (both databases): each built-in rule flags the account it is about and
nothing else, alerts cite the account's payments in the window, a rule is back-tested over a period, and an
FIU's own rule in the workspace runs beside the built-in ones."""

from datetime import date

import pytest
from feed import ANALYST, load_feed

from nexus.errors import InvalidInput
from nexus.service.alerts import get_alert
from nexus.detect.red_flags import FOLDER
from nexus.service.detect import backtest_rule, detect


def row(day, hour, payer, payee, amount, how="Wire"):
    return f"2024/05/{day:02d} {hour:02d}:00,001,{payer},001,{payee},{amount},US Dollar,{amount},US Dollar,{how},0"


FEED = [
    # crowdfunding then out: twelve donors give CF0 small sums; most of it is withdrawn in cash or sent to Syria
    *(row(1 + d % 9, 9 + d % 8, f"DONOR{d}", "CF0", 80 + 10 * d) for d in range(12)),
    row(11, 10, "CF0", "CF0", 1000, "Cash"), row(12, 10, "CF0", "SY2100000000000000001234", 400),
    # the same donations kept: no flag
    *(row(1 + d % 9, 9 + d % 8, f"GIVER{d}", "KEEP0", 80 + 10 * d) for d in range(12)),
    # high-risk transfers: most of HR0's money goes to Iran
    row(3, 10, "SALARY", "HR0", 9000), row(4, 11, "HR0", "IR1200000000000000005678", 6500),
    row(5, 11, "HR0", "DE44500105175407324931", 900),
    # a cash funnel: five cash deposits into FN0, then almost all of it to one account
    *(row(14 + d, 10, f"TELLER{d}", "FN0", 2000, "Cash") for d in range(5)),
    row(20, 9, "FN0", "FAR0", 9600),
]


@pytest.fixture
def flagged(store, tmp_path):
    return load_feed(store, tmp_path, FEED, "bank-b")


def test_each_built_in_rule_flags_its_account_and_cites_its_payments(flagged):
    store, home = flagged
    rules = {a["name"]: a for a in detect(store, ANALYST, home) if a["kind"] == "rule"}
    assert set(rules) == {"crowdfunding-then-out", "high-risk-transfers", "cash-funnel"}
    assert [rules[name]["accounts"] for name in sorted(rules)] == [["FN0"], ["CF0"], ["HR0"]]
    crowd = rules["crowdfunding-then-out"]
    assert len(crowd["transactions"]) == 14 and crowd["currency"] == "US Dollar"  # twelve in, two out
    assert "small_inflows 12" in crowd["explanation"] and "distinct_payers 12" in crowd["explanation"]
    alert = get_alert(store, ANALYST, crowd["id"])
    assert alert["kind"] == "rule" and {e["ref_kind"] for e in alert["evidence"]} == {"transaction"}
    assert alert["labels"]["classification"] == "SECRET"
    assert alert["explanation"]["features"]["cash_or_high_risk_out_of_small"] == pytest.approx(1400 / 1620)  # 1,000 in cash and 400 to Syria of 1,620 given


def test_back_testing_a_rule_reports_what_it_would_have_raised(flagged, tmp_path):
    store, home = flagged
    rule = tmp_path / "funnel.yml"
    rule.write_text((FOLDER / "cash-funnel.yml").read_text())
    (hit,) = backtest_rule(store, ANALYST, home, rule, date(2024, 5, 1), date(2024, 5, 31))
    assert hit["account"] == "FN0" and hit["features"]["cash_inflows"] == 5 and hit["transactions"] == 6
    assert backtest_rule(store, ANALYST, home, rule, date(2024, 4, 1), date(2024, 4, 30)) == []
    rule.write_text("name: bad\ndescription: x\nconditions:\n  - {feature: religion, op: '>=', value: 1}\n")
    with pytest.raises(InvalidInput, match="not a feature"):
        backtest_rule(store, ANALYST, home, rule, date(2024, 5, 1), date(2024, 5, 31))


def test_a_workspace_rule_runs_beside_the_built_in_ones(flagged):
    store, home = flagged
    (home / "rules").mkdir(parents=True)
    (home / "rules" / "many-donors.yml").write_text(
        "name: many-donors\ndescription: ten or more payers within two weeks\nwindow_days: 14\n"
        "conditions:\n  - {feature: distinct_payers, op: '>=', value: 10}\n")
    names = {a["name"] for a in detect(store, ANALYST, home) if a["kind"] == "rule"}
    assert "many-donors" in names


def test_two_rules_on_one_account_each_cite_their_own_payments_once(flagged, tmp_path):
    store, home = flagged
    (home / "rules").mkdir(parents=True)
    (home / "rules" / "donations.yml").write_text(
        "name: donations\ndescription: ten or more small payments in\nwindow_days: 30\n"
        "conditions:\n  - {feature: small_inflows, op: '>=', value: 10}\n")
    (home / "rules" / "broken.yml").write_text("name: broken\nconditions: []\n")  # left out, stops nothing
    rules = [a for a in detect(store, ANALYST, home) if a["kind"] == "rule" and a["accounts"] == ["CF0"]]
    assert {a["name"] for a in rules} == {"crowdfunding-then-out", "donations"}
    for alert in rules:
        assert len(alert["transactions"]) == len(set(alert["transactions"]))
    assert len(next(a for a in rules if a["name"] == "donations")["transactions"]) == 14
