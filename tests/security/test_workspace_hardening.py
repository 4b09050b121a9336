"""An outside tester's findings, fixed: warrants are their agency's, a missing anchor file is reported, the workspace
is its owner's alone, and the CLI records the refusals it answers as the API does."""

import json
import os
import stat
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text
from typer.testing import CliRunner

from nexus.cli import app
from nexus.config import load_settings
from nexus.errors import Conflict, Forbidden, InvalidInput, NotFound
from nexus.model.labels import Classification, Labels
from nexus.security import anchor, audit
from nexus.security.viewer import Viewer
from nexus.security.warrants import add_warrant, list_warrants, revoke_warrant
from nexus.service import oversight
from nexus.store import Store
from nexus.store.schema import audit_log, warrants

from .test_audit import fill, hostile_dba

PASSWORD = "correct horse battery\n"
LATER = (datetime.now(UTC) + timedelta(days=30)).date().isoformat()


def person(user: str, agency: str, *roles: str) -> Viewer:
    return Viewer(user, agency, frozenset(roles), Classification.TOP_SECRET)


def run(*args: str, input: str | None = None, env: dict | None = None):
    return CliRunner().invoke(app, list(args), input=input, env=env)


def trail(store: Store) -> list[dict]:
    with store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(audit_log).order_by(audit_log.c.seq)).mappings()]


# -- (1) a warrant is its own agency's ----------------------------------------------------------------------------


def test_only_the_warrants_own_agency_registers_or_revokes_it(store):
    intel, police = person("ivan", "INTEL", "supervisor"), person("dave", "POLICE", "supervisor")
    add_warrant(store, intel, "WARRANT-1", agency="INTEL", kind="interception", expires_at=LATER)
    with pytest.raises(Forbidden, match="INTEL"):
        add_warrant(store, police, "WARRANT-20", agency="INTEL", kind="interception", expires_at=LATER)
    with pytest.raises(Forbidden, match="INTEL"):  # nor an administrator of another agency: the same hole
        add_warrant(store, person("pam", "POLICE", "administrator"), "WARRANT-20", agency="intel", kind="interception",
                    expires_at=LATER)
    # another agency's warrant is answered as one that does not exist, on revoking or re-registering it
    assert _refusal(NotFound, revoke_warrant, store, police, "WARRANT-1") \
        == _refusal(NotFound, revoke_warrant, store, police, "WARRANT-404").replace("WARRANT-404", "WARRANT-1")
    store.register_source("intercept9", "ftm", Labels(agency="INTEL", warrant="WARRANT-9"))
    assert _refusal(Conflict, add_warrant, store, police, "WARRANT-1", agency="POLICE", kind="bug", expires_at=LATER) \
        == _refusal(Conflict, add_warrant, store, police, "WARRANT-9", agency="POLICE", kind="bug",
                    expires_at=LATER).replace("WARRANT-9", "WARRANT-1")
    with store.engine.connect() as conn:
        assert conn.execute(select(warrants.c.id, warrants.c.revoked_at)).all() == [("WARRANT-1", None)]
    assert list_warrants(store, police) == []  # another agency's interceptions are not listed to it
    assert [w["id"] for w in list_warrants(store, intel)] == ["WARRANT-1"]
    revoke_warrant(store, person("ines", "INTEL", "administrator"), "WARRANT-1")  # its own agency's administrator
    add_warrant(store, police, "WARRANT-P", agency="police", kind="surveillance", expires_at=LATER)
    with store.engine.connect() as conn:
        assert conn.execute(select(warrants.c.agency).where(warrants.c.id == "WARRANT-P")).scalar() == "POLICE"


def _refusal(error: type[Exception], call, *args, **kwargs) -> str:
    with pytest.raises(error) as refused:
        call(*args, **kwargs)
    return str(refused.value)


def test_the_workspace_owner_registers_a_synthetic_worlds_warrants_for_every_agency(store):
    owner = person("world.loader", "LOCAL", "administrator", "analyst")
    add_warrant(store, owner, "W-INTEL", agency="INTEL", kind="interception", expires_at=LATER)
    assert [w["id"] for w in list_warrants(store, owner)] == ["W-INTEL"]
    with pytest.raises(NotFound):  # a LOCAL supervisor is no workspace owner
        revoke_warrant(store, person("sam", "LOCAL", "supervisor"), "W-INTEL")


def test_a_warrant_another_agency_collects_under_may_not_be_registered_by_taking_its_reference(store):
    store.register_source("intercept20", "ftm", Labels(agency="INTEL", classification=Classification.SECRET,
                                                       releasable_to=("INTEL", "POLICE"), warrant="WARRANT-20"))
    with pytest.raises(Conflict, match="already in use"):  # without saying whose data it labels
        add_warrant(store, person("dave", "POLICE", "supervisor"), "WARRANT-20", agency="POLICE", kind="interception",
                    expires_at=LATER)
    add_warrant(store, person("ivan", "INTEL", "supervisor"), "WARRANT-20", agency="INTEL", kind="interception",
                expires_at=LATER)


