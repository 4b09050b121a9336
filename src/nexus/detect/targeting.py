"""Pre-determined criteria for passenger data: human-written targeting rules, linted, and run as SQL.

A rule is YAML: a name, a description and conditions that must all hold, each on one of the
travel FEATURES (route, travel pattern, booking and payment behaviour). `not_in` holds for a traveller
who has the feature and none of the values: a missing nationality is not "not British". A feature the
traveller's data does not tell (one way, from an API message that reports one flight) has no row, and no
condition on it holds.

    name: one-way-cash-late-via-transit
    description: one-way ticket paid in cash, booked within 72 hours of departure, via IST
    conditions:
      - {feature: one_way, op: is, value: true}
      - {feature: payment, op: in, value: [cash]}
      - {feature: booked_hours_before_departure, op: "<=", value: 72}
      - {feature: transit, op: in, value: [IST]}

The linter refuses a rule that names a feature not in FEATURES, or that refers in any field or
value to sensitive data (EU PNR Directive art. 6(4): racial or ethnic origin, political opinions,
religion or philosophical beliefs, trade-union membership, health, sex life or orientation),
including proxies: meal and medical SSR codes, special service requests, remarks. Nationality and the
other ORIGIN_FEATURES stand for ethnic origin: a rule may use them only beside a BEHAVIOUR_FEATURES
condition, never alone. There are no learned criteria: a rule is exactly what its author wrote and a
second person approved.

Conditions become rows (`condition_rows`), features become rows (`feature_rows`), and one query
(`rule_hits.sql`) finds the travellers who meet every condition of a rule, on DuckDB or Spark.
"""

import re
from dataclasses import dataclass

import pyarrow as pa
import yaml

from nexus.engine import EngineSession
from nexus.sources.travel.entities import country_code

#: feature -> "text" (compared with in / not_in / is), "number" (< <= > >= =) or "flag" (is true/false).
FEATURES = {
    "origin": "text", "destination": "text", "transit": "text", "airport": "text", "carrier": "text",
    "flight": "text", "one_way": "flag", "payment": "text", "booked_hours_before_departure": "number",
    "ticketed_hours_before_departure": "number", "travellers_in_booking": "number", "legs": "number",
    "booking_changes": "number", "nationality": "text", "residence": "text", "document_country": "text",
    "document_expires_days_after_departure": "number", "age": "number", "crew": "flag", "bags": "number",
    "data": "text", "agency": "text", "paid_by_third_party": "flag",
}
OPERATORS = {"text": {"in", "not_in"}, "flag": {"is"}, "number": {"<", "<=", ">", ">=", "="}}
#: Features whose values are countries, compared as FtM country codes whichever way they are written.
COUNTRY_FEATURES = frozenset({"nationality", "residence", "document_country"})
#: Features that say where a person comes from, proxies for ethnic origin: never a rule's only criteria.
ORIGIN_FEATURES = COUNTRY_FEATURES
#: What a traveller does (route, booking, payment, timing): a rule on origin needs one of these beside it.
BEHAVIOUR_FEATURES = frozenset({
    "origin", "destination", "transit", "airport", "carrier", "flight", "one_way", "legs", "payment",
    "booked_hours_before_departure", "ticketed_hours_before_departure", "travellers_in_booking", "booking_changes",
    "agency", "paid_by_third_party", "bags",
})
#: Words and codes a rule may not use: the special categories of data and their proxies.
SENSITIVE = frozenset("""
race racial ethnic ethnicity religion religious faith belief beliefs philosophical political politics
political_party trade_union trade_unions health medical illness disability disabled wheelchair pregnant pregnancy
sex sexual sexuality orientation gay lesbian transgender meal meals diet dietary halal kosher hindu muslim moslem
islamic jewish christian catholic buddhist sikh vegetarian vegan ssr osi remark remarks
avml bbml blml chml dbml fpml gfml hfml hnml jpml jnml ksml lcml lfml lsml moml nlml orml prml rvml sfml spml
vgml vjml vlml voml wchr wchs wchc wcbd wcbw wcmp wcob meda blnd deaf dpna oxyg stcr pets petc esan svan
""".split())
WORDS = re.compile(r"[a-z0-9]+")


class RuleRefused(ValueError):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class Condition:
    feature: str
    op: str
    values: tuple


@dataclass(frozen=True)
class Rule:
    name: str
    description: str
    conditions: tuple[Condition, ...]
    window_days: int | None = None  # red-flag rules: the window an account's payments are counted in


