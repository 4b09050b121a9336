"""Running the detectors as a service action: over the ledger rows the viewer may see, findings raised as alerts.

A finding is a typology's, a red-flag rule's (`nexus.detect.red_flags`: the built-in rules and the
workspace's own) or, once one is trained (`train_model`), the learned layer's (`nexus.detect.learned`).
It is about its typology or rule, its subject account and when it began
(`typology/<name>/<account id>/<start>`, `rule/…`); its fingerprint is the transactions it rests on,
so a re-run on the same data keeps each alert's review; a pattern that grows (a later delivery adds to it)
updates its alert while no one has reviewed it, and is a new alert once someone has. It cites every one of those
transactions with its labels: an alert is labelled no lower than the data it cites, and shown only to viewers who
may see all of it.
"""

import hashlib
import logging
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pyarrow as pa

from nexus.detect import Finding, TypologyConfig, run_typologies
from nexus.detect.config import configured_typologies
from nexus.detect.learned import Split, TrainedModel, default_split, model_findings, train, transaction_features
from nexus.detect.red_flags import (CONTACT_COLUMNS, CONTACT_FEATURES, DEPARTURE_COLUMNS, LISTED_COLUMNS, LISTED_FEATURES,
                                    MAX_SHARING, TRAVEL_FEATURES, builtin_rules, jurisdictions, red_flag_findings,
                                    rule_from_file, uses)
from nexus.detect.targeting import Rule, RuleRefused
from nexus.engine import EngineSession, open_engine
from nexus.errors import Forbidden, InvalidInput
from nexus.model.labels import Labels
from nexus.security import audit
from nexus.security.policy import require
from nexus.security.viewer import Viewer
from nexus.service.alerts import Evidence, NewAlert, cited_statements, get_alert, raise_alerts, visible_alert_ids
from nexus.service.entities import S
from nexus.service.ledger import ledger_session
from nexus.service.links import current_snapshot, visibility_key
from nexus.sources import SourceError
from nexus.sources.goaml.write import load_profile, write_report
from nexus.store import Store

log = logging.getLogger(__name__)
KIND = "typology"
RULE = "rule"  # a red-flag rule's hit
RULES = "rules"  # the workspace's own red-flag rules: NEXUS_HOME/rules/*.yml
MODEL = "model"  # the learned layer's finding
MODELS = "models"  # the learned models, one per visibility: NEXUS_HOME/models/<visibility key>.json


def typology_config(path: Path | None = None) -> TypologyConfig:
    """The typologies' parameters: the file given (`nexus detect --typologies`), else the one NEXUS_TYPOLOGIES_FILE
    names, else the defaults; a file with an unknown parameter or a wrong value is refused naming it and the key."""
    return configured_typologies(path)


def detect(store: Store, viewer: Viewer, home: Path, engine: str = "duckdb",
           config: TypologyConfig | None = None) -> list[dict]:
    """Run every typology (with `config`, by default `typology_config()`), red-flag rule and the kept model, raise
    (or refresh) an alert per finding; the findings with their alert ids, strongest first. The run's audit record
    states the typology parameters it used."""
    require(viewer, "judge")
    config = config if config is not None else typology_config()
    model = kept_model(store, viewer, home)
    find = _finder(store, viewer, home, config)
    with ledger_session(store, viewer, home, engine=engine) as session:
        findings = find(session)
        if model is not None:
            findings += model_findings(model, transaction_features(session, findings))
        cited = sorted({t for f in findings for t in f.transactions})
        session.register("wanted_transactions", pa.table({"id": pa.array(cited, pa.string())}))
        rows = session.run("detect_labels").to_pylist()
    labels = {r["id"]: (r["from_account_id"], Labels.from_row(r)) for r in rows}
    order = {r["id"]: (r["timestamp"], r["line"]) for r in rows}
    for finding in findings:  # in time order on every engine (Spark's list aggregates keep no order)
        finding.transactions.sort(key=order.__getitem__)
    resting = _statement_evidence(store, viewer, findings)
    learnt = tuple(Evidence(MODEL, f"{visibility_key(store, viewer)}/{number}", None, Labels.from_row(row))
                   for number, row in enumerate(model.labels)) if model is not None else ()
    alerts = [_alert(f, labels, config, resting, learnt if f.kind == MODEL else ()) for f in findings]
    raised = raise_alerts(store, viewer, alerts, "judge", grow=True) if alerts else {}
    shown = visible_alert_ids(store, viewer, [alert_id for alert_id, _ in raised.values()])
    result = []
    for finding, alert in zip(findings, alerts, strict=True):
        alert_id, state = raised[alert.key]
        if alert_id in shown:
            result.append({"id": alert_id, "kind": finding.kind, "name": finding.name, "state": state,
                           "accounts": finding.accounts, "transactions": finding.transactions, "score": finding.score,
                           "explanation": finding.words, "start": finding.start.isoformat(),
                           "finish": finding.finish.isoformat(), "total": finding.total, "currency": finding.currency})
    result.sort(key=lambda r: (-r["score"], r["name"], r["id"]))
    audit.log_event(store, viewer, "detect", {"purpose": viewer.purpose, "engine": engine,
                                              "findings": len(findings), "shown": len(result),
                                              "typologies": config.parameters()},
                    [str(r["id"]) for r in result])
    return result


