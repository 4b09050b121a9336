"""The CLI records the purpose a user gives, with --purpose or NEXUS_PURPOSE (a shell's standing duty), for every
command; a command's own name for its work ("ingest", "screening", "entity resolution") only when they give none."""

import orjson
from sqlalchemy import select
from typer.testing import CliRunner

from nexus.cli import app
from nexus.store import Store
from nexus.store.schema import audit_log

runner = CliRunner()


def people(path, *ids: str):
    path.write_bytes(b"".join(orjson.dumps({"id": i, "schema": "Person", "properties": {"name": [f"Viktor Bout {i}"]}})
                              + b"\n" for i in ids))
    return path


def purposes(database_url: str) -> dict[str, set[str]]:
    store = Store.open(url=database_url)
    try:
        with store.engine.connect() as conn:
            rows = conn.execute(select(audit_log.c.action, audit_log.c.purpose)).all()
    finally:
        store.close()
    found: dict[str, set[str]] = {}
    for action, purpose in rows:
        found.setdefault(action, set()).add(purpose)
    return found


def test_the_standing_purpose_is_recorded_by_ingest_screen_and_judge(workspace, database_url, tmp_path, monkeypatch):
    list_file = people(tmp_path / "list.json", "un-1")
    held = people(tmp_path / "held.json", "pol-1", "pol-2")
    assert runner.invoke(app, ["ingest", "ftm", str(list_file), "--source", "un", "--list"]).exit_code == 0
    monkeypatch.setenv("NEXUS_PURPOSE", "case 42")
    for args in (["ingest", "ftm", str(held), "--source", "police"], ["screen"],
                 ["judge", "pol-1", "pol-2", "not_same", "--reason", "two men"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, (args, result.output, result.exception)
    found = purposes(database_url)
    assert found["ingest"] == {"ingest", "case 42"}  # the list loaded before the shell stated its duty
    assert found["screen"] == {"case 42"} and found["resolve.judge"] == {"case 42"}
    result = runner.invoke(app, ["judge", "pol-1", "pol-2", "same", "--purpose", "case 43"])
    assert result.exit_code == 0 and purposes(database_url)["resolve.judge"] == {"case 42", "case 43"}


def test_a_token_s_screening_states_its_purpose(workspace, tmp_path, monkeypatch):
    """The command's own name ("screening") is what it records when no purpose is given, not a purpose: a program's
    token reading through `nexus screen` must state one, as the API asks of it."""
    assert runner.invoke(app, ["ingest", "ftm", str(people(tmp_path / "list.json", "un-1")), "--source", "un",
                               "--list"]).exit_code == 0
    created = runner.invoke(app, ["users", "create", "ana", "--agency", "POLICE", "--role", "analyst",
                                  "--clearance", "SECRET"],
                            input="a-long-password-1!\n")
    assert created.exit_code == 0, created.output
    token = runner.invoke(app, ["tokens", "create", "--user", "ana", "--scope", "screen"])
    assert token.exit_code == 0, token.output
    monkeypatch.setenv("NEXUS_TOKEN", token.output.split()[-1])
    refused = runner.invoke(app, ["screen"])
    assert refused.exit_code != 0 and "state why you are looking" in str(refused.exception)
    assert runner.invoke(app, ["screen", "--purpose", "case 42"]).exit_code == 0
