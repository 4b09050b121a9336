"""Red-flag rules for terrorist financing and trafficking proceeds: declarative, read and back-tested by analysts.

A rule is YAML, as the PIU's targeting rules are (`nexus.detect.targeting`): a name, a description,
a window in days and conditions over the account FEATURES below, all of which must hold for one
account, in one currency, within one window. Windows are counted from the epoch, not from the data,
twice, the second tiling half a window later, so activity within half a window is never split and a
window is the same whatever is loaded; hits of one rule on one account that overlap or follow within a
window are one hit over their span. Amounts and thresholds are in the account's currency, whichever it
is. The built-in rules are the files in this folder; an FIU adds its own as files in `NEXUS_HOME/rules/`. High-risk
jurisdictions and conflict zones are configuration (`jurisdictions.yml`, or the file NEXUS_HIGH_RISK_FILE names).

Some features need what the statements say about an account, as the viewer sees them: whether its holder is on
a sanctions list (`listed_accounts`), when its holder travels (`holder_departures`, from the PIU's trips and
the account's ownership) and which phones, e-mails and addresses its holder shares with other holders
(`account_contacts`); a flag resting on them cites those statements too.

The features come from the viewer's transactions, filtered and placed once (`detect_red_flag_transfers.sql`),
then grouped per tiling (`detect_account_windows.sql`, laid out long by `detect_account_features.sql`),
the hits from the same query the targeting rules use (`rule_hits.sql`).
"""

import hashlib
import os
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

import pyarrow as pa
import yaml
from sqlglot import exp

from nexus.detect.targeting import Rule, RuleRefused, condition_rows, parse_rule, rule_hits
from nexus.detect.typologies import Finding
from nexus.engine import EngineSession

FOLDER = Path(__file__).parent
#: feature -> kind; every red-flag feature is a number.
FEATURES = dict.fromkeys((
    "inflows", "inflow_total", "distinct_payers", "small_inflows", "small_inflow_total", "small_inflow_share",
    "cash_inflows", "cash_inflow_total", "outflows", "outflow_total", "distinct_payees", "top_payee_out",
    "top_payee_of_cash_in", "cash_out", "high_risk_out", "out_in_ratio",
    "cash_out_share", "high_risk_out_share", "cash_or_high_risk_out_share", "cash_or_high_risk_out_of_small",
    "listed_in", "listed_out", "listed_one_hop_out", "listed_money", "account_listed",
    "cash_or_high_risk_out", "cash_near_conflict", "cash_near_conflict_count", "net_outflow", "holder_departs",
    "shared_contact_holders", "shared_contact_in",
), "number")
#: A payment in at most this amount (in its currency) counts as small (donations, crowdfunding).
SMALL_AMOUNT = 250.0
#: Features that need the accounts on a sanctions list (`listed_accounts`, from the statements).
LISTED_FEATURES = frozenset({"listed_in", "listed_out", "listed_one_hop_out", "listed_money", "account_listed"})
#: A payee that pays a listed account on within this many days is a one-hop intermediary.
ONWARD_DAYS = 7
LISTED_COLUMNS = pa.schema([("account_id", pa.string()), ("holder_id", pa.string()), ("ownership_id", pa.string())])
#: Features that count only cash drawn near a conflict zone: a flag on them alone cites those withdrawals alone.
CONFLICT_FEATURES = frozenset({"cash_near_conflict", "cash_near_conflict_count"})
#: Features that need the account holders' departures (`holder_departures`, from the statements).
TRAVEL_FEATURES = frozenset({"holder_departs"})
#: A holder's departure counts for the windows it falls in and for those ending less than this many days before it.
DEPARTURE_DAYS = 14
#: Features on payers whose holders share a contact: a flag on them alone cites those payments alone.
CONTACT_FEATURES = frozenset({"shared_contact_holders", "shared_contact_in"})
#: A contact more holders than this share (a hostel, a formation agent, a switchboard) says nothing.
MAX_SHARING = 20
CONTACT_COLUMNS = pa.schema([("account_id", pa.string()), ("contact", pa.string()), ("holder_id", pa.string()),
                             ("ownership_id", pa.string()), ("statement_id", pa.string())])
DEPARTURE_COLUMNS = pa.schema([("account_id", pa.string()), ("holder_id", pa.string()), ("ownership_id", pa.string()),
                               ("trip_id", pa.string()), ("departure", pa.date32())])
DEFAULT_WINDOW_DAYS = 30
EPOCH = datetime(1970, 1, 1)