def _finder(store: Store, viewer: Viewer, home: Path,
            config: TypologyConfig) -> Callable[[EngineSession], list[Finding]]:
    """What finds the typologies' and red-flag rules' findings in a ledger session: the rules (with what they need
    the statements to say about accounts, as the viewer sees them) read once, before the session opens."""
    rules = red_flag_rules(home)
    checked_jurisdictions()
    facts = account_facts(store, viewer, home, rules)
    return lambda session: run_typologies(session, config) + red_flag_findings(session, rules, **facts)


def train_model(store: Store, viewer: Viewer, home: Path, train_until: date | None = None,
                validate_until: date | None = None) -> dict:
    """Train the learned layer on the labelled transactions the viewer may see (`detect.learned`), time-causally,
    and keep it for viewers who see what this viewer sees (`nexus detect` then scores with it); its figures
    on validation and test days beside the rules-only baseline."""
    require(viewer, "judge")
    find = _finder(store, viewer, home, typology_config())  # as `nexus detect` finds them without --typologies
    with ledger_session(store, viewer, home) as session:
        table = transaction_features(session, find(session))
        learnt_from = session.run("detect_label_sets").to_pylist()
    if table.num_rows == 0:
        raise InvalidInput("no transactions you may see: load a feed (nexus ingest amlworld, nexus ingest transactions) "
                           "or payments (nexus ingest goaml, a csv mapped to FtM Payments) first")
    split = default_split(table["day"].to_numpy())
    split = Split(train_until or split.train_until, validate_until or split.validate_until)
    if split.validate_until <= split.train_until:
        raise InvalidInput(f"--validate-until {split.validate_until} must be after --train-until {split.train_until}")
    try:
        model = train(table, split)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    model.labels = learnt_from
    path = _model_path(store, viewer, home)
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_name(f".{path.name}.partial")
    scratch.write_bytes(model.dumps())
    scratch.replace(path)
    report = model_report(model)
    audit.log_event(store, viewer, "model.train", {"purpose": viewer.purpose, "rows": model.rows,
                                                   "train_until": split.train_until.isoformat(),
                                                   "validate_until": split.validate_until.isoformat(),
                                                   "test_f1": report["test"]["model"]["f1"]}, [])
    return report


def show_model(store: Store, viewer: Viewer, home: Path) -> dict | None:
    """The kept model's figures, for the viewer's visibility; None when none is trained."""
    require(viewer, "read")
    model = kept_model(store, viewer, home)
    audit.log_event(store, viewer, "model.show", {"purpose": viewer.purpose, "kept": model is not None}, [])
    return model_report(model) if model else None


def model_report(model: TrainedModel) -> dict:
    split = model.split
    return {"train_until": split.train_until.isoformat(), "validate_until": split.validate_until.isoformat(),
            "threshold": model.threshold, "rows": model.rows, "importance": model.importance(),
            **{part: {k: asdict(v) for k, v in figures.items()} for part, figures in model.figures.items()}}


def kept_model(store: Store, viewer: Viewer, home: Path) -> TrainedModel | None:
    """The model trained on what this viewer sees (their visibility key): one trained on more would leak it in
    its scores, one trained on less is another viewer's."""
    path = _model_path(store, viewer, home)
    try:
        return TrainedModel.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except ValueError as exc:
        log.warning("learned model left out: %s: %s", path, exc)
        return None


def _model_path(store: Store, viewer: Viewer, home: Path) -> Path:
    return home / MODELS / f"{visibility_key(store, viewer)}.json"


def red_flag_rules(home: Path) -> list[tuple[str, Rule]]:
    """The built-in red-flag rules and the workspace's own (NEXUS_HOME/rules/*.yml); a workspace file the
    linter refuses is left out (and logged), so that one bad rule stops no other detector."""
    found = builtin_rules()
    for path in sorted((home / RULES).glob("*.yml")) if (home / RULES).is_dir() else []:
        try:
            found.append(rule_from_file(path))
        except RuleRefused as exc:
            log.warning("red-flag rule left out: %s", "; ".join(exc.problems))
    return found


