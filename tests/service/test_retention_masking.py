"""Masking leaves nothing readable that tells who a masked traveller is (an alert's subject, score and the evidence
naming its match; a document's country and dates), unmasking on approval brings it all back, and a retention run
is idempotent: run again it changes and reports nothing, run later it reports only what it newly masked."""

import orjson
import pytest
from sqlalchemy import delete, insert, select, update

from nexus.errors import InvalidInput
from nexus.ingest import ingest
from nexus.model import Classification, Labels
from nexus.model import retention as retention_model
from nexus.model.retention import retention_profile
from nexus.security.viewer import Viewer
from nexus.service.alerts import get_alert, list_alerts, review_alert
from nexus.service.retention import run_retention
from nexus.service.travel import receive_message
from nexus.service.unmasking import decide_unmask, request_unmask, unmasked
from nexus.sources import get_format
from nexus.sources.travel.records import Document, Leg, Manifest, Traveller
from nexus.sources.travel.write import write_paxlst
from nexus.store.schema import (
    alert_evidence, alerts, audit_log, masked_alerts, masked_statements, retention_runs, statements,
)

TARGETER = Viewer("tina", "PIU", frozenset({"targeter"}), Classification.SECRET)
SUPERVISOR = Viewer("sam", "PIU", frozenset({"supervisor"}), Classification.SECRET)
ADMIN = Viewer("root", "PIU", frozenset({"administrator"}), Classification.SECRET)
POLICE = Viewer("pete", "POLICE", frozenset({"analyst"}), Classification.SECRET)
LISTED = Traveller("BOUT", "VIKTOR", birth_date="1967-01-13", nationality="RUS",
                   documents=[Document("P", "21N0588", "RUS", "2030-01-01")])
CARDED = Traveller("KOVAL", "OLENA", birth_date="1979-04-04", nationality="UKR",
                   documents=[Document("I", "UA445566", "UKR", "2029-09-09")])
LEG = Leg("TK", "1980", "LOS", "IST", "2025-03-02T10:00", "2025-03-02T17:00")
LATER_LEG = Leg("TK", "1981", "IST", "LOS", "2025-06-02T10:00", "2025-06-02T17:00")
DOCUMENT_DATA = {"number", "country", "endDate", "startDate", "authority"}


@pytest.fixture
def listed(store, tmp_path):
    path = tmp_path / "list.json"
    path.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in (
        {"id": "un-1", "schema": "Person", "properties": {"name": ["Viktor Bout"], "birthDate": ["1967-01-13"],
                                                          "topics": ["sanction"]}},
        {"id": "un-2", "schema": "Person", "properties": {"name": ["Olena Koval"], "birthDate": ["1979-04-04"],
                                                          "topics": ["sanction"]}})))
    store.register_source("un", "ftm", Labels("UNSC", Classification.UNCLASSIFIED), is_list=True)
    ingest(store, "un", path, get_format("ftm").read(path))
    return store


def api_message(*travellers, reference="M1", leg=LEG):
    return write_paxlst(Manifest(reference, [leg], list(travellers))).encode()


def _ahead(months: int) -> str:
    from datetime import UTC, datetime, timedelta

    return (datetime.now(UTC) + timedelta(days=round(months * 30.5))).isoformat()


def _receive_at(store, monkeypatch, months: int, *travellers, reference: str):
    """Receive a message of a later flight as if `months` from now (the clock the store stamps last_seen with)."""
    from nexus.store import store as store_module

    moment = _ahead(months).replace("+00:00", "")[:26]
    with monkeypatch.context() as clock:
        clock.setattr(store_module, "utc_now", lambda: moment)
        clock.setattr("nexus.ingest.utc_now", lambda: moment)
        message = api_message(*travellers, reference=reference, leg=LATER_LEG)
        return receive_message(store, TARGETER, message, f"{reference}.edi", "paxlst", "api")


def _names_the_match(alert: dict, listed_id: str) -> list[str]:
    found = [f"subject {alert['subject']}"] if listed_id in alert["subject"] else []
    found += [f"evidence {e['ref_id']}" for e in alert["evidence"] if e["entity_id"] == listed_id]
    return found + ([f"score {alert['score']}"] if alert["score"] is not None else [])


