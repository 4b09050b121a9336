"""The alert queue on both databases: raise, review, re-run, labels, visibility, audit."""

import orjson
import pyarrow as pa
import pytest
from sqlalchemy import select

from nexus.errors import Conflict, Forbidden, InvalidInput, NotFound
from nexus.ingest import ingest
from nexus.model import Classification, Labels
from nexus.security.users import create_user
from nexus.security.viewer import Viewer
from nexus.service.alerts import Evidence, NewAlert, get_alert, list_alerts, raise_alerts, review_alert
from nexus.service.screening import screen, screen_holdings
from nexus.sources import get_format
from nexus.store.schema import audit_log, statements

LEAD = Viewer("lead", "POLICE", frozenset({"analyst"}), Classification.SECRET, frozenset({"CEDAR"}))
CLERK = Viewer("clerk", "POLICE", frozenset({"analyst"}), Classification.RESTRICTED)
OUTSIDER = Viewer("customs", "CUSTOMS", frozenset({"analyst"}), Classification.TOP_SECRET, frozenset({"CEDAR"}))


def load(store, tmp_path, name, labels, entities, is_list=False):
    path = tmp_path / f"{name}.json"
    path.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in entities))
    store.register_source(name, "ftm", labels, is_list=is_list)
    ingest(store, name, path, get_format("ftm").read(path))


def person(entity_id, name, birth_date, **more):
    return {"id": entity_id, "schema": "Person",
            "properties": {"name": [name], "birthDate": [birth_date], **{k: [v] for k, v in more.items()}}}


@pytest.fixture
def world(store, tmp_path):
    load(store, tmp_path, "sanctions", Labels("UNSC", Classification.UNCLASSIFIED),
         [person("w1", "Viktor Bout", "1967-01-13")], is_list=True)
    load(store, tmp_path, "police", Labels("POLICE", Classification.SECRET, releasable_to=("POLICE",), compartment="CEDAR"),
         [person("p1", "Viktor Bout", "1967-01-13"), person("p2", "Anna Smith", "1990-02-02")])
    return store


def the_alert(store, viewer=LEAD):
    (alert,) = list_alerts(store, viewer, kind="screening")
    return alert


def test_screening_holdings_raises_one_alert_per_hit_labelled_as_its_evidence(world):
    queries, hits = screen_holdings(world, LEAD)
    assert queries.num_rows == 2 and hits.column("query_id").to_pylist() == ["p1"]
    alert = the_alert(world)
    assert alert["state"] == "open" and alert["score"] >= 0.9 and "Viktor Bout" in alert["title"]
    assert alert["labels"] == {"classification": "SECRET", "releasable_to": "POLICE", "compartments": "CEDAR",
                               "orcon": False, "warrants": ""}
    shown = get_alert(world, LEAD, alert["id"])
    cited = {(e["ref_kind"], e["entity_id"]) for e in shown["evidence"]}
    assert cited == {("statement", "p1"), ("statement", "w1")}
    assert shown["explanation"]["listed"]["entity_id"] == "w1" and shown["explanation"]["reasons"]
    assert shown["history"] == []
    assert list_alerts(world, LEAD, entity_id="w1") and not list_alerts(world, LEAD, entity_id="p2")
    assert not list_alerts(world, LEAD, min_score=1.01)


def test_a_viewer_sees_an_alert_only_if_they_may_see_all_its_evidence(world):
    screen_holdings(world, LEAD)
    alert_id = the_alert(world)["id"]
    for viewer in (CLERK, OUTSIDER):  # below its classification; not releasable to their agency
        assert list_alerts(world, viewer) == []
        with pytest.raises(NotFound):
            get_alert(world, viewer, alert_id)
        with pytest.raises(NotFound):
            review_alert(world, viewer, alert_id, "confirmed")


