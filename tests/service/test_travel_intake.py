"""The PIU's intake on both databases: every traveller screened into the review queue, targeting rules
linted and run only once a second person approved them, retention that masks and deletes as the
jurisdiction says, unmasking on approval; every step audited."""

import json

import orjson
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from nexus.cli import app
from nexus.errors import Conflict, Forbidden, InvalidInput
from nexus.ingest import ingest
from nexus.model import Classification, Labels
from nexus.security.viewer import Viewer
from nexus.service.alerts import get_alert, list_alerts, review_alert
from nexus.service.retention import retention_reports, run_retention
from nexus.service.screening import screen_holdings
from nexus.service.targeting import decide_rule, lint_rule, propose_rule, retire_rule
from nexus.service.travel import receive_message
from nexus.service.unmasking import decide_unmask, request_unmask, unmasked
from nexus.sources import get_format
from nexus.sources.travel.records import Booking, Document, Leg, Manifest, Payment, Traveller
from nexus.sources.travel.write import write_paxlst, write_pnrgov
from nexus.store.schema import audit_log, ingest_runs, masked_statements, statements

TARGETER = Viewer("tina", "PIU", frozenset({"targeter"}), Classification.SECRET)
SUPERVISOR = Viewer("sam", "PIU", frozenset({"supervisor"}), Classification.SECRET)
ADMIN = Viewer("root", "PIU", frozenset({"administrator"}), Classification.SECRET)
OVERSIGHT = Viewer("otto", "PIU", frozenset({"oversight"}), Classification.SECRET)
LISTED = Traveller("BOUT", "VIKTOR", birth_date="1967-01-13", nationality="RUS",
                   documents=[Document("P", "21N0588", "RUS", "2030-01-01")])
OTHER = Traveller("LINDQVIST", "ANNA", birth_date="1990-02-02", nationality="SWE",
                  documents=[Document("P", "SE778899", "SWE", "2031-05-05")])
LEG = Leg("TK", "1980", "LOS", "IST", "2025-03-02T10:00", "2025-03-02T17:00")
RULE = """
name: one-way-cash-late
description: one-way ticket paid in cash and booked within 48 hours of departure, via a transit point
conditions:
  - {feature: one_way, op: is, value: true}
  - {feature: payment, op: in, value: [cash]}
  - {feature: booked_hours_before_departure, op: "<=", value: 48}
"""


def api_message(*travellers, reference="M1"):
    return write_paxlst(Manifest(reference, [LEG], list(travellers))).encode()


def pnr_message(booking):
    return write_pnrgov(LEG, [booking], booking.locator).encode()


def cash_booking(created="2025-03-01T20:00"):
    return Booking("CASH01", "1A", created=created, travellers=[OTHER], legs=[LEG],
                   payments=[Payment("CA", amount="640.00")], phones=["+2348031234567"])


def test_every_traveller_is_screened_and_a_hit_awaits_review(listed):
    intake = receive_message(listed, TARGETER, api_message(LISTED, OTHER), "api-1.edi", "paxlst", "api")
    assert intake.error is None and intake.travellers == 2 and len(intake.screening_alerts) == 1
    (alert,) = list_alerts(listed, TARGETER, kind="travel")
    assert alert["state"] == "open" and "VIKTOR BOUT" in alert["title"].upper()
    shown = get_alert(listed, TARGETER, alert["id"])
    assert shown["explanation"]["listed"]["entity_id"] == "un-1"
    with pytest.raises(InvalidInput):  # nothing adverse without an officer's reason
        review_alert(listed, TARGETER, alert["id"], "confirmed", "")
    review_alert(listed, TARGETER, alert["id"], "confirmed", "same passport holder as the listing; referred")
    again = receive_message(listed, TARGETER, api_message(LISTED, OTHER), "api-1.edi", "paxlst", "api")
    assert again.result.skipped_unchanged and again.screening_alerts == []  # a re-push is not a new hit


def test_travellers_received_before_any_list_are_screened_when_pushed_again(store, load_un_list):
    """No list is an error, never an empty result: the message is held but counts as not received, so the carrier's
    re-push screens it once a list is loaded (and `nexus screen` of the holdings finds the traveller meanwhile)."""
    first = receive_message(store, TARGETER, api_message(LISTED, OTHER), "api-1.edi", "paxlst", "api")
    assert first.travellers == 2 and first.screening_alerts == []
    assert any(w.startswith("not screened: no list sources") and "counts as not received: push it again" in w
               for w in first.warnings), first.warnings
    with store.engine.connect() as conn:
        assert conn.execute(select(ingest_runs.c.status).where(ingest_runs.c.id == first.result.run_id)).scalar() \
            == "failed"
    load_un_list()
    _, hits = screen_holdings(store, TARGETER)
    assert hits.num_rows and "un-1" in hits.column("entity_id").to_pylist()
    again = receive_message(store, TARGETER, api_message(LISTED, OTHER), "api-1.edi", "paxlst", "api")
    assert not again.result.skipped_unchanged and len(again.screening_alerts) == 1
    assert not [w for w in again.warnings if "not screened" in w]
    (alert,) = list_alerts(store, TARGETER, kind="travel")
    assert "VIKTOR BOUT" in alert["title"].upper()
    assert receive_message(store, TARGETER, api_message(LISTED, OTHER), "api-1.edi", "paxlst",
                           "api").result.skipped_unchanged  # screened: received once