def test_a_masked_alert_names_no_match_and_unmasking_brings_it_all_back(listed):
    receive_message(listed, TARGETER, api_message(LISTED, CARDED), "api-1.edi", "paxlst", "api")
    (alert_id, other_id) = sorted(a["id"] for a in list_alerts(listed, TARGETER, kind="travel"))
    before = get_alert(listed, TARGETER, alert_id)
    assert before["explanation"]["listed"]["entity_id"] == "un-1" and _names_the_match(before, "un-1")
    assert run_retention(listed, ADMIN, now=_ahead(2)) == {}  # not due: the review of unmasked alerts is untouched
    assert get_alert(listed, TARGETER, alert_id) == before
    with pytest.raises(Exception):
        get_alert(listed, POLICE, alert_id)

    assert run_retention(listed, ADMIN, now=_ahead(7))["api"]["masked_alerts"] == 2
    after = get_alert(listed, TARGETER, alert_id)
    assert _names_the_match(after, "un-1") == []  # no list entry in its subject or evidence, and no score
    assert "BOUT" not in str(after).upper()
    assert after["subject"].startswith("record/PIU/") and after["labels"] == before["labels"]
    assert [(e["agency"], e["entity_id"]) for e in after["evidence"] if e["ref_kind"] == "withheld"] == [("UNSC", None)]
    assert list_alerts(listed, TARGETER, entity_id="un-1") == []  # the list entry leads to no masked traveller
    assert list_alerts(listed, TARGETER, entity_id="un-2") == []
    with pytest.raises(Exception):  # who may see it is as before
        get_alert(listed, POLICE, alert_id)
    review_alert(listed, TARGETER, alert_id, "unsure", "masked: cannot judge without unmasking")  # still reviewable

    # a masked document keeps no country (the nationality), no dates and no place of issue
    with listed.engine.connect() as conn:
        live = conn.execute(select(statements.c.schema, statements.c.prop).where(
            statements.c.source == "api", statements.c.schema.in_(["Passport", "Identification"]))).all()
        hidden = set(conn.execute(select(masked_statements.c.schema, masked_statements.c.prop).where(
            masked_statements.c.schema.in_(["Passport", "Identification"]))).all())
    assert {prop for _, prop in live} <= {"id", "holder", "type"}
    assert {(s, p) for s in ("Passport", "Identification") for p in ("number", "country", "endDate")} <= hidden

    person_id = next(e["entity_id"] for e in after["evidence"] if e["ref_kind"] == "statement"
                     and e["entity_id"] != before["explanation"]["trip_id"])
    request = request_unmask(listed, TARGETER, person_id, "case 2026/9")
    decide_unmask(listed, SUPERVISOR, request, True, "necessary")
    shown = unmasked(listed, TARGETER, person_id)
    (words,) = shown["alerts"]
    assert words["alert_id"] == alert_id and "BOUT" in words["title"].upper()
    assert orjson.loads(words["explanation"]) == before["explanation"]
    assert words["subject"] == before["subject"] and words["score"] == before["score"]
    assert sorted(e["ref_id"] for e in words["evidence"]) == sorted(
        e["ref_id"] for e in before["evidence"] if e["entity_id"] == "un-1")
    values = {(r["prop"], r["value"]) for r in shown["statements"]}
    assert {("lastName", "BOUT"), ("country", "ru"), ("endDate", "2030-01-01"), ("number", "21N0588")} <= values
    assert other_id not in {a["alert_id"] for a in shown["alerts"]}


def test_a_retention_run_again_changes_and_reports_nothing_and_a_later_one_only_what_it_newly_masked(listed,
                                                                                                   monkeypatch):
    receive_message(listed, TARGETER, api_message(LISTED), "api-1.edi", "paxlst", "api")
    _receive_at(listed, monkeypatch, 3, CARDED, reference="M2")
    first, second = sorted(a["id"] for a in list_alerts(listed, TARGETER, kind="travel"))

    at = _ahead(7)
    assert run_retention(listed, ADMIN, now=at)["api"]["masked_alerts"] == 1
    with listed.engine.connect() as conn:
        kept = conn.execute(select(masked_alerts)).mappings().all()
    shown = get_alert(listed, TARGETER, first)
    assert run_retention(listed, ADMIN, now=at) == {}  # the same time again: nothing
    assert run_retention(listed, ADMIN, now=_ahead(8)) == {}  # later, with nothing new due: nothing
    with listed.engine.connect() as conn:
        assert conn.execute(select(masked_alerts)).mappings().all() == kept  # not redacted again
        reports = [orjson.loads(r) for r in conn.execute(select(retention_runs.c.report)
                                                          .order_by(retention_runs.c.id)).scalars()]
    assert get_alert(listed, TARGETER, first) == shown
    assert reports[1:] == [{}, {}]  # oversight is told of each alert once

    at = _ahead(10)
    later = run_retention(listed, ADMIN, now=at)["api"]
    assert later["masked"] > 0 and later["masked_alerts"] == 1  # the second traveller's alert alone
    assert run_retention(listed, ADMIN, now=at) == {}
    assert _names_the_match(get_alert(listed, TARGETER, second), "un-2") == []


