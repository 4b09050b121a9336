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
including proxies: meal and medical SSR codes, special service requests, remarks, the religious
calendar. The vocabulary is data (`sensitive.yml`, which says how words are matched: in several
languages, whatever their case, accents, camelCase or plural). Nationality and the other
ORIGIN_FEATURES stand for ethnic origin: a rule may use them only beside a BEHAVIOUR_FEATURES condition
that some travellers fail, never alone: a condition every traveller meets given the values its feature
can take (RANGES, VALUES: legs >= 1, bags <= 99, payment not_in [BITCOIN]) or a `not_in` on open values
(airports, carriers) is no criterion. There are no learned criteria: a rule is exactly what its author wrote and a second
person approved.

Conditions become rows (`condition_rows`), features become rows (`feature_rows`), and one query
(`rule_hits.sql`) finds the travellers who meet every condition of a rule, on DuckDB or Spark.
"""

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import yaml

from nexus.engine import EngineSession
from nexus.sources.travel.entities import country_code
from nexus.sources.travel.features import OTHER_PAYMENT, PAYMENT_KINDS

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
#: Features whose values are IATA airport codes: a place, never a word (HAJ is Hannover, not the hajj).
AIRPORT_FEATURES = frozenset({"origin", "destination", "transit", "airport"})
AIRPORT_CODE = re.compile(r"[A-Za-z]{3}")
#: The values a feature takes for every traveller who has it (`nexus.sources.travel.features`): every numeric
#: behaviour feature has both bounds, so a condition past either end is no criterion. A subject travels at least one
#: leg and at most 99 (a PNR holds at most 99 segments); a booking names at least one traveller and at most 99 (a
#: PNR's limit); a booking's changes (its history's segments added or cancelled) and a traveller's bags checked on one
#: leg start at 0 and are bounded at 99: no standard caps them lower, and a ceiling errs on the protective side (one
#: set too low only makes the guard call "every traveller" a condition only outliers beyond it fail, which is no
#: criterion either, while one set too high lets "<= 500 bags" pass as one); a booking or ticket is made before
#: departure and at most a year (366 days) ahead. A payment is one of PAYMENT_KINDS, or OTHER for any other code
#: (`features` maps it so). A condition every value in its feature's domain meets selects no one.
RANGES = {
    "legs": (1, 99), "travellers_in_booking": (1, 99), "booking_changes": (0, 99), "bags": (0, 99),
    "booked_hours_before_departure": (0, 366 * 24), "ticketed_hours_before_departure": (0, 366 * 24),
}
VALUES = {"payment": frozenset(PAYMENT_KINDS.values()) | {OTHER_PAYMENT}}
SENSITIVE_FILE = Path(__file__).with_name("sensitive.yml")
CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
#: A run of capitals glued to a lower-case word (SSRcode, WCHRpassenger): camelCase splitting takes its last
#: capital for the next word (SS Rcode), so the whole run is also checked as a word of its own (SSR).
GLUED = re.compile(r"(?<![A-Z])[A-Z]{2,}(?=[a-z])")
TOKEN = re.compile(r"[^\W_]+")
UNIFY = str.maketrans({"ة": "ه", "ى": "ي", "ـ": None, "'": None, "’": None, "ʼ": None})


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


@dataclass(frozen=True)
class Vocabulary:
    """`sensitive.yml`, normalised as a rule's text is: each word, prefix, phrase and code with its category."""
    endings: dict[str, str]
    articles: tuple[str, ...]
    excused: tuple[tuple[str, ...], ...]
    words: dict[str, str]
    prefixes: dict[str, str]
    phrases: dict[tuple[str, ...], str]
    codes: dict[str, str]

    @classmethod
    def load(cls, path: Path) -> "Vocabulary":
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        entries: dict[str, dict] = {"words": {}, "prefixes": {}, "phrases": {}, "codes": {}}
        for category, kinds in data["categories"].items():
            for kind, items in kinds.items():
                entries[kind] |= {tuple(_tokens(item)) if kind == "phrases" else _normal(item): category
                                  for item in items}
        excused = tuple(tuple(_tokens(phrase)) for phrase in data["excused"])
        return cls(data["endings"], tuple(data["articles"]), excused, **entries)

    def find(self, text: str) -> set[tuple[str, str]]:
        """(the words as written, their category) for each sensitive word or phrase in a text."""
        tokens = _tokens(text)
        forms = [self._forms(token) for token in tokens]
        excused = {start + i for phrase in self.excused for start in _starts(phrase, forms) for i in range(len(phrase))}
        phrases = {(" ".join(tokens[start:start + len(phrase)]), category)
                   for phrase, category in self.phrases.items() for start in _starts(phrase, forms)
                   if excused.isdisjoint(range(start, start + len(phrase)))}
        glued = {token for run in GLUED.findall(text) for token in _tokens(run.lower())}
        return phrases | {(token, category) for at, token in enumerate(tokens) if at not in excused
                          for category in [self._category(token, forms[at])] if category} | {
            (token, category) for token in glued for category in [self._category(token, self._forms(token))]
            if category}

    def _forms(self, token: str) -> set[str]:
        """The word, without an Arabic article, and either without one of the endings (muslims → muslim)."""
        bases = {token} | {token[len(a):] for a in self.articles if token.startswith(a) and len(token) > len(a) + 1}
        return bases | {base[:-len(end)] + new for base in bases for end, new in self.endings.items()
                        if base.endswith(end) and len(base) - len(end) >= 2}

    def _category(self, token: str, forms: set[str]) -> str | None:
        hits = (self.words.get(form) or next((c for p, c in self.prefixes.items() if form.startswith(p)), None)
                for form in forms)
        return next(filter(None, hits), None) or self.codes.get(token) or self.codes.get(token.removesuffix("s"))


