"""`nexus users enable` and `nexus users modify` end to end, and `nexus tokens create`'s expiry: 1 to 3,660 days,
90 unless given, never none (both databases)."""

from datetime import UTC, datetime, timedelta

from typer.testing import CliRunner

from nexus.cli import app
from nexus.config import load_settings
from nexus.security import tokens
from nexus.store import Store

PASSWORD = "correct horse battery\n"


def run(*args: str, input: str | None = None, env: dict | None = None):
    return CliRunner().invoke(app, list(args), input=input, env=env)


def test_an_administrator_changes_a_user_and_their_session_sees_it_at_once(workspace):
    admin = {"NEXUS_HOME": str(workspace / "admin")}  # the workspace's owner, in a shell of their own
    assert run("users", "create", "paul", "--agency", "POLICE", "--role", "analyst", "--clearance", "secret",
               "--compartment", "OP-1", input=PASSWORD).exit_code == 0
    assert run("login", "paul", input=PASSWORD).exit_code == 0

    changed = run("users", "modify", "paul", "--clearance", "confidential", "--role", "analyst", "--role",
                  "investigator", "--no-compartments", env=admin)
    assert changed.exit_code == 0, changed.output
    whoami = " ".join(run("whoami").output.split())
    assert "paul (POLICE) roles: analyst, investigator; clearance: CONFIDENTIAL; compartments: none" in whoami

    moved = run("users", "modify", "paul", "--agency", "INTEL", env=admin)
    assert moved.exit_code == 1 and "agency (POLICE) is not changed" in str(moved.exception)
    both = run("users", "modify", "paul", "--compartment", "OP-2", "--no-compartments", env=admin)
    assert both.exit_code == 1 and "one or the other" in str(both.exception)
    own = run("users", "modify", "local", "--role", "analyst", env=admin)  # the owner, acting for themselves
    assert own.exit_code == 1 and "their own" in str(own.exception)
    assert run("users", "modify", "paul", "--clearance", "secret").exit_code == 1  # paul is no administrator


def test_a_disabled_user_is_enabled_again_and_signs_in_anew(workspace):
    admin = {"NEXUS_HOME": str(workspace / "admin")}
    assert run("users", "create", "paul", "--agency", "POLICE", "--role", "analyst", "--clearance", "secret",
               input=PASSWORD).exit_code == 0
    assert run("login", "paul", input=PASSWORD).exit_code == 0
    assert run("users", "disable", "paul", env=admin).exit_code == 0
    assert run("login", "paul", input=PASSWORD).exit_code != 0
    assert run("users", "unlock", "paul", env=admin).exit_code == 0
    assert run("login", "paul", input=PASSWORD).exit_code != 0  # unlocking is not enabling
    enabled = run("users", "enable", "paul", env=admin)
    assert enabled.exit_code == 0 and "enabled paul" in enabled.output
    assert run("login", "paul", input=PASSWORD).exit_code == 0
    assert "paul (POLICE)" in run("whoami").output


def test_a_token_expires_in_1_to_3660_days_90_unless_given_and_0_is_refused(workspace):
    for days in ("0", "-1", "3661"):
        refused = run("tokens", "create", "--scope", "read", "--expires-days", days)
        assert refused.exit_code == 1 and "between 1 and 3,660 days" in str(refused.exception), refused.output
    assert "1 to 3,660" in " ".join(run("tokens", "create", "--help").output.split())
    assert run("tokens", "create", "--scope", "read").output.startswith("nxt_")
    assert run("tokens", "create", "--scope", "read", "--expires-days", "3660").output.startswith("nxt_")
    store = Store.open(load_settings())
    made = [datetime.fromisoformat(t["expires_at"]).replace(tzinfo=UTC) for t in tokens.list_tokens(store, "local")]
    store.close()
    assert [round((when - datetime.now(UTC)) / timedelta(days=1)) for when in made] == [90, 3660]