def test_every_identifying_document_field_is_masked_and_a_misspelt_property_is_refused(monkeypatch, tmp_path):
    for jurisdiction in ("eu", "us"):
        for format, policy in retention_profile(jurisdiction).formats.items():
            for schema in ("Passport", "Identification"):
                assert DOCUMENT_DATA <= set(policy.masked[schema]), (jurisdiction, format, schema)
            assert {"nationality", "country", "birthDate", "passportNumber", "idNumber"} <= set(policy.masked["Person"])
    profiles = tmp_path / "retention.yml"
    profiles.write_text("xx:\n  formats:\n    paxlst:\n      mask_after_days: 1\n"
                        "      masked: {Passport: [number, expiryDate]}\n")
    monkeypatch.setattr(retention_model, "PROFILES", profiles)
    retention_model._profiles.cache_clear()
    try:
        with pytest.raises(InvalidInput, match="expiryDate"):
            retention_profile("xx")
    finally:
        retention_model._profiles.cache_clear()


def test_an_alert_an_older_run_redacted_in_words_only_is_completed_once(listed):
    receive_message(listed, TARGETER, api_message(LISTED), "api-1.edi", "paxlst", "api")
    (alert,) = list_alerts(listed, TARGETER, kind="travel")
    before = get_alert(listed, TARGETER, alert["id"])
    run_retention(listed, ADMIN, now=_ahead(7))
    with listed.engine.begin() as conn:  # as a run before the fix left it: words redacted, the match named
        kept = conn.execute(select(masked_alerts)).mappings().one()
        packed = retention_model.unpack_alert(kept["explanation"])
        conn.execute(update(masked_alerts).values(explanation=packed["explanation"]))
        conn.execute(update(alerts).where(alerts.c.id == alert["id"]).values(subject=packed["subject"],
                                                                             score=packed["score"]))
        conn.execute(delete(alert_evidence).where(alert_evidence.c.ref_kind == "withheld"))
        conn.execute(insert(alert_evidence), [e | {"alert_id": alert["id"]} for e in packed["evidence"]])
    assert _names_the_match(get_alert(listed, TARGETER, alert["id"]), "un-1")

    at = _ahead(8)
    assert run_retention(listed, ADMIN, now=at)["api"]["masked_alerts"] == 1
    assert run_retention(listed, ADMIN, now=at) == {}
    assert _names_the_match(get_alert(listed, TARGETER, alert["id"]), "un-1") == []
    person_id = before["explanation"]["person_id"]
    decide_unmask(listed, SUPERVISOR, request_unmask(listed, TARGETER, person_id, "case 2026/10"), True, "necessary")
    (words,) = unmasked(listed, TARGETER, person_id)["alerts"]
    assert words["title"] == before["title"] and orjson.loads(words["explanation"]) == before["explanation"]
    assert words["subject"] == before["subject"] and words["score"] == before["score"]


def test_masking_takes_the_fingerprint_and_the_reviews_reasons_and_unmasking_shows_them(listed):
    receive_message(listed, TARGETER, api_message(LISTED), "api-1.edi", "paxlst", "api")
    (alert,) = list_alerts(listed, TARGETER, kind="travel")
    reason = "not the Viktor Bout on the UN list: born elsewhere"
    review_alert(listed, TARGETER, alert["id"], "dismissed", reason)
    before = get_alert(listed, TARGETER, alert["id"])
    with listed.engine.connect() as conn:
        key = conn.execute(select(alerts.c.key).where(alerts.c.id == alert["id"])).scalar()
        trail = conn.execute(select(audit_log).order_by(audit_log.c.seq)).mappings().all()
    assert any(reason in str(r) for r in trail)

    run_retention(listed, ADMIN, now=_ahead(7))
    after = get_alert(listed, TARGETER, alert["id"])
    # the fingerprint of a screening hit is what screening a name shows anyone: the masked alert has none of it
    assert after["fingerprint"] == f"withheld-{alert['id']}" and before["fingerprint"] not in str(after)
    assert [h["reason"] for h in after["history"]] == ["[masked]"] and "BOUT" not in str(after).upper()
    assert [h["state"] for h in after["history"]] == [h["state"] for h in before["history"]]  # the reviews stay
    with listed.engine.connect() as conn:
        assert conn.execute(select(alerts.c.key).where(alerts.c.id == alert["id"])).scalar() == key
        assert conn.execute(select(audit_log).order_by(audit_log.c.seq).limit(len(trail))).mappings().all() == trail

    person_id = before["explanation"]["person_id"]
    decide_unmask(listed, SUPERVISOR, request_unmask(listed, TARGETER, person_id, "case 2026/11"), True, "necessary")
    (words,) = unmasked(listed, TARGETER, person_id)["alerts"]
    assert words["fingerprint"] == before["fingerprint"]
    assert words["history"] == before["history"]