def test_a_rejected_message_names_its_fault_and_loads_nothing(listed):
    intake = receive_message(listed, TARGETER, b"UNB+UNOA:4+X+Y+250101:1000+REF'UNH+1+PAXLST:D:05B:UN:IATA'"
                             b"BGM+745'NAD+FL+++DOE:JOHN'UNT+4+1'UNZ+1+NOT-THE-SAME-REFERENCE-AT-ALL'", "bad.edi",
                             "paxlst", "api")
    assert intake.result is None and "UNZ" in intake.error and "at most 14" in intake.error
    with listed.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(statements).where(statements.c.source == "api")).scalar() == 0


def test_the_linter_refuses_sensitive_data_and_its_proxies():
    assert lint_rule(RULE) == []
    meal = RULE.replace("[cash]", "[cash]}\n  - {feature: agency, op: in, value: [MOML]")
    assert any("sensitive data ('moml')" in p for p in lint_rule(meal))
    religion = RULE.replace("via a transit point", "travelling for religious pilgrimage")
    assert any("'religious'" in p for p in lint_rule(religion))
    ssr = RULE.replace("feature: one_way, op: is, value: true", "feature: ssr, op: in, value: [WCHR]")
    problems = lint_rule(ssr)
    assert any("'ssr' is not a feature" in p for p in problems) and any("'wchr'" in p for p in problems)
    assert any("number" in p for p in lint_rule(RULE.replace("value: 48", "value: soon")))


def test_rules_run_only_after_a_second_person_approves_them(listed):
    with pytest.raises(InvalidInput, match="refused"):
        propose_rule(listed, TARGETER, RULE.replace("[cash]", "[KSML]"))
    row = propose_rule(listed, TARGETER, RULE)
    first = receive_message(listed, TARGETER, pnr_message(cash_booking()), "pnr-1.edi", "pnrgov", "pnr")
    assert first.rule_alerts == []  # proposed, not approved: it does not run
    with pytest.raises(Forbidden):
        decide_rule(listed, Viewer("tina", "PIU", frozenset({"supervisor"}), Classification.SECRET), row["name"], 1, True, "ok")
    with pytest.raises(Forbidden):
        decide_rule(listed, TARGETER, row["name"], 1, True, "I approve my own")
    decide_rule(listed, SUPERVISOR, row["name"], 1, True, "proportionate; reviewed with legal")
    late = cash_booking()
    late.locator = "CASH02"
    hit = receive_message(listed, TARGETER, pnr_message(late), "pnr-2.edi", "pnrgov", "pnr")
    (alert_id,) = hit.rule_alerts
    alert = get_alert(listed, TARGETER, alert_id)
    assert alert["kind"] == "travel" and alert["state"] == "open"
    assert alert["explanation"]["rule"] == "one-way-cash-late@1"
    assert alert["explanation"]["traveller"]["payment"] == ["CASH"]
    assert alert["explanation"]["traveller"]["booked_hours_before_departure"] == [14.0]
    early = cash_booking(created="2025-01-10T09:00")
    early.locator = "CASH03"
    assert receive_message(listed, TARGETER, pnr_message(early), "pnr-3.edi", "pnrgov", "pnr").rule_alerts == []
    retire_rule(listed, SUPERVISOR, row["name"], "no longer proportionate")
    retired = cash_booking()
    retired.locator = "CASH04"
    assert receive_message(listed, TARGETER, pnr_message(retired), "pnr-4.edi", "pnrgov", "pnr").rule_alerts == []
    with listed.engine.connect() as conn:
        actions = set(conn.execute(select(audit_log.c.action)).scalars())
    assert {"rules.propose", "rules.decide", "rules.retire", "travel.receive"} <= actions