@pytest.mark.parametrize("warrant_id, kind", [("", "interception"), ("  ", "interception"), ("W-2", ""), ("W-2", " ")])
def test_a_warrant_needs_an_id_and_a_kind(store, warrant_id, kind):
    with pytest.raises(InvalidInput, match="must not be empty"):
        add_warrant(store, person("ivan", "INTEL", "supervisor"), warrant_id, agency="INTEL", kind=kind,
                    expires_at=LATER)
    with store.engine.connect() as conn:
        assert conn.execute(select(warrants.c.id)).all() == []


def test_cli_a_supervisor_may_not_unlock_another_agencys_warrant(workspace):
    assert run("warrants", "add", "WARRANT-1", "--agency", "LOCAL", "--kind", "interception",
               "--expires", LATER).exit_code == 0
    assert run("users", "create", "dave", "--agency", "POLICE", "--role", "supervisor", "--clearance", "secret",
               input=PASSWORD).exit_code == 0
    assert run("login", "dave", input=PASSWORD).exit_code == 0
    added = run("warrants", "add", "WARRANT-20", "--agency", "INTEL", "--kind", "interception", "--expires", LATER)
    assert added.exit_code != 0 and isinstance(added.exception, Forbidden)
    revoked = run("warrants", "revoke", "WARRANT-1")
    assert revoked.exit_code != 0 and isinstance(revoked.exception, NotFound)
    empty = run("warrants", "add", "", "--agency", "POLICE", "--kind", "", "--expires", LATER)
    assert empty.exit_code != 0 and isinstance(empty.exception, InvalidInput)
    store = Store.open(load_settings())
    with store.engine.connect() as conn:
        assert conn.execute(select(warrants.c.id, warrants.c.revoked_at)).all() == [("WARRANT-1", None)]
    store.close()


# -- (7) a missing anchor file is reported, not made again ---------------------------------------------------------


def test_a_cut_trail_whose_anchor_file_was_deleted_is_not_reported_intact(store, tmp_path):
    path = tmp_path / "audit.anchor"
    anchor.attach(store.engine, path)
    fill(store)
    assert anchor.read(path) == (6, trail(store)[-1]["hash"])  # made with the trail's first record
    assert audit.verify_chain(store).ok
    with store.engine.begin() as conn:
        hostile_dba(conn)
        last = conn.execute(text("SELECT seq, hash FROM audit_log WHERE seq = 4")).one()
        conn.execute(text("DELETE FROM audit_log WHERE seq > 4"))
        conn.execute(text("UPDATE audit_head SET seq = :s, hash = :h"), {"s": last.seq, "h": last.hash})
    path.unlink()
    report = audit.verify_chain(store)
    assert not report.ok and "is missing" in report.problem and "audit trail not verified" in str(report)
    auditor = person("olga", "OVERSIGHT", "oversight")
    assert not oversight.verify_audit(store, auditor).ok
    fill(store, 2)  # later appends (the verification's own record among them) do not make the file again
    assert anchor.read(path) is None
    assert not oversight.verify_audit(store, auditor).ok


def test_a_lost_anchor_is_re_established_only_on_purpose_and_audited(store, tmp_path):
    path = tmp_path / "audit.anchor"
    anchor.attach(store.engine, path)
    fill(store, 3)
    assert anchor.read(path)[0] == 3  # once moved there (by a thread)
    path.unlink()
    assert not audit.verify_chain(store).ok
    assert oversight.adopt_anchor(store, person("olga", "OVERSIGHT", "oversight")).ok
    last = trail(store)[-1]
    assert (last["action"], last["username"], last["outcome"]) == ("audit.anchor.adopt", "olga", "ok")
    assert audit.verify_chain(store).ok and anchor.read(path)[0] == last["seq"]


def test_a_brand_new_trail_needs_no_anchor_and_makes_one_with_its_first_record(store, tmp_path):
    path = tmp_path / "home" / "audit.anchor"
    anchor.attach(store.engine, path)
    assert audit.verify_chain(store).ok  # nothing recorded yet: nothing to witness
    audit.log_event(store, person("olga", "OVERSIGHT", "oversight"), "search", {})
    assert anchor.read(path) == (1, trail(store)[0]["hash"])
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_cli_audit_verify_fails_while_the_anchor_file_is_missing(workspace):
    assert run("stats").exit_code == 0
    assert run("audit", "verify").exit_code == 0
    assert anchor.read(workspace / "audit.anchor")[0] == 2  # its moves done, as when the process has exited
    (workspace / "audit.anchor").unlink()
    for _ in range(2):  # the failed verification's own record does not make the file again
        bad = run("audit", "verify")
        assert bad.exit_code == 1 and "is missing" in " ".join(bad.output.split())
        assert not (workspace / "audit.anchor").exists()