def test_review_confirm_dismiss_and_rerun_keeps_the_decision(world):
    screen_holdings(world, LEAD)
    alert = the_alert(world)
    review_alert(world, LEAD, alert["id"], "confirmed", "same person, same date of birth")
    _, hits = screen_holdings(world, LEAD)
    assert hits.column("alert_state").to_pylist() == ["confirmed"]
    again = the_alert(world)
    assert again["id"] == alert["id"] and again["state"] == "confirmed" and again["last_raised"] > alert["last_raised"]

    with pytest.raises(InvalidInput, match="reason"):
        review_alert(world, LEAD, alert["id"], "dismissed", "  ")
    with pytest.raises(InvalidInput, match="decision"):
        review_alert(world, LEAD, alert["id"], "maybe", "x")
    with pytest.raises(Conflict):
        review_alert(world, LEAD, alert["id"], "dismissed", "different person", expected_state="open")
    review_alert(world, LEAD, alert["id"], "dismissed", "different person", expected_state="confirmed")
    _, hits = screen_holdings(world, LEAD)
    assert hits.num_rows == 0  # a dismissed alert is not raised again
    shown = get_alert(world, LEAD, alert["id"])
    assert shown["state"] == "dismissed" and shown["last_raised"] == again["last_raised"]
    assert [(h["previous_state"], h["state"], h["reason"], h["username"]) for h in shown["history"]] == [
        ("open", "confirmed", "same person, same date of birth", "lead"),
        ("confirmed", "dismissed", "different person", "lead"),
    ]


def test_a_change_in_the_data_it_rested_on_raises_it_anew(world, tmp_path):
    screen_holdings(world, LEAD)
    old = the_alert(world)
    review_alert(world, LEAD, old["id"], "dismissed", "different person")
    load(world, tmp_path, "sanctions", Labels("UNSC", Classification.UNCLASSIFIED),
         [person("w1", "Viktor Bout", "1967-01-13", nationality="ru")], is_list=True)
    _, hits = screen_holdings(world, LEAD)
    assert hits.column("alert_state").to_pylist() == ["open"]
    (new,) = list_alerts(world, LEAD, state="open")
    assert new["id"] != old["id"] and new["fingerprint"] != old["fingerprint"]
    assert [a["id"] for a in list_alerts(world, LEAD, state="dismissed")] == [old["id"]]


def test_raising_reading_and_reviewing_are_audited(world):
    screen_holdings(world, LEAD)
    alert_id = the_alert(world)["id"]
    get_alert(world, LEAD, alert_id)
    review_alert(world, LEAD, alert_id, "escalated", "needs the financial picture")
    with world.engine.connect() as conn:
        records = conn.execute(select(audit_log.c.action, audit_log.c.query, audit_log.c.result_ids)
                               .where(audit_log.c.action.like("alerts.%")).order_by(audit_log.c.seq)).all()
    assert [r.action for r in records] == ["alerts.raise", "alerts.list", "alerts.read", "alerts.review"]
    assert all(orjson.loads(r.result_ids) == [str(alert_id)] for r in records)
    assert orjson.loads(records[-1].query) == {"id": alert_id, "from": "open", "decision": "escalated",
                                              "reason": "needs the financial picture"}


def test_an_ad_hoc_question_raises_an_alert_of_the_asking_agency_only(world):
    question = pa.table({"id": ["q1"], "name": ["Viktor Bout"], "birth_date": ["1967"]})
    (police,) = screen(world, LEAD, question, alerts=True).column("alert_id").to_pylist()
    (customs,) = screen(world, OUTSIDER, question, alerts=True).column("alert_id").to_pylist()
    assert police != customs
    assert [a["id"] for a in list_alerts(world, LEAD)] == [police]
    assert [a["id"] for a in list_alerts(world, OUTSIDER)] == [customs]
    review_alert(world, OUTSIDER, customs, "dismissed", "our customer, known to us")
    assert screen(world, OUTSIDER, question).num_rows == 0
    assert screen(world, LEAD, question).num_rows == 1  # one agency's dismissal is its own


def test_an_entity_finds_the_alerts_citing_any_of_its_records(world):
    from sqlalchemy import update

    from nexus.store.schema import statements

    screen_holdings(world, LEAD)
    with world.engine.begin() as conn:  # resolution merges the listed record into a canonical entity
        conn.execute(update(statements).where(statements.c.entity_id.in_(["w1"])).values(canonical_id="nx-bout"))
    assert [a["id"] for a in list_alerts(world, LEAD, entity_id="nx-bout")] == [the_alert(world)["id"]]
    assert list_alerts(world, LEAD, entity_id="w1") and not list_alerts(world, LEAD, entity_id="nx-nobody")


@pytest.fixture
def shared_hit(store, tmp_path):
    """POLICE's own screening alert on a record every agency may see: (store, alert as its lead sees it)."""
    load(store, tmp_path, "sanctions", Labels("UNSC", Classification.UNCLASSIFIED),
         [person("w1", "Viktor Bout", "1967-01-13")], is_list=True)
    load(store, tmp_path, "police", Labels("POLICE", Classification.RESTRICTED, releasable_to=("*",)),
         [person("p1", "Viktor Bout", "1967-01-13")])
    screen_holdings(store, LEAD)
    alert = the_alert(store)
    return store, alert


