"""End to end in a real browser: Playwright drives Debian's Chromium (headless) against `nexus serve`.

An analyst signs in, reviews a screening hit, opens the graph around a nexus alert, opens a case,
attaches evidence and exports a dissemination package; an analyst of another agency cannot open the
case. Screenshots are saved under test-artifacts/e2e (NEXUS_TEST_ARTIFACTS overrides the folder).
"""

import io
import os
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import httpx
import orjson
import pytest

from nexus.ingest import ingest
from nexus.model import Classification, Labels
from nexus.security import auth, users
from nexus.security.viewer import Viewer
from nexus.service.agencies import register_agency
from nexus.service.nexus_alerts import raise_nexus_alerts
from nexus.service.screening import screen_holdings
from nexus.sources import get_format
from nexus.store import Store
from nexus.store.db import make_engine, migrate

pytestmark = pytest.mark.xdist_group("browser")  # one Chromium at a time on a 2-core machine

CHROMIUM = Path("/usr/bin/chromium")
PASSWORD = "correct horse battery"
ARTIFACTS = Path(os.environ.get("NEXUS_TEST_ARTIFACTS", Path(__file__).parents[2] / "test-artifacts")) / "e2e"
SHARED = Labels("POLICE", Classification.RESTRICTED, releasable_to=("*",))


def person(entity_id, name, *topics, **props):
    properties = {"name": [name], **({"topics": list(topics)} if topics else {}), **{k: [v] for k, v in props.items()}}
    return {"id": entity_id, "schema": "Person", "properties": properties}


