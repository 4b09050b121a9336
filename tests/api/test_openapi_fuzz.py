"""Schemathesis generates requests from the OpenAPI spec, valid and not, for every operation: none may end in
a server error, and every answer must match the spec's status codes, media types and body shapes."""

import orjson
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from nexus.api import create_app
from nexus.ingest import ingest
from nexus.model import Classification, Labels
from nexus.security import tokens, users
from nexus.security.policy import role_actions
from nexus.service.screening import warm_up
from nexus.sources import get_format
from nexus.store import Store
from nexus.store.db import make_engine, migrate

ROLES = frozenset({"analyst", "targeter", "investigator", "supervisor", "oversight"})


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    home = tmp_path_factory.mktemp("fuzz")
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setenv("NEXUS_HOME", str(home))
    monkeypatch.setenv("NEXUS_DATABASE_URL", f"sqlite:///{home / 'nexus.db'}")
    store = Store(make_engine(f"sqlite:///{home / 'nexus.db'}"))
    migrate(store.engine)
    path = home / "list.json"
    path.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in [
        {"id": "w1", "schema": "Person", "properties": {"name": ["Viktor Bout"], "topics": ["crime.terror"],
                                                       "phone": ["+44 20 7946 0001"]}},
        {"id": "x1", "schema": "Person", "properties": {"name": ["Xavier Middle"], "topics": ["crime.traffick"],
                                                       "phone": ["+442079460001"]}}]))
    store.register_source("open-list", "ftm", Labels(agency="POLICE", releasable_to=("*",)), is_list=True)
    ingest(store, "open-list", path, get_format("ftm").read(path))
    users.create_user(store, "fuzz", agency="POLICE", roles=sorted(ROLES), clearance=Classification.SECRET)
    token = tokens.create_token(store, users.viewer_for(store, "fuzz"), "fuzz", frozenset(role_actions(ROLES)))
    app = create_app(store)
    # Rigour's name automaton, which the app builds beside its first requests: built before the fuzzer's first
    # request, whose 10 s read timeout it would otherwise break on a loaded machine.
    warm_up()
    yield app, token
    store.close()
    monkeypatch.undo()


def test_no_operation_fails_on_generated_input(served):
    app, token = served
    headers = {"Authorization": f"Bearer {token}", "X-Nexus-Purpose": "fuzzing the API"}
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    failures, operations = [], 0
    for found in schema.get_all_operations():
        operation = found.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(max_examples=12, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def check(case):
            # A request the schema admits may still break a rule the schema cannot say (an unknown FtM schema, a
            # list that does not exist): 422 is the right answer there, so only the acceptance check is left out.
            case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

        try:
            check()
        except Exception as exc:  # collect every operation's failure, not just the first
            causes = [f"{type(e).__name__}: {e}" for e in getattr(exc, "exceptions", ())]  # a flaky one wraps its cause
            failures.append(f"{operation.label}: {str(exc)[:800]}" + "".join(f"\n  {c[:800]}" for c in causes))
    assert operations >= 25
    assert not failures, "\n\n".join(failures)
