"""Money-laundering and terrorist-financing typologies in the engine's SQL, over the transactions a viewer may see.

Each typology is a query (`engine/sql/detect_*.sql`) over `detect_transfers` (payments between
two different accounts) and yields findings: which accounts, which transactions, when, how
much, a score in 0..1 and a sentence. Python only shapes the few rows each query returns.
"""

import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from nexus.detect.config import TYPOLOGIES, TypologyConfig
from nexus.engine import EngineSession


@dataclass
class Finding:
    name: str  # fan-out, fan-in, cycle, scatter-gather, gather-scatter, structuring, pass-through, bipartite, stack
    accounts: list[str]  # as the source gives them, the subject first
    account_ids: list[str]  # their entity ids
    transactions: list[str]
    start: datetime
    finish: datetime
    score: float
    words: str
    total: float | None = None
    currency: str | None = None
    details: dict = field(default_factory=dict)
    kind: str = "typology"  # or "rule": a red-flag rule's hit


def run_typologies(session: EngineSession, config: TypologyConfig = TYPOLOGIES) -> list[Finding]:
    """Every typology's findings over the session's `transactions`, strongest first within each."""
    session.materialise("detect_transfers", "detect_transfers")
    found = [finding for detector in DETECTORS for finding in detector(session, config)]
    return (found + _gather_scatter([f for f in found if f.name in ("fan-in", "fan-out")], config)
            + _stacks([f for f in found if f.name == "bipartite"], config))


def _fans(session: EngineSession, config: TypologyConfig) -> list[Finding]:
    found = []
    for name, outgoing, verb in (("fan-out", True, "paid"), ("fan-in", False, "was paid by")):
        for r in session.run("detect_fan", outgoing=outgoing, min_degree=config.fan_degree,
                             window_hours=config.fan_window_hours).to_pylist():
            amount = f"{r['total']:,.2f} {r['currency']}" if r["currency"] else "amounts in several currencies"
            found.append(Finding(
                name, [r["account"], *r["others"]], [r["account_id"]], r["transactions"], r["start"], r["finish"],
                score=min(1.0, r["degree"] / (2 * config.fan_degree)),
                words=f"account {r['account']} {verb} {r['degree']} accounts within {_span(r)} ({amount})",
                total=r["total"] if r["currency"] else None, currency=r["currency"], details={"degree": r["degree"]}))
    return found


def _cycles(session: EngineSession, config: TypologyConfig) -> list[Finding]:
    found = []
    session.materialise("cycle_keys", "detect_cycles", max_length=config.cycle_max_length,
                        window_hours=config.cycle_window_hours)
    for r in session.run("detect_cycle_payments").to_pylist():
        accounts = [a for a in (r["n0"], r["n1"], r["n2"], r["n3"]) if a is not None]
        ids = [a for a in (r["a0"], r["a1"], r["a2"], r["a3"]) if a is not None]
        amounts, currencies = r["amounts"], r["currencies"]
        kept = min(amounts) / max(amounts) if len(set(currencies)) == 1 else 0.5
        # in two currencies the amounts are not compared, and each is said in its own
        out, back = (f"{amounts[0]:,.2f}", f"{amounts[-1]:,.2f}") if len(set(currencies)) == 1 else \
            (f"{amounts[0]:,.2f} {currencies[0]}", f"{amounts[-1]:,.2f} {currencies[-1]}")
        found.append(Finding(
            "cycle", accounts, ids, [t for t in (r["t1"], r["t2"], r["t3"], r["t4"]) if t is not None],
            r["start"], r["finish"], score=round(kept * 0.9 ** (len(amounts) - 2), 6),
            words=f"money left {accounts[0]} and came back through {' → '.join(accounts[1:])} in {len(amounts)} "
                  f"payments within {_span(r)} ({out} out, {back} back)",
            total=amounts[0], currency=currencies[0],
            details={"length": len(amounts)}))
    return found


def _structuring(session: EngineSession, config: TypologyConfig) -> list[Finding]:
    """In each currency that has a reporting threshold (`TypologyConfig.thresholds`), payments just below it."""
    return [
        Finding("structuring", [r["account"], *r["others"]], [r["account_id"]], r["transactions"], r["start"], r["finish"],
                score=r["payments"] / (r["payments"] + config.structuring_count),
                words=f"account {r['account']} made {r['payments']} payments between {low:,.0f} and "
                      f"{threshold:,.0f} {currency} within {_span(r)}, just below the reporting threshold of "
                      f"{threshold:,.0f} {currency} ({r['total']:,.2f} {currency} in all)",
                total=r["total"], currency=currency,
                details={"payments": r["payments"], "reporting_threshold": threshold, "threshold_currency": currency})
        for currency, threshold in sorted(config.thresholds().items())
        for low in [threshold * (1 - config.structuring_margin)]
        for r in session.run("detect_structuring", currency=currency, low=low, threshold=threshold,
                             min_count=config.structuring_count,
                             window_hours=config.structuring_window_hours).to_pylist()
    ]


def _scatter_gather(session: EngineSession, config: TypologyConfig) -> list[Finding]:
    found = []
    for r in session.run("detect_scatter_gather", min_middles=config.scatter_middles,
                         window_hours=config.scatter_window_hours).to_pylist():
        kept = r["gathered_total"] / r["scattered"] if r["currency"] else 0.5
        found.append(Finding(
            "scatter-gather", [r["source"], *r["middle_accounts"], r["target"]], [r["source_id"], r["target_id"]],
            [*r["outgoing"], *r["incoming"]], r["start"], r["finish"],
            score=round(min(1.0, kept) * min(1.0, r["middles"] / (2 * config.scatter_middles)) ** 0.5, 6),
            words=f"{r['source']} scattered {r['scattered']:,.2f} over {r['middles']} accounts that gathered "
                  f"{r['gathered_total']:,.2f} into {r['target']} within {_span(r)}",
            total=r["scattered"], currency=r["currency"], details={"middles": r["middles"]}))
    return found