def load(store, folder, source, entities, is_list=False):
    path = folder / f"{source}.json"
    path.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in entities))
    store.register_source(source, "ftm", SHARED, is_list=is_list)
    ingest(store, source, path, get_format("ftm").read(path))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A workspace with a watchlist, police records holding a screening hit and a terror–crime bridge,
    two analysts of different agencies, served by `nexus serve` on loopback."""
    if not CHROMIUM.is_file():
        if os.environ.get("CI"):
            pytest.fail("Debian's chromium is missing: `make test` installs it (make browser)")
        pytest.skip("chromium is not installed (make browser)")
    home = tmp_path_factory.mktemp("e2e")
    env = {**os.environ, "NEXUS_HOME": str(home), "NEXUS_DATABASE_URL": f"sqlite:///{home / 'nexus.db'}"}
    store = Store(make_engine(env["NEXUS_DATABASE_URL"]))
    migrate(store.engine)
    load(store, home, "watchlist", [person("w1", "Tariq Mansour", "sanction", birthDate="1979-03-02")], is_list=True)
    load(store, home, "police", [
        person("t1", "Tariq Mansour", "crime.terror", birthDate="1979-03-02", phone="+44 20 7946 0001"),
        person("x", "Xavier Middle", phone="+442079460001"),
        person("y", "Yuri Trafficker", "crime.traffick.drug"),
        {"id": "f1", "schema": "Family", "properties": {"person": ["x"], "relative": ["y"], "relationship": ["cousin"]}},
    ])
    for name, agency in (("ana", "POLICE"), ("carl", "CUSTOMS")):
        users.create_user(store, name, agency=agency, roles=["analyst"], clearance=Classification.SECRET)
        auth.set_password(store, name, PASSWORD)
    admin = Viewer("admin", "POLICE", frozenset({"administrator"}), Classification.SECRET, purpose="e2e set-up")
    register_agency(store, admin, "INTERPOL", "International Criminal Police Organization")  # a partner with no users
    lead = Viewer("ana", "POLICE", frozenset({"analyst"}), Classification.SECRET, purpose="e2e set-up")
    screen_holdings(store, lead)
    raise_nexus_alerts(store, lead, home)
    store.close()
    port = free_port()
    process = subprocess.Popen([str(Path(sys.executable).parent / "nexus"), "serve", "--port", str(port)], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/api/v1/health", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail(f"nexus serve did not start: {process.stdout.read().decode(errors='replace')[-2000:]}")
    yield url
    process.terminate()
    process.wait(timeout=20)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        yield chromium
        chromium.close()


def sign_in(browser, url, username):
    context = browser.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.goto(f"{url}/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=purpose]", "e2e: case 2026/1")
    page.click("button:has-text('Sign in')")
    page.wait_for_selector("h1:has-text('Dashboard')")
    return context, page


def shot(page, name):
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_an_analyst_works_a_case_from_hit_to_dissemination(server, browser):
    errors = []
    context, page = sign_in(browser, server, "ana")
    page.on("console", lambda m: errors.append(f"{page.url}: {m.text} {m.location}") if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    shot(page, "1-dashboard")

    page.goto(f"{server}/alerts?kind=screening&state=open")
    page.click("table.grid tbody tr td a >> nth=1")
    page.wait_for_selector("text=What it rests on")
    assert "Tariq Mansour" in page.inner_text("section.cited")
    page.check("input[name=decision][value=confirmed]")
    page.fill("textarea[name=reason]", "same name and birth date as the listed person")
    page.click("button:has-text('Record decision')")
    page.wait_for_selector("#state:has-text('confirmed')")
    shot(page, "2-screening-hit-reviewed")

    page.goto(f"{server}/alerts?kind=nexus&state=open")
    page.click("table.grid tbody tr td a >> nth=1")
    alert_url = page.url
    assert "Yuri Trafficker" in page.inner_text("p.words")
    page.click("a:has-text('Open the graph around this bridge')")
    page.wait_for_selector("#graph canvas")
    page.wait_for_selector("#graph-status:has-text('nexus path')")
    shot(page, "3-graph-around-nexus-alert")

    page.goto(alert_url)
    page.fill("input[name=title]", "Mansour–Trafficker bridge")
    page.click("button:has-text('Open case')")
    page.wait_for_selector("h1:has-text('Mansour–Trafficker bridge')")
    case_url = page.url.split("#")[0]
    assert "Yuri Trafficker" in page.inner_text("#entities + ul")
    page.set_input_files("#add-evidence input[type=file]", files=[
        {"name": "bank-letter.txt", "mimeType": "text/plain", "buffer": b"Account 4711: cash deposits, May 2026"}])
    page.fill("#add-evidence input[name=description]", "letter from the bank")
    page.fill("#add-evidence input[name=releasable_to]", "POLICE, INTERPOL")
    page.click("button:has-text('Attach evidence')")
    page.wait_for_selector("a:has-text('bank-letter.txt')")
    page.fill("#disseminate input[name=recipient]", "CUSTOMS")  # the letter may not go to customs
    page.click("button:has-text('Produce package')")
    assert "Not allowed" in page.inner_text("h1") and "not releasable to CUSTOMS" in page.inner_text("main")
    shot(page, "4a-dissemination-refused")
    page.goto(case_url)
    page.fill("#disseminate input[name=recipient]", "INTERPOL")
    page.click("button:has-text('Produce package')")
    link = page.wait_for_selector("#disseminations ~ table a")
    with page.expect_download() as download:
        link.click()
    package = zipfile.ZipFile(io.BytesIO(Path(download.value.path()).read_bytes()))
    names = package.namelist()
    assert any(n.endswith(".pdf") for n in names) and any(n.endswith(".html") for n in names)
    assert package.read(next(n for n in names if n.endswith(".pdf"))).startswith(b"%PDF")
    custody = page.inner_text("#custody + table")
    assert "bank-letter.txt" in custody or "evidence" in custody
    shot(page, "4-case-with-evidence-and-package")
    assert not [e for e in errors if "/disseminate" not in e], errors  # no script error, no CSP violation
    context.close()

    other, page = sign_in(browser, server, "carl")
    response = page.goto(case_url)
    assert response.status == 404 and "Not found" in page.inner_text("h1")
    page.goto(f"{server}/cases")
    assert "Mansour–Trafficker bridge" not in page.content()
    shot(page, "5-other-agency-cannot-open-the-case")
    other.close()


def test_no_page_loads_anything_from_another_origin(server, browser):
    context, page = sign_in(browser, server, "ana")
    requested = []
    page.on("request", lambda r: requested.append(r.url))
    for path in ("/", "/alerts", "/cases", "/graph?entity=t1", "/search?q=tariq", "/entities/t1"):
        page.goto(f"{server}{path}")
        page.wait_for_load_state("networkidle")
    assert requested and all(u.startswith(server) or u.startswith(("data:", "blob:")) for u in requested), requested
    context.close()