def test_pnr_is_masked_after_six_months_unmasked_on_approval_and_deleted_after_five_years(listed, tmp_path):
    receive_message(listed, TARGETER, pnr_message(cash_booking()), "pnr-1.edi", "pnrgov", "pnr")
    police = tmp_path / "police.json"
    police.write_bytes(orjson.dumps({"id": "p-1", "schema": "Person", "properties": {"name": ["Jo Bloggs"]}}) + b"\n")
    listed.register_source("police", "ftm", Labels("PIU"), retention_days=30)
    ingest(listed, "police", police, get_format("ftm").read(police))
    with listed.engine.connect() as conn:
        person_id = conn.execute(select(statements.c.entity_id).where(
            statements.c.source == "pnr", statements.c.prop == "lastName")).scalar()

    assert run_retention(listed, ADMIN, now=_months_ahead(2))["police"]["deleted"] == 2  # name and entity: any source's retention
    report = run_retention(listed, ADMIN, now=_months_ahead(7))
    assert report["pnr"]["masked"] > 0
    with listed.engine.connect() as conn:
        left = set(conn.execute(select(statements.c.prop).where(statements.c.entity_id == person_id)).scalars())
    assert not left & {"name", "lastName", "phone", "birthDate", "passportNumber"}
    assert run_retention(listed, ADMIN, now=_months_ahead(7)) == {}  # idempotent

    with pytest.raises(Forbidden):
        unmasked(listed, TARGETER, person_id)
    request = request_unmask(listed, TARGETER, person_id, "case 2025/117: suspected facilitator")
    with pytest.raises(Forbidden):
        decide_unmask(listed, Viewer("tina", "PIU", frozenset({"supervisor"}), Classification.SECRET), request, True, "x")
    decide_unmask(listed, SUPERVISOR, request, True, "necessary for case 2025/117")
    values = {(r["prop"], r["value"]) for r in unmasked(listed, TARGETER, person_id)["statements"]}
    assert ("lastName", "LINDQVIST") in values and ("phone", "+2348031234567") in values
    with pytest.raises(Forbidden):  # the approval is the requester's alone
        unmasked(listed, SUPERVISOR, person_id)

    gone = run_retention(listed, ADMIN, now=_months_ahead(12 * 5 + 1))
    assert gone["pnr"]["deleted"] > 0 and gone["pnr"]["deleted_masked"] > 0
    with listed.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(statements).where(statements.c.source == "pnr")).scalar() == 0
        assert conn.execute(select(func.count()).select_from(masked_statements)).scalar() == 0
    runs = retention_reports(listed, OVERSIGHT)
    assert runs[0]["report"]["pnr"]["deleted"] > 0 and len(runs) == 4
    with pytest.raises(Forbidden):
        retention_reports(listed, TARGETER)


def _months_ahead(months: int) -> str:
    from datetime import UTC, datetime, timedelta

    return (datetime.now(UTC) + timedelta(days=round(months * 30.5))).isoformat()


def test_cli_ingest_export_and_retention(workspace, shared_data):
    runner = CliRunner()
    result = runner.invoke(app, ["ingest", "paxlst", str(shared_data / "travel" / "paxlst" / "Test1.txt"), "--source", "api"])
    assert result.exit_code == 0, result.output
    assert "8 traveller(s)" in result.output
    out = workspace / "export.json"
    result = runner.invoke(app, ["export", "ftm", "--output", str(out)])
    assert result.exit_code == 0, result.output
    entities = [json.loads(line) for line in out.read_text().splitlines()]
    steur = [e for e in entities if e["schema"] == "Person" and "Steur" in e["properties"].get("lastName", [])][0]
    assert steur["properties"]["birthDate"] == ["1978-07-06"] and steur["properties"]["passportNumber"] == ["123456789"]
    assert any(e["schema"] == "Passport" for e in entities)
    result = runner.invoke(app, ["ingest", "pnrgov", str(shared_data / "travel" / "pnrgov"), "--source", "pnr"])
    assert result.exit_code == 1 and "pnrBadFormat.txt" in result.output and "15 file(s) loaded, 1 rejected" in result.output
    result = runner.invoke(app, ["retention", "run", "--now", "2040-01-01"])
    assert result.exit_code == 0, result.output
    assert "pnr" in result.output and "api" in result.output


def test_a_pnrs_later_version_replaces_the_earlier(listed):
    first = cash_booking()
    first.last_modified = "2025-03-01T20:00"
    receive_message(listed, TARGETER, pnr_message(first), "v1.edi", "pnrgov", "pnr")
    second = cash_booking()
    second.last_modified, second.phones = "2025-03-02T06:30", ["+2348099999999"]
    second.legs = [LEG, Leg("TK", "1", "IST", "JFK", "2025-03-02T19:00", "2025-03-02T23:00")]
    receive_message(listed, TARGETER, pnr_message(second), "v2.edi", "pnrgov", "pnr")
    with listed.engine.connect() as conn:
        rows = conn.execute(select(statements.c.prop, statements.c.value).where(
            statements.c.source == "pnr", statements.c.retired_at.is_(None))).all()
    values = {(prop, value) for prop, value in rows}
    assert {v for p, v in values if p == "modifiedAt"} == {"2025-03-02T06:30"}  # the later version only
    assert ("phone", "+2348099999999") in values  # a traveller still travelling keeps what each version said
    assert [v for p, v in values if p == "description"] == [v for p, v in values if p == "description" and "TK1 IST-JFK" in v]


