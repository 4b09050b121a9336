"""The learned layer's pieces: features from the engine's SQL on a hand-built feed, the threshold, the figures and
how flagged payments become findings."""

from datetime import date, datetime

import numpy as np
import pytest
from feed import ANALYST, load_feed, row

from nexus.detect.learned import EPOCH, Figures, Split, _connected, best_threshold, transaction_features
from nexus.detect.typologies import Finding
from nexus.service.ledger import ledger_session

PASS_THROUGH = [
    row("08 08:00", "PX", "P0", 20000), row("08 14:00", "P0", "PY", 19500),
    *(row(f"0{d} 09:00", "R0", "LANDLORD", 700) for d in range(1, 4)),  # the same payee three times
    row("05 09:00", "R0", "R0", 200, how="Cash"),  # a cash withdrawal: a payment to oneself
]


@pytest.fixture
def features(store, tmp_path):
    store, home = load_feed(store, tmp_path, PASS_THROUGH, "bank-l")
    with ledger_session(store, ANALYST, home) as session:
        table = transaction_features(session, [])
    return table.to_pylist()


def _one(features, payer, payee):
    (found,) = [r for r in features if (r["payer_account"], r["payee_account"]) == (payer, payee)]
    return found


def test_features_say_how_money_moved_around_a_payment(features):
    incoming, onward = _one(features, "PX", "P0"), _one(features, "P0", "PY")
    assert incoming["payee_sent_on"] == pytest.approx(19500 / 20000)  # P0 sent on almost all of it that day
    assert onward["payer_received"] == pytest.approx(20000 / 19500)  # what P0 had received that day
    assert incoming["payee_payers"] == 1 and incoming["payee_payees"] == 1 and onward["pair_payments"] == 1
    assert incoming["day"] == (date(2022, 9, 8) - EPOCH).days and incoming["by_wire"] == 1


def test_features_count_a_pair_s_payments_and_a_window_s_activity(features):
    rents = sorted((r for r in features if (r["payer_account"], r["payee_account"]) == ("R0", "LANDLORD")),
                   key=lambda r: r["day"])
    assert [r["pair_payments"] for r in rents] == [3, 3, 3] and [r["pair_before"] for r in rents] == [0, 1, 2]
    # two days either side: the first day's window holds three days' payments, the last's three more days
    assert [r["payer_payments_out"] for r in rents] == [3, 3, 3] and rents[0]["payee_payers_ever"] == 1
    cash = _one(features, "R0", "R0")
    assert cash["self_payment"] == 1 and cash["by_cash"] == 1 and cash["payer_payments_out"] == 1  # day 3's rent


def test_features_mark_the_payments_a_typology_cites(store, tmp_path):
    store, home = load_feed(store, tmp_path, PASS_THROUGH, "bank-m")
    with ledger_session(store, ANALYST, home) as session:
        first = transaction_features(session, [])
        cited = [i for i, a in zip(first["id"].to_pylist(), first["payer_account"].to_pylist(), strict=True)
                 if a == "PX"]
        finding = Finding("pass-through", [], [], cited, datetime(2022, 9, 8), datetime(2022, 9, 8), 1.0, "")
        rule = Finding("cash-funnel", [], [], cited, datetime(2022, 9, 8), datetime(2022, 9, 8), 1.0, "", kind="rule")
        marked = transaction_features(session, [finding, rule])
    flags = {i: (p, r, n) for i, p, r, n in zip(*(marked[c].to_pylist() for c in ("id", "in_pass_through", "in_rule",
                                                                                   "patterns")), strict=True)}
    assert [flags[i] for i in cited] == [(1, 1, 2)]
    assert sum(p for p, _, _ in flags.values()) == 1 and sum(first["patterns"].to_pylist()) == 0


def test_the_threshold_is_the_best_f1_cut_between_two_scores():
    scores = np.array([0.9, 0.8, 0.7, 0.4, 0.3, 0.1])
    actual = np.array([True, True, False, True, False, False])
    cut = best_threshold(scores, actual)
    assert 0.3 < cut < 0.4  # three of three found, one wrong: F1 6/7, better than 0.8's 4/5
    assert Figures.of(scores >= cut, actual) == Figures(0.75, 1.0, 0.8571, 3, 4)
    assert Figures.of(np.zeros(6, bool), actual).f1 == 0.0


def test_a_split_cuts_by_day_and_never_mixes_them():
    days = np.array([(date(2024, 1, d) - EPOCH).days for d in range(1, 11)])
    train, validate, test = Split(date(2024, 1, 6), date(2024, 1, 8)).parts(days)
    assert train.sum() == 6 and validate.sum() == 2 and test.sum() == 2
    assert not (train & validate).any() and not (validate & test).any() and (train | validate | test).all()


def test_flagged_payments_of_connected_accounts_close_in_time_are_one_finding():
    rows = [{"payer": "A", "payee": "B", "day": 1}, {"payer": "B", "payee": "C", "day": 2},
            {"payer": "X", "payee": "Y", "day": 2}, {"payer": "C", "payee": "D", "day": 9}]
    assert sorted(map(sorted, _connected(rows, 3))) == [[0, 1], [2], [3]]
