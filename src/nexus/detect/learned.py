"""The learned layer: a gradient-boosted model (LightGBM) of laundering per transaction, trained time-causally.

Each transaction is described by graph features in the engine's SQL (`detect_learned_features.sql`,
GFP-style: its payer's and payee's payments and counterparties in and out around its day, pass-through,
counterparties over the whole ledger, its amount and format) and by which typologies and red-flag rules
cite it. The labels are the feed's own (AMLworld's `Is Laundering`). The model learns from the days
up to `train_until`, its threshold is the one that gives the best F1 on the days up to `validate_until`,
and its figures are measured on the days after those, which neither training nor the threshold saw.
Beside them, the rules-only baseline: a transaction is laundering when a typology or rule cites it.
"""

from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from nexus.detect.typologies import Finding
from nexus.engine import EngineSession

if TYPE_CHECKING:  # imported where a model is trained or loaded: it brings scikit-learn and SciPy, ~2 s at every start
    import lightgbm

#: The columns of `detect_learned_features` the model reads, in order.
FEATURES = (
    "log_amount", "by_cash", "by_wire", "by_ach", "by_cheque", "by_card", "by_bitcoin", "cross_currency",
    "cross_bank", "self_payment", "payer_payments_out", "payer_payees", "payer_payments_in", "payer_payers",
    "payee_payments_in", "payee_payers", "payee_payments_out", "payee_payees", "payee_sent_on", "payer_received",
    "payer_payees_ever", "payee_payers_ever", "amount_from_usual", "pair_payments", "pair_before",
    "payer_active_days", "payee_active_days", "in_fan_out", "in_fan_in", "in_cycle",
    "in_scatter_gather", "in_gather_scatter", "in_structuring", "in_pass_through", "in_bipartite", "in_stack",
    "in_rule", "patterns",
)
EPOCH = date(1970, 1, 1)


@dataclass(frozen=True)
class LearnedConfig:
    #: activity is counted within this many days either side of a transaction's day
    window_days: int = 2
    #: by default the first share of the labelled days trains, the next validates, the rest tests
    train_share: float = 0.6
    validate_share: float = 0.2
    rounds: int = 200
    learning_rate: float = 0.05
    leaves: int = 31
    min_child_samples: int = 20
    seed: int = 7
    #: flagged transactions of connected accounts this many days apart or less are one finding
    finding_gap_days: int = 3


LEARNED = LearnedConfig()


