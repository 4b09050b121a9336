"""What an outside tester of the web application found: the review queue holds what the viewer may decide, the
navigation what their roles may do, a case opened from an alert is not titled with its words, the sign-in page
speaks of the authenticator app, and every page has its icon (both databases)."""

import re

import orjson
from sqlalchemy import select

from nexus.ingest import ingest
from nexus.model import Classification, Labels
from nexus.security import auth
from nexus.security.viewer import Viewer
from nexus.service.alerts import Evidence, NewAlert, raise_alerts
from nexus.service.cases import disseminate, open_case
from nexus.service.retention import run_retention
from nexus.sources import get_format
from nexus.store.schema import statements
from test_web_app import app, attempt, sign_in  # noqa: F401 (the app fixture)

INTEL = Viewer("ivan", "INTEL", frozenset({"analyst"}), Classification.SECRET, purpose="screening holdings")


def raise_intel_alert(store) -> int:
    """A screening hit on one of INTEL's own records, citing the open list: every agency sees it, INTEL decides it."""
    with store.engine.connect() as conn:
        cited = conn.execute(select(statements).where(statements.c.entity_id == "w1").limit(1)).mappings().one()
    evidence = Evidence("statement", cited["id"], "w1", Labels.from_row(cited))
    alert = NewAlert("screening", "record/INTEL/p7:w1", "f1", "Viktor Bout (INTEL informant file)", 0.95, {},
                     (evidence,))
    ((alert_id, _),) = raise_alerts(store, INTEL, [alert], "screen").values()
    return alert_id


def raise_own_alert(client, csrf) -> int:
    hits = client.post("/api/v1/screen", json={"name": "Viktor Bout", "alerts": True}, headers={"X-CSRF-Token": csrf})
    return hits.json()["hits"][0]["alert_id"]


def linked_alerts(page) -> set[int]:
    return {int(n) for n in re.findall(r'href="/alerts/([0-9]+)"', page.text)}


def test_the_queue_holds_what_the_viewer_may_decide_and_shows_the_rest_read_only(app, store):
    theirs = raise_intel_alert(store)
    client, csrf = sign_in(app, "ana")
    mine = raise_own_alert(client, csrf)
    assert linked_alerts(client.get("/alerts")) == {mine}
    others = client.get("/alerts", params={"decider": "others"})
    assert linked_alerts(others) == {theirs} and "decided by INTEL" in others.text
    assert linked_alerts(client.get("/alerts", params={"decider": "anyone"})) == {mine, theirs}
    assert client.get("/alerts", params={"decider": "nobody"}).status_code == 422

    dashboard = client.get("/").text
    assert re.search(r"<strong>1</strong> screening alerts to review", dashboard)  # the one in the default queue

    read_only = client.get(f"/alerts/{theirs}").text
    assert "Record decision" not in read_only and 'action="/alerts/' not in read_only
    assert "Decided by INTEL" in read_only
    assert "Record decision" in client.get(f"/alerts/{mine}").text


def test_the_navigation_offers_what_the_role_may_do(app):
    oversight, _ = sign_in(app, "olga")
    nav = re.search(r"<nav>(.*?)</nav>", oversight.get("/").text, re.S).group(1)
    assert re.findall(r'href="([^"]+)"', nav) == ["/", "/audit"]
    analyst, _ = sign_in(app, "ana")
    nav = re.search(r"<nav>(.*?)</nav>", analyst.get("/").text, re.S).group(1)
    assert re.findall(r'href="([^"]+)"', nav) == ["/", "/alerts", "/cases", "/graph", "/search"]


def test_a_case_from_an_alert_is_not_titled_with_the_alerts_words(app, store, tmp_path):
    path = tmp_path / "secret.json"
    path.write_bytes(orjson.dumps({"id": "s1", "schema": "Person", "properties": {"name": ["Karim Nightjar"]}}))
    store.register_source("secret-list", "ftm", Labels(agency="POLICE", classification=Classification.SECRET,
                                                       releasable_to=("POLICE",)), is_list=True)
    ingest(store, "secret-list", path, get_format("ftm").read(path))
    client, csrf = sign_in(app, "ana")
    hits = client.post("/api/v1/screen", json={"name": "Karim Nightjar", "alerts": True, "lists": ["secret-list"]},
                       headers={"X-CSRF-Token": csrf}).json()["hits"]
    secret = hits[0]["alert_id"]
    page = client.get(f"/alerts/{secret}").text
    title = re.search(r'<input name="title"[^>]*value="([^"]*)"', page).group(1)
    assert title == f"Case from alert {secret}" and "Nightjar" not in title
    caveat = re.search(r'id="title-caveat">([^<]*)<', page).group(1)
    assert "SECRET" in caveat and "releasable to POLICE only" in caveat

    plain = raise_intel_alert(store)  # RESTRICTED and releasable to any agency: nothing to warn of
    page = client.get(f"/alerts/{plain}").text
    assert f'value="Case from alert {plain}"' in page and 'id="title-caveat"' not in page


def test_sign_in_asks_for_the_authenticator_apps_code(app, store):
    auth.enrol_totp(store, "ana")
    _, refused = attempt(app, "ana")
    assert refused.status_code == 401
    assert "6-digit code from your authenticator app" in refused.text and "--code" not in refused.text


def test_every_page_has_its_icon(app):
    client, _ = sign_in(app, "ana")
    icon = re.search(r'<link rel="icon" href="([^"]+)"', client.get("/").text).group(1)
    assert client.get(icon).headers["content-type"].startswith("image/svg+xml")
    favicon = client.get("/favicon.ico")
    assert favicon.status_code == 200 and favicon.headers["content-type"].startswith("image/svg+xml")
    assert "img-src 'self'" in favicon.headers["content-security-policy"]


def test_the_case_page_lists_a_withdrawn_package_apart_with_when_by_whom_and_why(app, store, tmp_path):
    path = tmp_path / "brief.json"
    path.write_bytes(orjson.dumps({"id": "p-brief", "schema": "Person", "properties": {"name": ["Brief Moment"]}}))
    store.register_source("shortlived", "ftm", Labels(agency="POLICE", releasable_to=("*",)), retention_days=30)
    ingest(store, "shortlived", path, get_format("ftm").read(path))
    ana = Viewer("ana", "POLICE", frozenset({"analyst"}), Classification.SECRET, purpose="case work")
    case_id = open_case(store, ana, "Brief", entity_ids=["p-brief"])["id"]
    package = disseminate(store, ana, case_id, "POLICE")
    admin = Viewer("root", "POLICE", frozenset({"administrator"}), Classification.TOP_SECRET)
    run_retention(store, admin, now="2099-01-01")
    client, _ = sign_in(app, "ana")
    page = client.get(f"/cases/{case_id}").text
    withdrawn = page[page.index('id="withdrawn"'):]
    assert package["filename"] in withdrawn and "retention run as of 2099-01-01" in withdrawn
    listed = page[page.index('id="disseminations"'):page.index('id="withdrawn"')]
    assert package["filename"] not in listed and "Nothing disseminated." in listed