def _normal(text: str) -> str:
    """Lower case without accents, Arabic letters unified: judíos → judios, Müslime → muslime, الإسلام → الاسلام."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).translate(UNIFY)


def _tokens(text: str) -> list[str]:
    """A text's words, camelCase and snake_case split: specialMeal, special_meal → special, meal."""
    return TOKEN.findall(_normal(CAMEL.sub(" ", text)))


def _starts(phrase: tuple[str, ...], forms: list[set[str]]) -> list[int]:
    """Where the phrase's words follow one another among the words' forms."""
    return [start for start in range(len(forms) - len(phrase) + 1)
            if all(word in forms[start + i] for i, word in enumerate(phrase))]


#: Words, phrases and codes a rule may not use: the special categories of data and their proxies.
SENSITIVE = Vocabulary.load(SENSITIVE_FILE)


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
    sound = []
    for number, condition in enumerate(conditions, start=1):
        found = _lint_condition(condition, features)
        problems += [f"condition {number}: {p}" for p in found]
        sound += [] if found else [condition]
    problems += _lint_origin_alone(name, sound)
    problems += [f"refers to sensitive data ({word!r}) — {category}: rules may not use racial or ethnic origin, "
                 "political opinions, religion or beliefs, trade-union membership, health, sex life or orientation, "
                 "nor proxies for them such as meal or medical requests, special service codes or religious feasts"
                 for word, category in sorted({hit for text in _texts(raw) for hit in SENSITIVE.find(text)})]
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


def _lint_origin_alone(name: object, conditions: list[dict]) -> list[str]:
    origin = sorted({c["feature"] for c in conditions} & ORIGIN_FEATURES)
    if not origin or any(c["feature"] in BEHAVIOUR_FEATURES and not _always(c) for c in conditions):
        return []
    return [f"rule {name!r} targets people on {', '.join(origin)} without what they do: where a person comes "
            "from is a proxy for ethnic origin, so it may only narrow a behavioural criterion (route, booking, "
            f"payment or timing: {', '.join(sorted(BEHAVIOUR_FEATURES))}) that some travellers do not meet; one "
            "every traveller meets (legs >= 1, bags >= 0) or a not_in (nearly everyone) is no criterion"]


def _always(condition: dict) -> bool:
    """Whether every traveller who has the condition's feature meets it, given what values the feature can take
    (RANGES, VALUES); a `not_in` on a feature whose values are open (airports, carriers, agencies) counts as
    always: it holds for nearly everyone."""
    feature, op, value = condition["feature"], condition["op"], condition["value"]
    values = value if isinstance(value, list) else [value]
    if op in ("in", "not_in"):
        given, domain = {_text(feature, v) for v in values}, VALUES.get(feature, frozenset())
        return bool(domain) and domain <= given if op == "in" else not given & domain
    low, high = RANGES.get(feature, (None, None))
    if op in (">=", ">"):
        return low is not None and (low >= values[0] if op == ">=" else low > values[0])
    if op in ("<=", "<"):
        return high is not None and (high <= values[0] if op == "<=" else high < values[0])
    return False  # is: a flag is true for some, false for others; =: no domain is a single number


def _texts(raw: object) -> Iterator[str]:
    """Every string in a rule, its keys too, but an airport code as an airport condition's value (a place)."""
    if isinstance(raw, dict):
        place = isinstance(raw.get("feature"), str) and raw["feature"] in AIRPORT_FEATURES
        for key, value in raw.items():
            yield from _texts(key)
            yield from (text for text in _texts(value)
                        if not (place and key == "value" and AIRPORT_CODE.fullmatch(text)))
    elif isinstance(raw, list):
        for value in raw:
            yield from _texts(value)
    elif isinstance(raw, str):
        yield raw


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