@dataclass(frozen=True)
class RedFlag:
    rule: str  # name@version: the rule's file name and a hash of its text
    account: str
    currency: str
    window_start: datetime
    window_end: datetime
    features: dict[str, float]


def parse_red_flag(text: str) -> Rule:
    rule = parse_rule(text, FEATURES, windowed=True)
    return replace(rule, window_days=rule.window_days or DEFAULT_WINDOW_DAYS)


def builtin_rules() -> list[tuple[str, Rule]]:
    return rules_in(FOLDER)


def rules_in(folder: Path) -> list[tuple[str, Rule]]:
    """The rules in a folder's *.yml files (jurisdictions.yml is configuration), keyed name@version; a file
    the linter refuses raises RuleRefused naming it."""
    found = []
    for path in sorted(folder.glob("*.yml")) if folder.is_dir() else []:
        if path.name == "jurisdictions.yml":
            continue
        found.append(rule_from_file(path))
    return found


def rule_from_file(path: Path) -> tuple[str, Rule]:
    text = path.read_text(encoding="utf-8")
    try:
        rule = parse_red_flag(text)
    except RuleRefused as exc:
        raise RuleRefused([f"{path}: {p}" for p in exc.problems]) from None
    return f"{rule.name}@{hashlib.sha256(text.encode()).hexdigest()[:8]}", rule


@dataclass(frozen=True)
class Jurisdictions:
    high_risk: tuple[str, ...]  # country codes
    conflict_zones: tuple[str, ...]  # country codes
    bank_countries: dict[str, str]  # bank code -> country code


@cache
def _jurisdictions(path: str) -> Jurisdictions:
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise RuleRefused([f"{path}: cannot read the high-risk jurisdictions: {exc}"]) from None
    lists = {key: raw.get(key) or [] for key in ("high_risk", "conflict_zones")}
    banks = raw.get("bank_countries") or {}
    problems = [f"{key}: a list of two-letter country codes" for key, countries in lists.items()
                if not isinstance(countries, list) or not all(isinstance(c, str) and len(c.strip()) == 2 for c in countries)]
    if not isinstance(banks, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in banks.items()):
        problems.append("bank_countries: bank codes (quoted, as text) to two-letter country codes")
    if problems:
        raise RuleRefused([f"{path}: {p}" for p in problems])
    codes = {key: tuple(sorted({c.strip().upper() for c in countries})) for key, countries in lists.items()}
    return Jurisdictions(codes["high_risk"], codes["conflict_zones"], {k: v.strip().upper() for k, v in banks.items()})


def jurisdictions() -> Jurisdictions:
    """The high-risk jurisdictions, conflict zones and banks' countries as configured."""
    return _jurisdictions(os.environ.get("NEXUS_HIGH_RISK_FILE") or str(FOLDER / "jurisdictions.yml"))


def uses(rules: list[tuple[str, Rule]], features: frozenset[str]) -> bool:
    """Whether some rule needs one of these features (`LISTED_FEATURES`, `TRAVEL_FEATURES`)."""
    return any(c.feature in features for _, rule in rules for c in rule.conditions)


