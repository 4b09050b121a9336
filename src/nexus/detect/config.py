"""The typologies' parameters as data, in one frozen object (as `nexus.links.config` is for the graph).

Windows are in hours; amounts compare within one currency (a payment's own), so a feed in
many currencies is never summed across them. An FIU sets its own in a YAML file of these fields
(`load_typologies`: `nexus detect --typologies FILE`, or the file NEXUS_TYPOLOGIES_FILE names);
a field it leaves out keeps its default here.
"""

import logging
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import yaml

from nexus.errors import InvalidInput
from nexus.model.currencies import spelled
from nexus.sources.amlworld import KNOWN_CURRENCIES

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TypologyConfig:
    #: fan-out / fan-in: one account paying (or paid by) at least this many others within the window.
    fan_degree: int = 5
    fan_window_hours: int = 72
    #: cycles: money returning to where it started in 2..cycle_max_length payments, each later than the last.
    cycle_max_length: int = 4
    cycle_window_hours: int = 240
    #: structuring: at least this many payments from one account just below the reporting threshold
    #: (between threshold × (1 - margin) and the threshold), in its currency, within the window. The threshold
    #: in threshold_currency, and one per currency in reporting_thresholds (currency as the feed names it →
    #: threshold; it may restate threshold_currency's, with the same threshold when a file gives both):
    #: structuring is sought in each of those currencies.
    reporting_threshold: float = 10_000.0
    threshold_currency: str = "US Dollar"
    reporting_thresholds: Mapping[str, float] = field(default_factory=dict)
    structuring_margin: float = 0.1
    structuring_count: int = 3
    structuring_window_hours: int = 168
    #: scatter-gather: one account's money through at least this many intermediaries to one destination.
    scatter_middles: int = 3
    scatter_window_hours: int = 168
    #: gather-scatter: a fan-in to an account followed, within this many hours of its end, by a fan-out from it.
    gather_scatter_gap_hours: int = 72
    #: bipartite: at least this many accounts each paying at least this many of the same accounts, every two of
    #: them within the window; a payee with more than bipartite_max_payers payers in the feed binds no one.
    bipartite_sources: int = 3
    bipartite_targets: int = 3
    bipartite_window_hours: int = 72
    bipartite_max_payers: int = 20
    #: stack: a bipartite layer whose payees are, within this many hours of its end, the payers of another.
    stack_gap_hours: int = 72
    #: rapid pass-through: an account sending on at least this share of what it received (and no more),
    #: in the same currency, within the window.
    pass_through_share: float = 0.9
    pass_through_window_hours: int = 48
    #: the most transactions an alert lists (the rest are counted).
    evidence_cap: int = 200

    def thresholds(self) -> dict[str, float]:
        """The reporting threshold in each currency that has one: threshold_currency's, and reporting_thresholds',
        each currency in the one spelling the detectors see (`nexus.model.currencies`: EUR is Euro)."""
        return {spelled(self.threshold_currency): self.reporting_threshold,
                **{spelled(currency): threshold for currency, threshold in self.reporting_thresholds.items()}}

    def parameters(self) -> dict:
        """Every parameter, as a file of them states it (what a run records it used)."""
        return {**asdict(self), "reporting_thresholds": self.thresholds()}


TYPOLOGIES = TypologyConfig()
#: The environment variable naming a typology parameters file (as NEXUS_HIGH_RISK_FILE names the jurisdictions).
TYPOLOGIES_ENV = "NEXUS_TYPOLOGIES_FILE"
#: Whole-number parameters that may be 0 (the rest must be at least 1), and the bounds of a few others.
_MAY_BE_ZERO = frozenset({"gather_scatter_gap_hours", "stack_gap_hours"})
_CYCLE_LENGTHS = (2, 4)  # the cycle query follows up to four payments


def configured_typologies(path: Path | str | None = None) -> TypologyConfig:
    """The typologies' parameters: from the file given (`nexus detect --typologies`), else from the one
    NEXUS_TYPOLOGIES_FILE names, else the defaults (`TYPOLOGIES`)."""
    chosen = str(path or "").strip() or os.environ.get(TYPOLOGIES_ENV, "").strip()
    return load_typologies(Path(chosen)) if chosen else TYPOLOGIES