@pytest.mark.parametrize("change", ["compartmented", "deleted"])
def test_unmasking_shows_no_words_of_an_alert_whose_match_the_requester_may_no_longer_read(listed, change):
    receive_message(listed, TARGETER, api_message(LISTED), "api-1.edi", "paxlst", "api")
    (alert,) = list_alerts(listed, TARGETER, kind="travel")
    before = get_alert(listed, TARGETER, alert["id"])
    run_retention(listed, ADMIN, now=_ahead(7))
    with listed.engine.begin() as conn:
        listed_entry = statements.c.source == "un"
        if change == "deleted":
            conn.execute(delete(statements).where(listed_entry))
        else:
            conn.execute(update(statements).where(listed_entry).values(compartment="HUMINT"))
    person_id = before["explanation"]["person_id"]
    decide_unmask(listed, SUPERVISOR, request_unmask(listed, TARGETER, person_id, "case 2026/12"), True, "necessary")
    shown = unmasked(listed, TARGETER, person_id)
    for words in shown["alerts"]:
        assert words["title"] is None and words["explanation"] is None and words["subject"] is None
        assert words["evidence"] == [] and words["fingerprint"] is None
    assert "BOUT" not in str(shown["alerts"]).upper() and "un-1" not in str(shown["alerts"])
    assert {("lastName", "BOUT")} <= {(r["prop"], r["value"]) for r in shown["statements"]}  # the traveller's own


def test_an_alert_without_score_an_older_run_redacted_in_words_only_is_completed(listed):
    receive_message(listed, TARGETER, api_message(LISTED), "api-1.edi", "paxlst", "api")
    (alert,) = list_alerts(listed, TARGETER, kind="travel")
    before = get_alert(listed, TARGETER, alert["id"])
    run_retention(listed, ADMIN, now=_ahead(7))
    with listed.engine.begin() as conn:  # as a run before the fix left an alert that had no score
        kept = conn.execute(select(masked_alerts)).mappings().one()
        packed = retention_model.unpack_alert(kept["explanation"])
        conn.execute(update(masked_alerts).values(explanation=packed["explanation"]))
        conn.execute(update(alerts).where(alerts.c.id == alert["id"]).values(
            subject=packed["subject"], score=None, fingerprint=before["fingerprint"]))
        conn.execute(delete(alert_evidence).where(alert_evidence.c.ref_kind == "withheld"))
        conn.execute(insert(alert_evidence), [e | {"alert_id": alert["id"]} for e in packed["evidence"]])
    assert "evidence" in " ".join(_names_the_match(get_alert(listed, TARGETER, alert["id"]), "un-1"))

    at = _ahead(8)
    assert run_retention(listed, ADMIN, now=at)["api"]["masked_alerts"] == 1
    assert run_retention(listed, ADMIN, now=at) == {}
    after = get_alert(listed, TARGETER, alert["id"])
    assert _names_the_match(after, "un-1") == [] and after["fingerprint"] == f"withheld-{alert['id']}"
    person_id = before["explanation"]["person_id"]
    decide_unmask(listed, SUPERVISOR, request_unmask(listed, TARGETER, person_id, "case 2026/13"), True, "necessary")
    (words,) = unmasked(listed, TARGETER, person_id)["alerts"]
    assert orjson.loads(words["explanation"]) == before["explanation"] and words["subject"] == before["subject"]
    assert words["fingerprint"] == before["fingerprint"]


def test_a_redacted_alert_is_not_packed_again(listed):
    receive_message(listed, TARGETER, api_message(LISTED), "api-1.edi", "paxlst", "api")
    (alert,) = list_alerts(listed, TARGETER, kind="travel")
    before = get_alert(listed, TARGETER, alert["id"])
    run_retention(listed, ADMIN, now=_ahead(7))
    with listed.engine.begin() as conn:  # masked in title, with a score again: its record is what says it is done
        kept = conn.execute(select(masked_alerts)).mappings().one()
        conn.execute(update(alerts).where(alerts.c.id == alert["id"]).values(score=0.5))
    assert run_retention(listed, ADMIN, now=_ahead(8)) == {}
    with listed.engine.connect() as conn:
        assert conn.execute(select(masked_alerts)).mappings().one() == kept
    person_id = before["explanation"]["person_id"]
    decide_unmask(listed, SUPERVISOR, request_unmask(listed, TARGETER, person_id, "case 2026/14"), True, "necessary")
    (words,) = unmasked(listed, TARGETER, person_id)["alerts"]
    assert orjson.loads(words["explanation"]) == before["explanation"]
