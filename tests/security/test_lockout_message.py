"""A locked account answers as an unknown one and a wrong password do, in the service and in `nexus login`, so
the answer does not tell which accounts exist; the trail says which it was."""

import orjson
import pytest
from typer.testing import CliRunner

from nexus.cli import app
from nexus.security import audit, auth

from .test_auth import OVERSIGHT, PASSWORD, alice  # noqa: F401 (the alice fixture)

GENERIC = "invalid username or password"


def test_a_locked_account_answers_as_an_unknown_one(alice):
    for _ in range(auth.MAX_FAILURES):
        with pytest.raises(auth.AuthenticationFailed):
            auth.authenticate(alice, "alice", "not the password")
    answers = []
    for username, password in (("alice", PASSWORD), ("alice", "not the password"), ("mallory", PASSWORD)):
        with pytest.raises(auth.AuthenticationFailed) as refused:
            auth.authenticate(alice, username, password)
        answers.append(str(refused.value))
    assert answers == [GENERIC] * 3
    reasons = [orjson.loads(r["query"])["reason"] for r in audit.search_audit(alice, OVERSIGHT, action="login")]
    assert reasons[-3:] == ["locked", "locked", "unknown, disabled or without password"]


def test_nexus_login_gives_the_same_answer(workspace):
    def run(*args: str, input: str):
        return CliRunner().invoke(app, list(args), input=input)

    assert run("users", "create", "paul", "--agency", "POLICE", "--role", "analyst", "--clearance", "secret",
               input=f"{PASSWORD}\n").exit_code == 0
    for _ in range(auth.MAX_FAILURES):
        assert run("login", "paul", input="wrong password!\n").exit_code != 0
    locked, unknown = run("login", "paul", input=f"{PASSWORD}\n"), run("login", "nobody", input=f"{PASSWORD}\n")
    assert locked.exit_code != 0 and unknown.exit_code != 0
    assert str(locked.exception) == str(unknown.exception) == GENERIC