def test_an_agencys_own_alert_is_decided_by_that_agency_alone(shared_hit):
    # Its evidence is every agency's to see, so another agency sees the alert: it may read it, not silence it.
    store, alert = shared_hit
    assert the_alert(store, OUTSIDER)["id"] == alert["id"]
    with pytest.raises(Forbidden, match="only POLICE decides"):
        review_alert(store, OUTSIDER, alert["id"], "dismissed", "not him")
    assert get_alert(store, LEAD, alert["id"])["state"] == "open"
    assert review_alert(store, CLERK, alert["id"], "dismissed", "not him")["state"] == "dismissed"


def test_a_red_flag_alert_is_decided_by_those_who_may_see_it_whatever_its_rule_is_called(world):
    # its subject names the rule (`rule/<rule>/<account>/<start>`), not an agency
    (raised,) = raise_alerts(world, LEAD, [NewAlert(
        kind="rule", subject="rule/cash-near-conflict/acct-001-a1/2022-09-01T00:00:00", fingerprint="1",
        title="cash near a conflict zone", score=0.9, explanation={"rule": "cash-near-conflict"},
        evidence=(Evidence("query", "rule run 1", None, Labels("POLICE", Classification.RESTRICTED)),))],
        "judge").values()
    assert review_alert(world, CLERK, raised[0], "confirmed", "drawn in Gaziantep")["state"] == "confirmed"


def test_who_decides_an_alert_filters_the_list(world):
    """CUSTOMS' own screening hit is decided by CUSTOMS alone; a POLICE analyst decides the rest."""
    evidence = [Evidence("statement", s["id"], "w1", Labels.from_row(s)) for s in _statements_of(world, "w1")]
    alerts = [NewAlert("screening", "record/CUSTOMS/c9:w1", "f1", "CUSTOMS' own hit", 0.9, {}, tuple(evidence)),
              NewAlert("screening", "list/w1", "f2", "a list hit", 0.8, {}, tuple(evidence))]
    raise_alerts(world, OUTSIDER, alerts, "screen")
    titled = {a["title"]: a["id"] for a in list_alerts(world, LEAD)}
    theirs, ours = titled["CUSTOMS' own hit"], titled["a list hit"]
    ids = lambda viewer, decider: {a["id"] for a in list_alerts(world, viewer, decider=decider)}  # noqa: E731
    assert (ids(LEAD, "mine"), ids(LEAD, "others"), ids(LEAD, "anyone")) == ({ours}, {theirs}, {ours, theirs})
    with pytest.raises(InvalidInput):
        list_alerts(world, LEAD, decider="nobody")


def _statements_of(store, entity_id):
    with store.engine.connect() as conn:
        return conn.execute(select(statements).where(statements.c.entity_id == entity_id)).mappings().all()


def test_another_agencys_own_alert_names_the_agency_not_its_staff(shared_hit):
    store, alert = shared_hit
    review_alert(store, CLERK, alert["id"], "confirmed", "him")
    ours, theirs = get_alert(store, LEAD, alert["id"]), get_alert(store, OUTSIDER, alert["id"])
    assert ours["raised_by"] == "lead" and [h["username"] for h in ours["history"]] == ["clerk"]
    assert theirs["raised_by"] == "POLICE" and [h["username"] for h in theirs["history"]] == ["POLICE"]
    assert the_alert(store, OUTSIDER)["raised_by"] == "POLICE"


def test_an_alert_another_agencys_analyst_raised_names_their_agency(world):
    create_user(world, "customs", "CUSTOMS", ["analyst"], Classification.TOP_SECRET, ["CEDAR"])
    evidence = [Evidence("statement", s["id"], "w1", Labels.from_row(s)) for s in _statements_of(world, "w1")]
    raise_alerts(world, OUTSIDER, [NewAlert("rule", "rule/cash/acct-1/2024-01-01", "f", "cash", 0.9, {},
                                            tuple(evidence))], "judge")
    (alert,) = list_alerts(world, LEAD, kind="rule")
    assert alert["raised_by"] == "CUSTOMS" and get_alert(world, OUTSIDER, alert["id"])["raised_by"] == "customs"