def test_a_message_never_takes_over_another_source(listed):
    with pytest.raises(Conflict, match="holds ftm data"):
        receive_message(listed, TARGETER, api_message(OTHER), "api.edi", "paxlst", "un")
    assert listed.get_source("un")["is_list"] and listed.get_source("un")["format"] == "ftm"


def test_masking_counts_from_the_last_receipt_and_redacts_the_alerts(listed, monkeypatch):
    receive_message(listed, TARGETER, api_message(LISTED), "api-1.edi", "paxlst", "api")
    (alert,) = list_alerts(listed, TARGETER, kind="travel")
    later = _months_ahead(5)
    from nexus.store import store as store_module  # the clock the store stamps last_seen with

    monkeypatch.setattr(store_module, "utc_now", lambda: later.replace("+00:00", "")[:26])
    monkeypatch.setattr("nexus.ingest.utc_now", lambda: later.replace("+00:00", "")[:26])
    receive_message(listed, TARGETER, api_message(LISTED, reference="M2"), "api-2.edi", "paxlst", "api")
    assert run_retention(listed, ADMIN, now=_months_ahead(8)).get("api", {}).get("masked", 0) == 0  # re-sent at 5
    masked = run_retention(listed, ADMIN, now=_months_ahead(12))["api"]
    assert masked["masked"] > 0 and masked["masked_alerts"] == 1
    redacted = get_alert(listed, TARGETER, alert["id"])
    assert "BOUT" not in redacted["title"].upper() and "BOUT" not in str(redacted["explanation"]).upper()
    person_id = redacted["evidence"][0]["entity_id"]
    request = request_unmask(listed, TARGETER, person_id, "case 2026/3")
    with pytest.raises(Forbidden):  # another agency's supervisor
        decide_unmask(listed, Viewer("max", "POLICE", frozenset({"supervisor"}), Classification.SECRET), request, True, "x")
    decide_unmask(listed, SUPERVISOR, request, True, "necessary")
    shown = unmasked(listed, TARGETER, person_id)
    assert [a["alert_id"] for a in shown["alerts"]] == [alert["id"]] and "BOUT" in shown["alerts"][0]["title"].upper()


def test_a_failure_after_storing_leaves_the_message_to_be_received_again(listed, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("screening index unavailable")

    monkeypatch.setattr("nexus.service.travel._screen", broken)
    with pytest.raises(RuntimeError):
        receive_message(listed, TARGETER, api_message(LISTED), "api-1.edi", "paxlst", "api")
    monkeypatch.undo()
    again = receive_message(listed, TARGETER, api_message(LISTED), "api-1.edi", "paxlst", "api")
    assert not again.result.skipped_unchanged and len(again.screening_alerts) == 1


def test_not_in_needs_the_feature_and_countries_compare_as_codes(listed):
    rule = """
name: not-swedish-cash
description: cash payers whose nationality is not Swedish
conditions:
  - {feature: nationality, op: not_in, value: [SWE]}
  - {feature: payment, op: in, value: [cash]}
"""
    propose_rule(listed, TARGETER, rule)
    decide_rule(listed, SUPERVISOR, "not-swedish-cash", 1, True, "test")
    swede = receive_message(listed, TARGETER, pnr_message(cash_booking()), "s.edi", "pnrgov", "pnr")
    assert swede.rule_alerts == []  # SE on the document, SWE in the rule: the same country
    stateless = cash_booking()
    stateless.locator, stateless.travellers = "CASH09", [Traveller("DOE", "JANE", birth_date="1991-01-01")]
    assert receive_message(listed, TARGETER, pnr_message(stateless), "n.edi", "pnrgov", "pnr").rule_alerts == []


def test_an_older_proposal_cannot_replace_the_running_version(listed):
    propose_rule(listed, TARGETER, RULE)
    propose_rule(listed, TARGETER, RULE.replace("48", "24"))
    decide_rule(listed, SUPERVISOR, "one-way-cash-late", 2, True, "newer")
    with pytest.raises(Conflict, match="newer"):
        decide_rule(listed, SUPERVISOR, "one-way-cash-late", 1, True, "older")