@dataclass(frozen=True)
class Split:
    train_until: date  # the last day trained on
    validate_until: date  # the last day the threshold is chosen on; later days test

    def parts(self, days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Masks of the rows (by their day number since the epoch) that train, validate and test."""
        train_end, validate_end = (self.train_until - EPOCH).days, (self.validate_until - EPOCH).days
        return days <= train_end, (days > train_end) & (days <= validate_end), days > validate_end


@dataclass
class Figures:
    """Minority-class (laundering) precision, recall and F1 of a prediction on some rows."""

    precision: float
    recall: float
    f1: float
    positives: int
    predicted: int

    @classmethod
    def of(cls, predicted: np.ndarray, actual: np.ndarray) -> "Figures":
        tp = int(np.sum(predicted & actual))
        p, a = int(np.sum(predicted)), int(np.sum(actual))
        precision, recall = (tp / p if p else 0.0), (tp / a if a else 0.0)
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return cls(round(precision, 4), round(recall, 4), round(f1, 4), a, p)


@dataclass
class TrainedModel:
    booster: "lightgbm.Booster"
    threshold: float
    split: Split
    figures: dict[str, dict[str, Figures]] = field(default_factory=dict)  # part → model / rules → figures
    rows: dict[str, int] = field(default_factory=dict)  # part → transactions
    #: the distinct security labels of the data it learnt from (`detect_label_sets`): its alerts cite them too,
    #: since its scores carry what that data taught it
    labels: list[dict] = field(default_factory=list)

    def dumps(self) -> bytes:
        return orjson.dumps({
            "booster": self.booster.model_to_string(), "threshold": self.threshold,
            "train_until": self.split.train_until.isoformat(), "validate_until": self.split.validate_until.isoformat(),
            "figures": {part: {k: asdict(v) for k, v in figures.items()} for part, figures in self.figures.items()},
            "rows": self.rows, "features": FEATURES, "labels": self.labels,
        })

    @classmethod
    def loads(cls, data: bytes) -> "TrainedModel":
        raw = orjson.loads(data)
        if tuple(raw.get("features", ())) != FEATURES or "labels" not in raw:
            raise ValueError("the model was trained by an earlier version, on other features: train it again")
        import lightgbm

        return cls(lightgbm.Booster(model_str=raw["booster"]), raw["threshold"],
                   Split(date.fromisoformat(raw["train_until"]), date.fromisoformat(raw["validate_until"])),
                   {part: {k: Figures(**v) for k, v in figures.items()} for part, figures in raw["figures"].items()},
                   raw["rows"], raw["labels"])

    def scores(self, table: pa.Table) -> np.ndarray:
        return self.booster.predict(matrix(table))

    def importance(self, top: int = 10) -> list[tuple[str, float]]:
        gains = self.booster.feature_importance("gain")
        total = float(gains.sum()) or 1.0
        order = np.argsort(-gains)[:top]
        return [(FEATURES[i], round(float(gains[i]) / total, 4)) for i in order if gains[i] > 0]


def transaction_features(session: EngineSession, findings: list[Finding], config: LearnedConfig = LEARNED) -> pa.Table:
    """One row per positive transaction of the session's `transactions`: ids, day, label and FEATURES."""
    cited = pa.array([f.transactions for f in findings], pa.list_(pa.string()))
    names = np.repeat(np.array([f.name if f.kind == "typology" else "rule" for f in findings], dtype=object),
                      pc.list_value_length(cited).to_numpy(zero_copy_only=False)) if findings else []
    session.register("pattern_members", pa.table({"id": cited.flatten(), "name": pa.array(names, pa.string())}))
    return session.run("detect_learned_features", window_days=config.window_days)


def matrix(table: pa.Table) -> np.ndarray:
    return np.column_stack([table[name].to_numpy(zero_copy_only=False).astype(np.float64) for name in FEATURES])


def default_split(days: np.ndarray, config: LearnedConfig = LEARNED) -> Split:
    """Cut the days the ledger covers by the configured shares."""
    first, last = int(days.min()), int(days.max())
    span = last - first + 1
    return Split(EPOCH + timedelta(days=first + int(span * config.train_share) - 1),
                 EPOCH + timedelta(days=first + int(span * (config.train_share + config.validate_share)) - 1))


def best_threshold(scores: np.ndarray, actual: np.ndarray) -> float:
    """The score cut that gives the best F1 on these rows (the midpoint below the last score kept)."""
    order = np.argsort(-scores, kind="stable")
    ranked, hits = scores[order], actual[order].astype(np.int64)
    tp = np.cumsum(hits)
    kept = np.arange(1, len(ranked) + 1)
    f1 = 2 * tp / (kept + max(int(hits.sum()), 1))
    last = np.flatnonzero(np.r_[ranked[1:] != ranked[:-1], True])  # only cut between distinct scores
    best = last[np.argmax(f1[last])]
    below = ranked[best + 1] if best + 1 < len(ranked) else 0.0
    return float((ranked[best] + below) / 2)


def train(table: pa.Table, split: Split, config: LearnedConfig = LEARNED) -> TrainedModel:
    """Train on the split's training days, choose the threshold on its validation days, measure on its test days;
    beside each, the rules-only baseline."""
    days = table["day"].to_numpy()
    actual = table["is_laundering"].to_numpy(zero_copy_only=False).astype(bool)
    parts = dict(zip(("train", "validate", "test"), split.parts(days), strict=True))
    for name in ("train", "validate"):
        if not actual[parts[name]].any():
            raise ValueError(f"no laundering is labelled in the {name} days ({_days(days[parts[name]])}): "
                             "choose other dates")
    import lightgbm

    features = matrix(table)
    params = {"objective": "binary", "learning_rate": config.learning_rate, "num_leaves": config.leaves,
              "min_child_samples": config.min_child_samples, "seed": config.seed, "deterministic": True,
              "num_threads": 2, "verbose": -1}
    booster = lightgbm.train(params, lightgbm.Dataset(features[parts["train"]], actual[parts["train"]],
                                                      feature_name=list(FEATURES)),
                             num_boost_round=config.rounds)
    scores = booster.predict(features)
    threshold = best_threshold(scores[parts["validate"]], actual[parts["validate"]])
    rules = table["patterns"].to_numpy() > 0
    model = TrainedModel(booster, threshold, split, rows={k: int(v.sum()) for k, v in parts.items()})
    for name, mask in parts.items():
        model.figures[name] = {"model": Figures.of(scores[mask] >= threshold, actual[mask]),
                               "rules": Figures.of(rules[mask], actual[mask])}
    return model


def _days(days: np.ndarray) -> str:
    if not len(days):
        return "none"
    return f"{EPOCH + timedelta(days=int(days.min()))} to {EPOCH + timedelta(days=int(days.max()))}"


def model_findings(model: TrainedModel, table: pa.Table, config: LearnedConfig = LEARNED) -> list[Finding]:
    """The transactions the model scores at or above its threshold, as findings: those of accounts they connect,
    no more than `finding_gap_days` apart, together; each with the features that weighed most for it (their
    summed contributions to its payments' scores) and their mean values."""
    scores = model.scores(table)
    flagged = np.flatnonzero(scores >= model.threshold)
    if not len(flagged):
        return []
    rows = table.take(pa.array(flagged)).to_pylist()
    values = matrix(table.take(pa.array(flagged)))
    contributions = model.booster.predict(values, pred_contrib=True)[:, :-1]
    groups = _connected(rows, config.finding_gap_days)
    found = []
    for members in groups:
        picked = [rows[i] for i in members]
        weights = contributions[members].sum(axis=0)
        typical = values[members].mean(axis=0)
        reasons = [f"{FEATURES[i]} {typical[i]:.3g}" for i in np.argsort(-weights)[:3] if weights[i] > 0]
        by_account: dict[str, int] = {}
        as_given: dict[str, str] = {}
        for row in picked:
            for account, given in ((row["payer"], row["payer_account"]), (row["payee"], row["payee_account"])):
                by_account[account] = by_account.get(account, 0) + 1
                as_given[account] = given
        accounts = sorted(by_account, key=lambda a: (-by_account[a], a))
        best = float(scores[flagged[members]].max())
        start, finish = picked[0]["timestamp"], picked[-1]["timestamp"]
        found.append(Finding(
            "learned", [as_given[a] for a in accounts], accounts, [r["id"] for r in picked], start, finish,
            score=round(best, 6),
            words=f"the model scored {len(picked)} payment{'s' if len(picked) > 1 else ''} among {len(accounts)} "
                  f"accounts as laundering (at most {best:.2f}; threshold {model.threshold:.2f}), "
                  f"from {start:%Y-%m-%d} to {finish:%Y-%m-%d}, mostly for (mean values): "
                  f"{', '.join(reasons) or 'its amount'}",
            details={"threshold": round(model.threshold, 6), "reasons": reasons,
                     "scores": [round(float(s), 6) for s in scores[flagged[members]]]},
            kind="model"))
    return found


def _connected(rows: list[dict], gap_days: int) -> list[list[int]]:
    """Groups of row positions (rows in time order): rows sharing an account, each within the gap of the group's
    last row, are one group."""
    parent = list(range(len(rows)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    last_of: dict[str, int] = {}  # account → its latest row so far
    for i, row in enumerate(rows):
        for account in (row["payer"], row["payee"]):
            j = last_of.get(account)
            if j is not None and row["day"] - rows[j]["day"] <= gap_days:
                parent[root(i)] = root(j)
            last_of[account] = i
    groups: dict[int, list[int]] = {}
    for i in range(len(rows)):
        groups.setdefault(root(i), []).append(i)
    return list(groups.values())