def load_typologies(path: Path) -> TypologyConfig:
    """A YAML file of `TypologyConfig` fields (those it leaves out keep their defaults); an unknown field, or a value
    of the wrong type or out of range, refuses the file in one error naming it and each such field."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InvalidInput(f"{path}: cannot read the typology parameters: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        raise InvalidInput(f"{path}: not YAML: {exc}") from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise InvalidInput(f"{path}: typology parameters are a mapping of parameter: value, not "
                           f"{type(raw).__name__}")
    known = {f.name: f for f in fields(TypologyConfig)}
    problems = []
    for key, value in raw.items():
        if key not in known:
            problems.append(f"{key}: not a typology parameter (known: {', '.join(known)})")
        elif (problem := _problem(key, known[key].type, value)) is not None:
            problems.append(f"{key}: {problem}, not {value!r}")
    if problems:
        raise InvalidInput(f"{path}: " + f"; {path}: ".join(problems))
    values = {key: float(value) if known[key].type is float else value for key, value in raw.items()}
    if "reporting_thresholds" in values:
        values["reporting_thresholds"] = {c.strip(): float(t) for c, t in values["reporting_thresholds"].items()}
        given = [(c, c, t) for c, t in values["reporting_thresholds"].items()]
        if "reporting_threshold" in values:  # the file's own reporting_threshold, which a restatement must repeat
            currency = values.get("threshold_currency", TYPOLOGIES.threshold_currency)
            given.insert(0, (f"reporting_threshold ({currency})", currency, values["reporting_threshold"]))
        if twice := _spelled_twice(given):
            raise InvalidInput(f"{path}: reporting_thresholds: {twice}")
    if "threshold_currency" in values:
        values["threshold_currency"] = values["threshold_currency"].strip()
    config = TypologyConfig(**values)
    unknown = sorted(set(config.thresholds()) - KNOWN_CURRENCIES)
    if unknown:  # a currency neither AMLworld nor ISO 4217 names: no feed the ledger takes can hold it
        log.warning("%s: no feed names the currencies %s as AMLworld or ISO 4217 do: no structuring is found in them",
                    path, ", ".join(unknown))
    return config


def _spelled_twice(thresholds: list[tuple[str, str, float]]) -> str | None:
    """What names one currency twice with two thresholds (EUR: 9000 and Euro: 10000), or None; each threshold as
    (what the file calls it, its currency, the threshold)."""
    by_currency: dict[str, dict[str, float]] = {}
    for name, currency, threshold in thresholds:
        by_currency.setdefault(spelled(currency), {})[name] = threshold
    clashes = [" and ".join(f"{c}: {t:g}" for c, t in given.items()) for given in by_currency.values()
               if len(set(given.values())) > 1]
    return f"{'; '.join(clashes)} name one currency with two thresholds" if clashes else None


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value == value and abs(value) != float("inf")


def _problem(key: str, kind: object, value: object) -> str | None:
    """What is wrong with a parameter's value, or None."""
    if kind is int:
        if not isinstance(value, int) or isinstance(value, bool):
            return "a whole number"
        if key == "cycle_max_length" and not _CYCLE_LENGTHS[0] <= value <= _CYCLE_LENGTHS[1]:
            return f"a whole number from {_CYCLE_LENGTHS[0]} to {_CYCLE_LENGTHS[1]}"
        lowest = 0 if key in _MAY_BE_ZERO else 1
        return None if value >= lowest else f"a whole number of at least {lowest}"
    if kind is float:
        if not _number(value):
            return "a number"
        if key in ("structuring_margin", "pass_through_share"):
            return None if 0 < value < 1 or (key == "pass_through_share" and value == 1) else \
                "a share between 0 and 1"
        return None if value > 0 else "a number above 0"
    if kind is str:
        return None if isinstance(value, str) and value.strip() else "a currency as the feed names it (US Dollar, EUR)"
    # reporting_thresholds
    if not isinstance(value, dict) or not all(isinstance(c, str) and c.strip() and _number(t) and t > 0
                                              for c, t in value.items()):
        return "currencies as the feed names them, each with a threshold above 0 ({US Dollar: 10000, Euro: 10000})"
    return None
