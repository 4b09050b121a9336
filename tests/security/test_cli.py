"""The security commands end to end: users, login/logout, tokens, warrants, audit."""

import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, text, update
from typer.testing import CliRunner

from nexus.cli import app
from nexus.config import load_settings
from nexus.store import Store, utc_stamp
from nexus.store.schema import auth_sessions

from .test_audit import hostile_dba

PASSWORD = "correct horse battery\n"


def run(*args: str, input: str | None = None, env: dict | None = None):
    return CliRunner().invoke(app, list(args), input=input, env=env)


def test_people_log_in_programs_use_tokens_oversight_reads_the_trail(workspace):
    assert run("users", "create", "olivia", "--agency", "OVERSIGHT", "--role", "oversight",
               "--clearance", "top-secret", input=PASSWORD).exit_code == 0
    created = run("users", "create", "paul", "--agency", "POLICE", "--role", "analyst", "--role", "supervisor",
                  "--clearance", "secret", "--compartment", "OP-1", input=PASSWORD)
    assert created.exit_code == 0, created.output

    assert run("login", "paul", input="wrong password!\n").exit_code != 0
    assert run("login", "paul", input=PASSWORD).exit_code == 0
    assert (workspace / "session").stat().st_mode & 0o777 == 0o600
    whoami = run("whoami").output
    assert "paul (POLICE) roles: analyst, supervisor; clearance: SECRET; compartments: OP-1" in " ".join(whoami.split())

    denied = run("users", "create", "eve", "--agency", "X", "--role", "administrator", "--clearance", "secret",
                 input=PASSWORD)
    assert denied.exit_code != 0 and "may not users.manage" in str(denied.exception)
    assert run("warrants", "add", "W-9", "--agency", "POLICE", "--kind", "interception", "--expires", "2099-01-01",
               "--allowed-use", "prosecution").exit_code == 0
    assert "W-9" in run("warrants", "list").output
    token = run("tokens", "create", "--scope", "read").output.strip()
    assert token.startswith("nxt_")
    assert run("logout").exit_code == 0 and not (workspace / "session").exists()

    assert "token scopes: read" in run("whoami", env={"NEXUS_TOKEN": token}).output
    unstated = run("search", "anything", env={"NEXUS_TOKEN": token})  # a program states why, as on the API
    assert unstated.exit_code != 0 and "state why you are looking" in str(unstated.exception)
    refused = run("search", "anything", env={"NEXUS_TOKEN": token, "NEXUS_PURPOSE": "case 42"})
    assert refused.exit_code != 0 and "not scoped for search" in str(refused.exception)

    assert run("login", "olivia", input=PASSWORD).exit_code == 0
    trail = run("audit", "search", "--user", "paul", "--json").output.splitlines()
    assert [line.split('"action": "')[1].split('"')[0] for line in trail] == [
        "login", "login", "cli.command", "warrants.add", "tokens.create", "logout", "auth.token", "auth.token", "auth.token",
        "cli.command"]  # the refusals (users create; a search the token is not scoped for) recorded as the API's are
    assert run("audit", "verify").exit_code == 0


def test_audit_verify_names_the_first_bad_record(workspace):
    assert run("stats").exit_code == 0
    assert run("stats").exit_code == 0
    ok = run("audit", "verify")
    assert ok.exit_code == 0 and "intact: 2 records" in ok.output
    store = Store.open(load_settings())
    with store.engine.begin() as conn:
        hostile_dba(conn)
        conn.execute(text("UPDATE audit_log SET username = 'nobody' WHERE seq = 1"))
    store.close()
    bad = run("audit", "verify")
    assert bad.exit_code == 1
    assert "audit trail broken at record 1: contents do not match its hash" in " ".join(bad.output.split())


def test_a_shell_session_closes_after_going_unused_as_a_web_session_does(workspace):
    assert run("users", "create", "paul", "--agency", "POLICE", "--role", "analyst", "--clearance", "secret",
               input=PASSWORD).exit_code == 0
    assert run("login", "paul", input=PASSWORD).exit_code == 0
    assert "paul (POLICE)" in run("whoami").output
    store = Store.open(load_settings())
    with store.engine.begin() as conn:
        conn.execute(update(auth_sessions).values(last_used_at=utc_stamp(datetime.now(UTC) - timedelta(minutes=31))))
    idle = run("whoami")
    assert idle.exit_code != 0 and "30 minutes idle" in str(idle.exception)
    with store.engine.connect() as conn:
        assert conn.execute(select(auth_sessions.c.revoked_at)).scalar_one() is not None
    assert run("whoami").exit_code != 0  # closed, not revived by the next command

    assert run("login", "paul", input=PASSWORD).exit_code == 0
    assert run("users", "disable", "paul", env={"NEXUS_HOME": str(workspace / "admin")}).exit_code == 0
    disabled = run("whoami")
    assert disabled.exit_code != 0 and "disabled" in str(disabled.exception)
    store.close()


def test_a_logged_in_person_reads_only_for_a_stated_purpose_and_it_is_recorded(workspace):
    assert run("users", "create", "paul", "--agency", "POLICE", "--role", "analyst", "--clearance", "secret",
               input=PASSWORD).exit_code == 0
    assert run("login", "paul", input=PASSWORD).exit_code == 0
    unstated = run("search", "anything")
    assert unstated.exit_code != 0 and "state why you are looking" in str(unstated.exception)
    assert run("search", "anything", "--purpose", "case 42").exit_code == 0
    assert run("search", "anything", env={"NEXUS_PURPOSE": "weekly sweep"}).exit_code == 0
    assert run("whoami").exit_code == 0  # reads nothing of the intelligence: no purpose needed
    store = Store.open(load_settings())
    with store.engine.connect() as conn:
        purposes = conn.execute(text("SELECT purpose FROM audit_log WHERE username = 'paul' AND action = 'search' "
                                     "ORDER BY seq")).scalars().all()
    store.close()
    assert purposes == ["case 42", "weekly sweep"]


def test_a_lost_anchor_file_fails_verify_until_oversight_adopts_the_trail_again(workspace):
    assert run("stats").exit_code == 0
    assert run("audit", "verify").exit_code == 0
    time.sleep(0.5)  # the verification's own record moves the file a moment later, by a thread
    (workspace / "audit.anchor").unlink()
    lost = run("audit", "verify")
    assert lost.exit_code == 1 and "is missing" in " ".join(lost.output.split())
    adopted = run("audit", "adopt-anchor")
    assert adopted.exit_code == 0, adopted.output
    assert (workspace / "audit.anchor").exists() and run("audit", "verify").exit_code == 0
    actions = [line.split('"action": "')[1].split('"')[0] for line in run("audit", "search", "--json").output.splitlines()]
    assert "audit.anchor.adopt" in actions
