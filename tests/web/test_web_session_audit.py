"""The web application's sessions and trail: an idle session stays closed whatever form comes in, a lockout
answers as an unknown account does, a page refused or not found is audited, and the audit page reads its dates
as the API does (both databases)."""

import re
from datetime import UTC, datetime, timedelta, timezone

import orjson
import pytest
from sqlalchemy import select, update

from nexus.security import auth, users
from nexus.service.oversight import search_audit
from nexus.store import utc_stamp
from nexus.store.schema import auth_sessions
from test_web_app import app, attempt, sign_in  # noqa: F401 (the app fixture)


def refusal(response) -> str:
    return re.search(r'role="alert">([^<]*)<', response.text).group(1)


def trail(store, **filters) -> list[dict]:
    return search_audit(store, users.viewer_for(store, "olga"), **filters)


def test_an_idle_session_is_not_revived_by_changing_the_purpose(app, store):
    client, csrf = sign_in(app, "ana", purpose="case 7")
    with store.engine.begin() as conn:
        conn.execute(update(auth_sessions).values(last_used_at=utc_stamp(datetime.now(UTC) - timedelta(minutes=45))))
    changed = client.post("/purpose", data={"csrf": csrf, "purpose": "revived"}, follow_redirects=False)
    assert changed.status_code == 303 and "message=ended" in changed.headers["location"]
    assert client.get("/", follow_redirects=False).headers["location"].startswith("/login")
    with store.engine.connect() as conn:
        (session,) = conn.execute(select(auth_sessions)).mappings().all()
    assert session["purpose"] == "case 7" and session["revoked_at"] is not None


def test_a_locked_account_answers_as_an_unknown_one(app, store):
    for _ in range(auth.MAX_FAILURES):
        attempt(app, "ana", password="wrong password!")
    _, locked = attempt(app, "ana")  # the right password, while locked
    _, unknown = attempt(app, "nobody", password="wrong password!")
    assert locked.status_code == unknown.status_code == 401
    assert refusal(locked) == refusal(unknown) == "invalid username or password"
    assert orjson.loads(trail(store, user="ana", action="login")[-1]["query"])["reason"] == "locked"


def test_refused_and_missing_pages_are_audited_with_the_purpose(app, store):
    ana, csrf = sign_in(app, "ana")
    case_url = ana.post("/cases", data={"csrf": csrf, "title": "Bout network"},
                        follow_redirects=False).headers["location"]
    carl, _ = sign_in(app, "carl", purpose="customs probe")
    hidden, missing = carl.get(case_url), carl.get("/alerts/999")
    olga, _ = sign_in(app, "olga", purpose="oversight sweep")
    refused = olga.get("/search", params={"q": "bout"})
    assert (hidden.status_code, missing.status_code, refused.status_code) == (404, 404, 403)
    assert "Bout network" not in hidden.text

    records = [(r["username"], r["purpose"], r["outcome"], orjson.loads(r["query"]))
               for r in trail(store, action="web.page")]
    assert [(who, why, outcome, asked["method"], asked["path"]) for who, why, outcome, asked in records] == [
        ("carl", "customs probe", "not found", "GET", case_url),
        ("carl", "customs probe", "not found", "GET", "/alerts/999"),
        ("olga", "oversight sweep", "denied", "GET", "/search")]
    assert records[-1][3]["params"] == {"q": "bout"}


@pytest.mark.parametrize("field, text", [("since", "garbage"), ("since", "01/12/2026"), ("until", "tomorrow"),
                                         ("until", "2026-13-45")])
def test_the_audit_page_names_a_date_it_cannot_read(app, field, text):
    olga, _ = sign_in(app, "olga")
    page = olga.get("/audit", params={"user": "ana", field: text})
    assert page.status_code == 422 and f"{field}: an ISO date or date-time is required" in page.text
    assert olga.get("/api/v1/audit", params={field: text}).status_code == 422  # as the API refuses it


def test_the_audit_page_reads_dates_and_offsets_as_the_api_does(app, store):
    ana, _ = sign_in(app, "ana")
    ana.get("/entities/w1")
    (read,) = trail(store, user="ana", action="entity.read")
    at = datetime.fromisoformat(read["at"]).replace(tzinfo=UTC)
    east = timezone(timedelta(hours=5))
    olga, _ = sign_in(app, "olga")
    for bounds, expected in [
        ({"since": (at - timedelta(minutes=1)).astimezone(east).isoformat()}, True),  # 5 hours "later" as text
        ({"since": (at + timedelta(minutes=1)).astimezone(east).isoformat()}, False),
        ({"since": at.date().isoformat()}, True),
        ({"until": at.date().isoformat()}, False),  # a date is its midnight
        ({"until": (at + timedelta(days=1)).date().isoformat()}, True),
    ]:
        query = {"user": "ana", "action": "entity.read", **bounds}
        shown = re.findall(r"<tr><td>(\d+)</td>", olga.get("/audit", params=query).text)
        api = [str(r["seq"]) for r in olga.get("/api/v1/audit", params=query).json()["items"]]
        assert shown == api == ([str(read["seq"])] if expected else []), bounds