def _bipartite(session: EngineSession, config: TypologyConfig) -> list[Finding]:
    found = []
    for r in session.run("detect_bipartite", min_sources=config.bipartite_sources, min_targets=config.bipartite_targets,
                         window_hours=config.bipartite_window_hours, max_payers=config.bipartite_max_payers).to_pylist():
        amount = f"{r['total']:,.2f} {r['currency']}" if r["currency"] else "amounts in several currencies"
        found.append(Finding(
            "bipartite", [*r["source_accounts"], *r["target_accounts"]], [*r["source_ids"], *r["target_ids"]],
            r["transactions"], r["start"], r["finish"],
            score=round(min(1.0, r["sources"] * r["targets"] / (4 * config.bipartite_sources * config.bipartite_targets)) ** 0.5, 6),
            words=f"{r['sources']} accounts ({', '.join(r['source_accounts'])}) each paid several of the same "
                  f"{r['targets']} accounts ({', '.join(r['target_accounts'])}) within {_span(r)} ({amount})",
            total=r["total"] if r["currency"] else None, currency=r["currency"],
            details={"sources": r["sources"], "targets": r["targets"], "target_ids": r["target_ids"],
                     "source_ids": r["source_ids"]}))
    return found


def _stacks(layers: list[Finding], config: TypologyConfig) -> list[Finding]:
    """Two bipartite layers, the payees of one paying on as the payers of the next within the gap: built from
    the bipartite findings."""
    paying = defaultdict(list)  # account id → the layers it pays in
    for layer in layers:
        for account in layer.details["source_ids"]:
            paying[account].append(layer)
    found = []
    for first in layers:
        payees = set(first.details["target_ids"])
        nexts = {id(layer): layer for account in payees for layer in paying[account] if layer is not first}
        for second in nexts.values():
            shared = payees & set(second.details["source_ids"])
            gap = (second.start - first.finish).total_seconds()
            if len(shared) >= 2 and first.start <= second.start and gap <= 3600 * config.stack_gap_hours:
                found.append(Finding(
                    "stack", [*first.accounts, *(a for a in second.accounts if a not in first.accounts)],
                    [*first.account_ids, *(a for a in second.account_ids if a not in first.account_ids)],
                    [*first.transactions, *second.transactions], first.start, second.finish,
                    score=round((first.score * second.score) ** 0.5, 6),
                    words=f"money paid by {first.details['sources']} accounts to {first.details['targets']} was paid on by "
                          f"{len(shared)} of those to {second.details['targets']} more within "
                          f"{_span({'start': first.start, 'finish': second.finish})}",
                    details={"layers": 2, "middles": len(shared)}))
    return found


def _gather_scatter(fans: list[Finding], config: TypologyConfig) -> list[Finding]:
    """A fan-in to an account followed, within the gap, by a fan-out from it: built from the fans found."""
    ins = {f.account_ids[0]: f for f in fans if f.name == "fan-in"}
    found = []
    for out in (f for f in fans if f.name == "fan-out" and f.account_ids[0] in ins):
        into = ins[out.account_ids[0]]
        if into.start <= out.start and (out.start - into.finish).total_seconds() <= 3600 * config.gather_scatter_gap_hours:
            found.append(Finding(
                "gather-scatter", [out.accounts[0], *into.accounts[1:], *out.accounts[1:]], out.account_ids,
                [*into.transactions, *out.transactions], into.start, out.finish,
                score=round((into.score * out.score) ** 0.5, 6),
                words=f"account {out.accounts[0]} gathered from {len(into.accounts) - 1} accounts, then scattered to "
                      f"{len(out.accounts) - 1} within {_span({'start': into.start, 'finish': out.finish})}"))
    return found


def _pass_through(session: EngineSession, config: TypologyConfig) -> list[Finding]:
    return [
        Finding("pass-through", [r["account"], r["source"], r["destination"]], [r["account_id"]],
                [r["incoming"], r["outgoing"]], r["start"], r["finish"],
                score=round(r["sent"] / r["received"] * (1 - 0.5 * _hours(r) / config.pass_through_window_hours), 6),
                words=f"account {r['account']} received {r['received']:,.2f} {r['currency']} from {r['source']} and "
                      f"sent {r['sent']:,.2f} on to {r['destination']} within {_span(r)}",
                total=r["received"], currency=r["currency"])
        for r in session.run("detect_pass_through", share=config.pass_through_share,
                             window_hours=config.pass_through_window_hours).to_pylist()
    ]


def _hours(row: dict) -> float:
    return (row["finish"] - row["start"]).total_seconds() / 3600


def _span(row: dict) -> str:
    """How long the finding took, never less than it did: 55 hours is "2 days 7 hours", not "2 days"."""
    hours = max(1, math.ceil(_hours(row) - 1e-9))
    if hours < 48:
        return _count(hours, "hour")
    days, hours = divmod(hours, 24)
    return _count(days, "day") + (f" {_count(hours, 'hour')}" if hours else "")


def _count(n: int, unit: str) -> str:
    return f"{n} {unit}{'' if n == 1 else 's'}"


DETECTORS: tuple[Callable[[EngineSession, TypologyConfig], list[Finding]], ...] = (
    _fans, _cycles, _scatter_gather, _structuring, _pass_through, _bipartite,
)