def checked_jurisdictions() -> None:
    """Refuse to run the red flags on a jurisdictions file that does not read, naming it and the field."""
    try:
        jurisdictions()
    except RuleRefused as exc:
        raise InvalidInput("; ".join(exc.problems)) from None


def list_red_flag_rules(store: Store, viewer: Viewer, home: Path) -> list[tuple[str, Rule]]:
    require(viewer, "read")
    rules = red_flag_rules(home)
    audit.log_event(store, viewer, "rules.list", {"purpose": viewer.purpose}, [key for key, _ in rules])
    return rules


def backtest_rule(store: Store, viewer: Viewer, home: Path, name: str | Path, start: date, end: date) -> list[dict]:
    """Back-test a red-flag rule over [start, end] on the transactions the viewer may see: what it would have
    raised, nothing raised. `name`: a rule `nexus detect` runs (by name, or name@version), or a rule file."""
    require(viewer, "read")
    rule = next((r for r in red_flag_rules(home) if str(name) in (r[0], r[1].name)), None)
    if rule is None:
        try:
            rule = rule_from_file(Path(name))
        except RuleRefused as exc:
            raise InvalidInput("; ".join(exc.problems)) from None
        except OSError as exc:
            raise InvalidInput(f"{name}: no such rule (nexus rules list) nor rule file ({exc.strerror})") from None
    if end < start:
        raise InvalidInput(f"--to {end} is before --from {start}")
    checked_jurisdictions()
    facts = account_facts(store, viewer, home, [rule])
    with ledger_session(store, viewer, home) as session:
        found = red_flag_findings(session, [rule], datetime.combine(start, time()),
                                  datetime.combine(end + timedelta(days=1), time()), **facts)
    result = [{"rule": f.details["rule_version"], "account": f.accounts[0], "account_id": f.account_ids[0], "currency": f.currency,
               "window_start": f.details["window_start"], "window_end": f.details["window_end"],
               "last_day": (datetime.fromisoformat(f.details["window_end"]) - timedelta(seconds=1)).date().isoformat(),
               "features": f.details["features"], "transactions": len(f.transactions), "explanation": f.words}
              for f in found]
    audit.log_event(store, viewer, "rules.test", {"purpose": viewer.purpose, "rule": rule[0], "from": start.isoformat(),
                                                  "to": end.isoformat(), "hits": len(result)},
                    sorted({r["account_id"] for r in result}))
    return result


def account_facts(store: Store, viewer: Viewer, home: Path, rules: list[tuple[str, Rule]]) -> dict[str, pa.Table]:
    """What the rules need the statements to say about accounts, as the viewer sees them (keyword arguments of
    `red_flag_findings`): the accounts on a sanctions list (`detect_listed_accounts.sql`), the holders'
    departures (`detect_holder_departures.sql`) and the contacts holders share (`detect_account_contacts.sql`).
    A viewer who may not see the listing, the trip, the contact or whose account it is gets no flag from it."""
    queries = {"listed": ("detect_listed_accounts", LISTED_COLUMNS, LISTED_FEATURES, {}),
               "departures": ("detect_holder_departures", DEPARTURE_COLUMNS, TRAVEL_FEATURES, {}),
               "contacts": ("detect_account_contacts", CONTACT_COLUMNS, CONTACT_FEATURES, {"max_sharing": MAX_SHARING})}
    wanted = [key for key, (_, _, features, _) in queries.items() if uses(rules, features)]
    if not wanted:
        return {}
    with open_engine("duckdb") as session:
        session.use_snapshot(current_snapshot(store, home), viewer)
        session.materialise("entity_ids", "entity_ids")
        session.materialise("account_holders", "detect_account_holders")
        return {key: session.run(name, **params).cast(schema)
                for key in wanted for name, schema, _, params in [queries[key]]}


def _statement_evidence(store: Store, viewer: Viewer, findings: list[Finding]) -> dict[tuple[str, str], list[Evidence]]:
    """The statements flags rest on besides payments, by what their details name (`_resting_on`): a listed
    holder's sanction topics (by canonical id), the trips a holder took and the ownerships that make accounts
    theirs (by entity id), the contacts holders share (by statement id)."""
    wanted: dict[str, set[str]] = {"topics": set(), "entity": set(), "statement": set()}
    holder_of: dict[str, str] = {}
    for finding in findings:
        for how, ref in _resting_on(finding):
            wanted[how].add(ref)
        holder_of.update((e["statement_id"], e["holder_id"]) for e in finding.details.get("shared_contacts", ()))
    found: dict[tuple[str, str], list[Evidence]] = {}
    for how, by, where in (("topics", S.canonical_id, (S.prop == "topics",)), ("entity", S.entity_id, ()),
                           ("statement", S.id, ())):
        for ref, rows in cited_statements(store, viewer, "read", by, wanted[how], *where).items() if wanted[how] else ():
            found[(how, ref)] = [Evidence("statement", sid, holder_of.get(ref, ref), labels) for sid, labels, _ in rows]
    return found