# -- (8) the workspace is its owner's alone ------------------------------------------------------------------------


def nexus(home, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEXUS_")} | {"NEXUS_HOME": str(home)}
    return subprocess.run([sys.executable, "-c", "from nexus.cli import main; main()", *args], env=env,
                          capture_output=True, text=True, timeout=300, preexec_fn=lambda: os.umask(0o022))


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_what_the_cli_writes_in_a_workspace_is_its_owners_alone(tmp_path):
    home = tmp_path / "home"
    done = nexus(home, "stats")
    assert done.returncode == 0, done.stderr
    assert mode(home) == 0o700
    assert mode(home / "nexus.db") == 0o600 and mode(home / "audit.anchor") == 0o600
    # A workspace made before (or copied in) is tightened when it is opened: its folder, its folders, its database.
    home.chmod(0o755)
    (home / "nexus.db").chmod(0o644)
    (home / "evidence").mkdir(mode=0o755)
    (home / "evidence").chmod(0o755)
    (home / "evidence" / "a.pdf").write_bytes(b"%PDF")
    (home / "evidence" / "a.pdf").chmod(0o444)
    done = nexus(home, "stats")
    assert done.returncode == 0, done.stderr
    assert (mode(home), mode(home / "nexus.db"), mode(home / "evidence")) == (0o700, 0o600, 0o700)


def test_opening_a_workspace_leaves_what_is_not_nexuss_alone(tmp_path):
    home = tmp_path / "home"
    home.mkdir(mode=0o755)
    home.chmod(0o755)
    (home / "notes.txt").write_text("mine")
    (home / "notes.txt").chmod(0o644)
    (home / "session").write_text("x")
    (home / "session").chmod(0o644)
    from nexus.service.workspace import keep_private

    keep_private(home)
    assert (mode(home), mode(home / "session"), mode(home / "notes.txt")) == (0o700, 0o600, 0o644)


# -- (9) the CLI records the refusals it answers --------------------------------------------------------------------


def refusals(since: int = 0) -> list[dict]:
    store = Store.open(load_settings())
    rows = [r for r in trail(store) if r["seq"] > since and r["outcome"] in ("denied", "not found")]
    store.close()
    return rows


def test_cli_refusals_are_recorded_with_the_user_command_arguments_and_purpose(workspace):
    assert run("users", "create", "paul", "--agency", "POLICE", "--role", "supervisor", "--clearance", "secret",
               input=PASSWORD).exit_code == 0
    assert run("login", "paul", input=PASSWORD).exit_code == 0
    denied = run("users", "create", "eve", "--agency", "X", "--role", "administrator", "--clearance", "secret",
                 input=PASSWORD, env={"NEXUS_PURPOSE": "case 9"})
    assert denied.exit_code != 0
    missing = run("warrants", "revoke", "NOPE")
    assert missing.exit_code != 0
    recorded = refusals()
    assert [(r["username"], r["action"], r["outcome"], r["purpose"]) for r in recorded] == [
        ("paul", "cli.command", "denied", "case 9"), ("paul", "cli.command", "not found", "")]
    asked = json.loads(recorded[0]["query"])
    assert asked["command"] == "users create" and asked["params"]["username"] == "eve"
    assert asked["params"]["role"] == ["administrator"] and "may not users.manage" in asked["reason"]
    assert "correct horse" not in recorded[0]["query"]
    assert json.loads(recorded[1]["query"])["command"] == "warrants revoke"


def test_a_refusal_the_service_records_itself_is_not_recorded_twice(workspace):
    assert run("stats").exit_code == 0
    shown = run("travel", "unmask", "show", "nobody", "--purpose", "case 3")
    assert shown.exit_code != 0 and isinstance(shown.exception, Forbidden)
    assert [(r["action"], r["outcome"]) for r in refusals()] == [("unmask.view", "denied")]


def test_a_trail_begun_inside_another_transaction_still_gets_its_anchor(store, tmp_path):
    # a workspace's first records are often appended in the transaction of what they record (a user made, a source
    # registered), which moves no file: the first move asked of a home that never held the file makes it
    path = tmp_path / "home" / "audit.anchor"
    anchor.attach(store.engine, path)
    with store.engine.begin() as conn:
        audit.append(conn, person("olga", "OVERSIGHT", "oversight"), "users.create", {"user": "ana"})
    audit.log_event(store, person("olga", "OVERSIGHT", "oversight"), "search", {})
    assert audit.verify_chain(store).ok and anchor.read(path)[0] == 2