def evaluate(session: EngineSession, rules: list[tuple[str, Rule]], start: datetime, end: datetime,
             listed: pa.Table | None = None, departures: pa.Table | None = None,
             contacts: pa.Table | None = None) -> list[RedFlag]:
    """Every (rule, account, currency, window) in [start, end) that meets all of a rule's conditions, over the
    session's `transactions`; `listed`: the accounts on a sanctions list (`LISTED_COLUMNS`), `departures`: the
    account holders' trips (`DEPARTURE_COLUMNS`), `contacts`: the contacts holders share (`CONTACT_COLUMNS`)."""
    for name, table, schema in (("listed_accounts", listed, LISTED_COLUMNS),
                                ("holder_departures", departures, DEPARTURE_COLUMNS),
                                ("account_contacts", contacts, CONTACT_COLUMNS)):
        session.register(name, table if table is not None else schema.empty_table())
    places = jurisdictions()
    for name, countries in (("high_risk", places.high_risk), ("conflict_zones", places.conflict_zones)):
        session.register(name, pa.table({"country": pa.array(countries, pa.string())}))
    banks = places.bank_countries
    session.register("bank_countries", pa.table({"bank": pa.array(list(banks), pa.string()),
                                                 "country": pa.array(list(banks.values()), pa.string())}))
    found: list[RedFlag] = []
    by_window: dict[int, list[tuple[str, Rule]]] = {}
    for key, rule in rules:
        by_window.setdefault(rule.window_days or DEFAULT_WINDOW_DAYS, []).append((key, rule))
    # Windows counted from the epoch, twice, the second tiling half a window later: whatever happens within
    # half a window lies whole in one window, and a window is the same whatever data is loaded.
    # read, filtered and placed once, for every tiling
    session.materialise("red_flag_transfers", "detect_red_flag_transfers", from_time=start.isoformat(sep=" "),
                        to_time=end.isoformat(sep=" "), onward_days=ONWARD_DAYS)
    for days, group in sorted(by_window.items()):
        session.register("rule_conditions", condition_rows(group, FEATURES))  # which features to lay out
        used = {condition.feature for _, rule in group for condition in rule.conditions}
        for offset in (0, days * 86400 // 2):
            # a view: the one query that reads it keeps the candidate windows, and millions are never stored
            session.define("red_flag_windows", "detect_account_windows", window_days=days, offset_seconds=offset,
                           small_amount=SMALL_AMOUNT, count_payers="distinct_payers" in used,
                           count_payees="distinct_payees" in used,
                           top_payee=bool(used & {"top_payee_out", "top_payee_of_cash_in"}),
                           departure_days=DEPARTURE_DAYS)
            session.materialise("rule_features", "detect_account_features", candidates=_candidates(group))
            hits = rule_hits(session, group, None, FEATURES).to_pylist()
            values: dict[str, dict[str, float]] = {}
            if hits:
                session.register("wanted_subjects", pa.table({"subject": sorted({h["subject"] for h in hits})}))
                for row in session.run("detect_hit_features").to_pylist():
                    values.setdefault(row["subject"], {})[row["feature"]] = row["number_value"]
            for hit in hits:
                account, currency, bucket = hit["subject"].rsplit("|", 2)
                window_start = EPOCH + timedelta(seconds=int(bucket) * days * 86400 + offset)
                found.append(RedFlag(hit["rule"], account, currency, max(window_start, start),
                                     min(window_start + timedelta(days=days), end), values[hit["subject"]]))
    return _merged(found)


def _candidates(rules: list[tuple[str, Rule]]) -> exp.Expression:
    """The windows that meet every condition of some rule, as a condition on `red_flag_windows`' columns (every
    red-flag feature is one, and a number): features are FEATURES' names, values numbers the linter passed."""
    compare = {"<": exp.LT, "<=": exp.LTE, ">": exp.GT, ">=": exp.GTE, "=": exp.EQ}
    return exp.or_(*(exp.and_(*(compare[c.op](this=exp.column(c.feature, table="red_flag_windows"),
                                               expression=exp.Literal.number(float(v)))
                                for c in rule.conditions for v in c.values)) for _, rule in rules))


def _merged(flags: list[RedFlag]) -> list[RedFlag]:
    """Flags of one rule on one account and currency whose windows overlap (the two tilings) or follow within a
    window of each other (one pattern that goes on, a monthly payment to a listed person) as one flag over
    their span; the features shown are the first window's."""
    merged: list[RedFlag] = []
    for flag in sorted(flags, key=lambda f: (f.rule, f.account, f.currency, f.window_start)):
        last = merged[-1] if merged else None
        if last and (last.rule, last.account, last.currency) == (flag.rule, flag.account, flag.currency) \
                and flag.window_start <= last.window_end + (flag.window_end - flag.window_start):
            merged[-1] = replace(last, window_end=max(last.window_end, flag.window_end))
        else:
            merged.append(flag)
    return merged


def ledger_period(session: EngineSession) -> tuple[datetime, datetime] | None:
    """[first day, just after the last transaction) of the session's `transactions`; None when empty."""
    row = session.run("detect_period").to_pylist()[0]
    if row["first_time"] is None:
        return None
    first = row["first_time"].replace(hour=0, minute=0, second=0, microsecond=0)
    return first, row["last_time"] + timedelta(seconds=1)


def red_flag_findings(session: EngineSession, rules: list[tuple[str, Rule]], start: datetime | None = None,
                      end: datetime | None = None, listed: pa.Table | None = None,
                      departures: pa.Table | None = None, contacts: pa.Table | None = None) -> list[Finding]:
    """Each red flag over [start, end) (default: the whole ledger) as a finding of kind `rule`, with the
    account's payments in and out within the window; `listed`, `departures` and `contacts` as `evaluate` takes
    them. A flag of a rule on departures names the trips it counted (`details["departures"]`), one on shared
    contacts the payers' contacts (`details["shared_contacts"]`): its alert cites them."""
    period = (start, end) if start and end else ledger_period(session)
    if not period or not rules:
        return []
    flags = evaluate(session, rules, *period, listed=listed, departures=departures, contacts=contacts)
    if not flags:
        return []
    subjects = [str(number) for number in range(len(flags))]  # one per flag: two rules may share a window
    session.register("wanted_accounts", pa.table({
        "subject": subjects, "account": [f.account for f in flags], "currency": [f.currency for f in flags],
        "window_start": [f.window_start.isoformat(sep=" ") for f in flags],
        "window_end": [f.window_end.isoformat(sep=" ") for f in flags],
    }))
    cited: dict[str, list[dict]] = {}
    for row in session.run("detect_account_transactions").to_pylist():
        cited.setdefault(row["subject"], []).append(row)
    described = dict(rules)
    on_lists = {subject for flag, subject in zip(flags, subjects, strict=True)
                if uses([(flag.rule, described[flag.rule])], LISTED_FEATURES)}
    ties = _listed_ties(session, on_lists, listed)
    trips = _by_account(departures)
    shared = _by_account(contacts)
    findings = []
    for flag, subject in zip(flags, subjects, strict=True):
        rows = cited.get(subject, [])
        rule = described[flag.rule]
        own = {c.feature for c in rule.conditions}
        shown = ", ".join(f"{c.feature} {_number(flag.features.get(c.feature))}" for c in rule.conditions)
        # only the rule's own features (and the money in): others of its window rest on what it may not cite
        features = {k: v for k, v in flag.features.items() if k in own | {"inflow_total"}}
        mine, total = [r["id"] for r in rows], flag.features.get("inflow_total")
        tie = ties.get(subject)
        tying, listed_here = (tie.payments, tie.listed) if tie else ([], [])
        named, span = [flag.account], []  # the accounts it names (the subject first) and the times it spans
        kept_rows, sharing = _sharing_payers(rows, shared) if own & CONTACT_FEATURES else (rows, [])
        if tying and not any(entry["account_id"] == flag.account for entry in listed_here):
            # an account tied to listed ones cites those payments only, so it shows only what they sum to
            kept = set(tying)
            mine = list(dict.fromkeys([t for t in mine if t in kept] + tying))
            rows = [r for r in rows if r["id"] in kept]
            features = {k: v for k, v in features.items() if k in LISTED_FEATURES}
            total = features.get("listed_money")
            # it names every account the tie passes through (an intermediary, the listed one) and spans its payments
            named = [flag.account, *(a for a in tie.accounts if a != flag.account)]
            span = tie.times
        elif own <= CONFLICT_FEATURES:
            # likewise a flag on cash drawn near a conflict zone: those withdrawals, and what they sum to
            rows = [r for r in rows if r["near_conflict"]]
            mine = [r["id"] for r in rows]
            features = {k: v for k, v in features.items() if k in CONFLICT_FEATURES}
            total = features.get("cash_near_conflict")
        elif own <= {"account_listed"}:
            # a listed account's own activity: the money it paid out (what an asset freeze should have held)
            rows = [r for r in rows if not r["incoming"]]
            mine = [r["id"] for r in rows]
            features = {k: v for k, v in flag.features.items() if k in own}
            total = sum(r["amount"] for r in rows)  # the payouts it cites (a flag may span merged windows)
        elif own <= CONTACT_FEATURES:
            # and a flag on payers who share a contact: their payments in (it cites the contacts whenever it uses them)
            rows = kept_rows
            mine = [r["id"] for r in rows]
            features = {k: v for k, v in features.items() if k in CONTACT_FEATURES}
            total = features.get("shared_contact_in")
        if not rows:
            continue
        given = {**(tie.accounts if tie else {}), flag.account: rows[0]["account_as_given"]}
        times = [rows[0]["timestamp"], rows[-1]["timestamp"], *span]
        findings.append(Finding(
            name=rule.name, accounts=[given[a] for a in named], account_ids=named,
            transactions=mine, start=min(times), finish=max(times), score=1.0,
            words=f"{rule.description} — account {rows[0]['account_as_given']}, {flag.currency}, "
                  f"{flag.window_start:%Y-%m-%d} to {flag.window_end - timedelta(seconds=1):%Y-%m-%d}: {shown}",
            total=total, currency=flag.currency,
            details={"rule_version": flag.rule, "features": features, "window_start": flag.window_start.isoformat(),
                     "window_end": flag.window_end.isoformat(), **({"listed": listed_here} if listed_here else {}),
                     **_counted_departures(flag, rule, trips), **({"shared_contacts": sharing} if sharing else {})},
            kind="rule",
        ))
    return findings


@dataclass
class _Tie:
    """What ties a flagged account to listed ones: the payments (its own, and an intermediary's onward ones), the
    listed accounts with their holders and ownerships, the accounts those payments pass through (id → as the
    source gives it, in time order) and when they were made."""
    payments: list[str]
    listed: list[dict]
    accounts: dict[str, str]
    times: list[datetime]


def _listed_ties(session: EngineSession, subjects: set[str], listed: pa.Table | None) -> dict[str, _Tie]:
    """For each of these flags (`wanted_accounts` subjects) of a rule on listed accounts: the payments that tie
    it to them (its own, and an intermediary's onward payments, which it cites besides its own), those
    listed accounts, each with its holder and the ownership that ties them (what the alert must cite as well),
    and the accounts and times of those payments (what the alert names and spans)."""
    if listed is None or not listed.num_rows or not subjects:
        return {}
    session.register("wanted_flags", pa.table({"subject": pa.array(sorted(subjects), pa.string())}))
    holders = {r["account_id"]: r for r in listed.to_pylist()}
    ties: dict[str, _Tie] = {}
    rows = session.run("detect_listed_ties", onward_days=ONWARD_DAYS).to_pylist()
    for row in sorted(rows, key=lambda r: (r["timestamp"] is None, r["timestamp"] or EPOCH, r["id"] or "")):
        tie = ties.setdefault(row["subject"], _Tie([], [], {}, []))
        if row["id"] is not None and row["id"] not in tie.payments:
            tie.payments.append(row["id"])
            tie.times.append(row["timestamp"])
            for side in ("from", "to"):
                tie.accounts.setdefault(row[f"{side}_account_id"], row[f"{side}_account"])
        if holders[row["listed_account"]] not in tie.listed:
            tie.listed.append(holders[row["listed_account"]])
    return ties


def _by_account(table: pa.Table | None) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for row in table.to_pylist() if table is not None else ():
        found.setdefault(row["account_id"], []).append(row)
    return found


def _sharing_payers(rows: list[dict], shared: dict[str, list[dict]]) -> tuple[list[dict], list[dict]]:
    """Of a flag's payments, those in from payers one of whose holders shares a contact with another person holding
    a paying account (as `detect_account_windows` counts them), and those contacts, each with its holder and
    ownership: every statement that makes the contact shared is among them."""
    holders: dict[str, set[str]] = {}
    for row in rows:
        if row["incoming"]:
            for entry in shared.get(row["counterparty_id"], ()):
                holders.setdefault(entry["contact"], set()).add(entry["holder_id"])
    contacts = {contact for contact, people in holders.items() if len(people) >= 2}
    sharing = {row["counterparty_id"] for row in rows if row["incoming"]
               and any(e["contact"] in contacts for e in shared.get(row["counterparty_id"], ()))}
    entries = [{k: e[k] for k in ("account_id", "contact", "holder_id", "ownership_id", "statement_id")}
               for a in sorted(sharing) for e in shared[a] if e["contact"] in contacts]
    return [r for r in rows if r["incoming"] and r["counterparty_id"] in sharing], entries


def _counted_departures(flag: RedFlag, rule: Rule, trips: dict[str, list[dict]]) -> dict[str, list[dict]]:
    """The holder's trips a flag of a rule on departures counted (within its span or just after), as the alert
    cites them: the trip, the holder and the ownership that makes the account theirs."""
    if not uses([(flag.rule, rule)], TRAVEL_FEATURES):
        return {}
    until = flag.window_end + timedelta(days=DEPARTURE_DAYS)
    counted = [{"trip_id": t["trip_id"], "holder_id": t["holder_id"], "ownership_id": t["ownership_id"],
                "departure": t["departure"].isoformat()}
               for t in sorted(trips.get(flag.account, ()), key=lambda t: (t["departure"], t["trip_id"]))
               if flag.window_start.date() <= t["departure"] < until.date()]
    return {"departures": counted} if counted else {}


def _number(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:,.0f}" if value >= 100 or value == int(value) else f"{value:.2f}"