def _resting_on(finding: Finding) -> list[tuple[str, str]]:
    """(how it is cited, id) of what a flag rests on besides payments, as `_statement_evidence` finds it."""
    details = finding.details
    return [("topics", e["holder_id"]) for e in details.get("listed", ())] \
        + [("entity", e["ownership_id"]) for e in details.get("listed", ()) if e["ownership_id"]] \
        + [("entity", ref) for e in details.get("departures", ()) for ref in (e["trip_id"], e["ownership_id"])] \
        + [item for e in details.get("shared_contacts", ())
           for item in (("statement", e["statement_id"]), ("entity", e["ownership_id"]))]


def _alert(finding: Finding, labels: dict, config: TypologyConfig, resting: dict[tuple[str, str], list[Evidence]],
           learnt: tuple[Evidence, ...]) -> NewAlert:
    statements = [e for key in _resting_on(finding) for e in resting.get(key, ())]
    return NewAlert(
        kind=finding.kind, subject=f"{finding.kind}/{finding.name}/{finding.account_ids[0]}/{finding.start.isoformat()}",
        fingerprint=hashlib.sha256("\n".join(sorted(finding.transactions)).encode()).hexdigest()[:16],
        title=f"{finding.name}: {finding.words}", score=round(finding.score, 6),
        explanation={finding.kind: finding.name, "words": finding.words, "accounts": finding.accounts,
                     "account_ids": finding.account_ids, "transactions": finding.transactions[:config.evidence_cap],
                     "transaction_count": len(finding.transactions), "start": finding.start.isoformat(),
                     "finish": finding.finish.isoformat(), "total": finding.total, "currency": finding.currency,
                     **finding.details},
        evidence=tuple(Evidence("transaction", t, labels[t][0], labels[t][1]) for t in finding.transactions)
        + tuple(dict.fromkeys(statements)) + learnt,
    )


def alert_transactions(store: Store, viewer: Viewer, home: Path, alert: dict) -> list[dict]:
    """The transactions an alert (as `get_alert` gave it) cites, in time order: what a reviewer weighs."""
    cited = sorted(e["ref_id"] for e in alert["evidence"] if e["ref_kind"] == "transaction")
    if not cited:
        return []
    rows = _transactions(store, viewer, home, cited, "read")
    audit.log_event(store, viewer, "alerts.transactions", {"purpose": viewer.purpose, "id": alert["id"]},
                    [r["id"] for r in rows])
    return rows


def _transactions(store: Store, viewer: Viewer, home: Path, ids: list[str], action: str) -> list[dict]:
    with ledger_session(store, viewer, home, action=action) as session:
        session.register("wanted_transactions", pa.table({"id": pa.array(ids, pa.string())}))
        return session.run("detect_cited_transactions").to_pylist()


def goaml_report(store: Store, viewer: Viewer, home: Path, alert_id: int, rentity_id: str,
                 profile: Path | None = None) -> bytes:
    """A goAML report of the transactions a typology alert cites, to disseminate to an FIU: a release, so it
    needs the export role and only transactions the viewer may export (ORCON withheld) can be in it."""
    require(viewer, "export")
    alert = get_alert(store, viewer, alert_id)
    if alert["kind"] not in (KIND, RULE, MODEL):
        raise InvalidInput(f"alert {alert_id} is a {alert['kind']} alert: only typology, rule and model alerts cite "
                           "transactions")
    cited = sorted(e["ref_id"] for e in alert["evidence"] if e["ref_kind"] == "transaction")
    rows = _transactions(store, viewer, home, cited, "export")
    if {r["id"] for r in rows} != set(cited):
        raise Forbidden(f"alert {alert_id} cites transactions you may not release")
    try:
        report = write_report(rows, f"NEXUS-ALERT-{alert_id}", alert["explanation"]["words"], rentity_id,
                              alert["explanation"][alert["kind"]], load_profile(profile),
                              datetime.now(UTC))
    except SourceError as exc:
        raise InvalidInput(str(exc)) from None
    audit.log_event(store, viewer, "alerts.goaml", {"purpose": viewer.purpose, "id": alert_id, "rentity": rentity_id,
                                                    "transactions": len(rows)}, [str(alert_id)])
    return report