def parse_rule(text: str, features: dict[str, str] | None = None, windowed: bool = False) -> Rule:
    """A rule from its YAML, or RuleRefused with every problem the linter found; `features` are those the rule
    may use (the travel FEATURES by default); a `windowed` rule may say its `window_days`."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RuleRefused([f"not YAML: {exc}"]) from None
    problems = lint(raw, features or FEATURES, windowed)
    if problems:
        raise RuleRefused(problems)
    conditions = tuple(Condition(c["feature"], "in" if c["op"] == "is" else c["op"],
                                 tuple(c["value"]) if isinstance(c["value"], list) else (c["value"],))
                       for c in raw["conditions"])
    return Rule(raw["name"], raw.get("description", ""), conditions, raw.get("window_days") if windowed else None)


def lint(raw: object, features: dict[str, str] | None = None, windowed: bool = False) -> list[str]:
    features = features or FEATURES
    if not isinstance(raw, dict):
        return ["a rule is a mapping with name, description and conditions"]
    problems = []
    name = raw.get("name")
    if not isinstance(name, str) or not re.fullmatch(r"[a-z0-9][a-z0-9_.-]{2,100}", name):
        problems.append("name: 3 to 100 lowercase letters, digits, '-', '_' or '.'")
    if not isinstance(raw.get("description"), str) or not raw["description"].strip():
        problems.append("description: say what the rule looks for and why (it is shown with every hit)")
    unknown = set(raw) - {"name", "description", "conditions", *(("window_days",) if windowed else ())}
    if unknown:
        problems.append(f"unknown key(s) {', '.join(sorted(unknown))}")
    window = raw.get("window_days", 1)
    if windowed and (not isinstance(window, int) or isinstance(window, bool) or not 1 <= window <= 366):
        problems.append("window_days: a whole number of days from 1 to 366")
    conditions = raw.get("conditions")
    if not isinstance(conditions, list) or not conditions:
        problems.append("conditions: at least one")
        conditions = []
    for number, condition in enumerate(conditions, start=1):
        problems += [f"condition {number}: {p}" for p in _lint_condition(condition, features)]
    problems += _lint_origin_alone(name, conditions)
    problems += [f"refers to sensitive data ({word!r}): rules may not use racial or ethnic origin, political "
                 "opinions, religion or beliefs, trade-union membership, health, sex life or orientation, nor "
                 "proxies for them such as meal or medical requests and special service codes"
                 for word in sorted(_sensitive_words(raw))]
    return problems


def _lint_condition(condition: object, features: dict[str, str]) -> list[str]:
    if not isinstance(condition, dict) or set(condition) != {"feature", "op", "value"}:
        return ["needs exactly feature, op and value"]
    feature, op, value = condition["feature"], condition["op"], condition["value"]
    kind = features.get(feature)
    if kind is None:
        return [f"{feature!r} is not a feature rules may use (features: {', '.join(sorted(features))})"]
    if op not in OPERATORS[kind]:
        return [f"{feature} is {kind}: op must be one of {', '.join(sorted(OPERATORS[kind]))}"]
    values = value if isinstance(value, list) else [value]
    if not values:
        return ["value: at least one"]
    if kind == "number" and (len(values) != 1 or not isinstance(values[0], int | float) or isinstance(values[0], bool)):
        return [f"{feature} compares with one number"]
    if kind == "flag" and (len(values) != 1 or not isinstance(values[0], bool)):
        return [f"{feature} is true or false"]
    if kind == "text" and not all(isinstance(v, str) and v.strip() for v in values):
        return [f"{feature} compares with text values"]
    if feature in COUNTRY_FEATURES and not all(country_code(v) for v in values):
        return [f"{feature}: {', '.join(v for v in values if not country_code(v))} is not a country code or name"]
    return []


def _lint_origin_alone(name: object, conditions: list) -> list[str]:
    used = {c["feature"] for c in conditions if isinstance(c, dict) and isinstance(c.get("feature"), str)}
    origin = sorted(used & ORIGIN_FEATURES)
    if not origin or used & BEHAVIOUR_FEATURES:
        return []
    return [f"rule {name!r} targets people on {', '.join(origin)} without what they do: where a person comes "
            "from is a proxy for ethnic origin, so it may only narrow a behavioural criterion (route, booking, "
            f"payment or timing: {', '.join(sorted(BEHAVIOUR_FEATURES))})"]


def _sensitive_words(raw: object) -> set[str]:
    found: set[str] = set()
    if isinstance(raw, dict):
        for key, value in raw.items():
            found |= _sensitive_words(key) | _sensitive_words(value)
    elif isinstance(raw, list):
        for value in raw:
            found |= _sensitive_words(value)
    elif isinstance(raw, str):
        words = WORDS.findall(raw.lower())
        found |= {w for w in words if w in SENSITIVE}
        found |= {f"{a}_{b}" for a, b in zip(words, words[1:]) if f"{a}_{b}" in SENSITIVE}
    return found


def condition_rows(rules: list[tuple[str, Rule]], features: dict[str, str] = FEATURES) -> pa.Table:
    """(rule key, condition number, feature, op, text value, number value), one row per value."""
    rows = []
    for key, rule in rules:
        for number, condition in enumerate(rule.conditions):
            for value in condition.values:
                numeric = features[condition.feature] == "number"
                rows.append((key, number, condition.feature, condition.op,
                             None if numeric else _text(condition.feature, value), float(value) if numeric else None))
    columns = list(zip(*rows)) if rows else [()] * 6
    return pa.table({
        "rule": pa.array(columns[0], pa.string()), "condition_no": pa.array(columns[1], pa.int32()),
        "feature": pa.array(columns[2], pa.string()), "op": pa.array(columns[3], pa.string()),
        "text_value": pa.array(columns[4], pa.string()), "number_value": pa.array(columns[5], pa.float64()),
    })


def rule_hits(engine: EngineSession, rules: list[tuple[str, Rule]], features: pa.Table | None,
              declared: dict[str, str] = FEATURES) -> pa.Table:
    """(rule, subject) for every subject (a traveller on a trip; an account in a window) that meets all of a
    rule's conditions; `declared` are the features the rules are written over and their kinds. `features`
    None: the session holds them already, as `rule_features`."""
    engine.register("rule_conditions", condition_rows(rules, declared))
    if features is not None:
        engine.register("rule_features", features)
    return engine.run("rule_hits")


def _text(feature: str, value: object) -> str:
    """A rule's value as feature rows hold it: upper case; countries as FtM codes (GBR, GB → GB)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if feature in COUNTRY_FEATURES:
        return (country_code(str(value)) or str(value)).upper()
    return str(value).strip().upper()
