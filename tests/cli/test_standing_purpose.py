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
