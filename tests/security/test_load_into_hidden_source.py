"""A load into an existing source is refused to anyone who may not read what it holds (its registered labels, and
every live statement in it): it would retire and relabel data they cannot see. The refusal reads the same whatever
hides the source (clearance, compartment, another agency, a warrant), says nothing of its labels or contents, and
writes nothing. Those who may read a source load into it as before (both databases)."""

import orjson
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from nexus.cli import app
from nexus.errors import Forbidden
from nexus.model.labels import Classification
from nexus.security import audit
from nexus.security.viewer import Viewer
from nexus.security.warrants import add_warrant, revoke_warrant
from nexus.service.entities import get_entity
from nexus.service.ingest import LabelChanges, ingest_file
from nexus.service.ledger import ingest_transactions
from nexus.service.travel import receive_message
from nexus.store.schema import ingest_runs, statements

SUPERVISOR = Viewer("pol_sup", "POLICE", frozenset({"supervisor"}), Classification.SECRET, purpose="test")
INVESTIGATOR = Viewer("pol_inv", "POLICE", frozenset({"analyst"}), Classification.SECRET, purpose="test")
ANALYST = Viewer("pol_an", "POLICE", frozenset({"analyst"}), Classification.CONFIDENTIAL, purpose="test")
INTEL_ALPHA = Viewer("int_an", "INTEL", frozenset({"analyst", "supervisor"}), Classification.SECRET,
                     frozenset({"ALPHA"}), purpose="test")
INTEL_NO_COMPARTMENT = Viewer("int_nc", "INTEL", frozenset({"analyst"}), Classification.SECRET, purpose="test")
INTEL_ALPHA_CONFIDENTIAL = Viewer("int_low", "INTEL", frozenset({"analyst"}), Classification.CONFIDENTIAL,
                                  frozenset({"ALPHA"}), purpose="test")
OVERSIGHT = Viewer("ovs", "OVERSIGHT", frozenset({"oversight"}), Classification.TOP_SECRET)
OWNER = Viewer("owner", "LOCAL", frozenset({"administrator"}), Classification.TOP_SECRET)
FIU_ANALYST = Viewer("fiu_an", "FIU", frozenset({"analyst"}), Classification.SECRET, purpose="test")
FIU_CLERK = Viewer("fiu_clerk", "FIU", frozenset({"analyst"}), Classification.CONFIDENTIAL, purpose="test")

POLICE_SECRET = LabelChanges(classification="SECRET", releasable_to="POLICE")
POLICE_CONFIDENTIAL = LabelChanges(classification="CONFIDENTIAL", releasable_to="POLICE")
FEED_HEADER = ("Timestamp,From Bank,Account,To Bank,Account,Amount Received,Receiving Currency,Amount Paid,"
               "Payment Currency,Payment Format,Is Laundering\n")


def refusal(source: str) -> str:
    return f"source {source!r} is not one you may load into: load into a source of your own (another name)"


def people(path, *records: tuple[str, str]):
    path.write_bytes(b"".join(orjson.dumps({"id": i, "schema": "Person", "properties": {"name": [name]}}) + b"\n"
                              for i, name in records))
    return path


def held(store, source: str) -> tuple:
    """What a refused load must leave as it was: the registration, the runs, the live and retired statements."""
    s = statements.c
    with store.engine.connect() as conn:
        counts = conn.execute(select(func.count().filter(s.retired_at.is_(None)), func.count(s.retired_at))
                              .where(s.source == source)).one()
        runs = conn.execute(select(func.count()).where(ingest_runs.c.source == source)).scalar()
    return store.get_source(source), runs, tuple(counts)


def refused_loads(store) -> list[dict]:
    found = audit.search_audit(store, OVERSIGHT, action="ingest")
    return [r for r in found if r["outcome"] == "denied"]


@pytest.fixture
def police_secret(store, tmp_path):
    """The auditor's world: POLICE's supervisor loads a SECRET record into `police-sec`, releasable to POLICE."""
    original = people(tmp_path / "police_secret.ftm.json", ("pol-sec1", "Undercover Officer Nine"))
    assert ingest_file(store, SUPERVISOR, "ftm", original, "police-sec", POLICE_SECRET).statements
    return original


def test_a_lower_cleared_analyst_of_the_agency_may_not_load_into_its_secret_source(store, tmp_path, police_secret):
    before = held(store, "police-sec")
    overwrite = people(tmp_path / "overwrite.ftm.json", ("pol-sec-x", "Nobody"))
    for path, force in ((overwrite, False), (police_secret, True)):  # with a copy of the original, forced
        with pytest.raises(Forbidden) as refused:
            ingest_file(store, ANALYST, "ftm", path, "police-sec", POLICE_CONFIDENTIAL, force=force)
        assert str(refused.value) == refusal("police-sec")
        assert held(store, "police-sec") == before
    assert store.get_source("police-sec")["classification"] == Classification.SECRET
    assert get_entity(store, SUPERVISOR, "pol-sec1") is not None
    assert get_entity(store, ANALYST, "pol-sec1") is None
    assert [r["username"] for r in refused_loads(store)] == ["pol_an", "pol_an"]

    # those who may read it load into it as before, and the analyst into a source of their own
    more = people(tmp_path / "more.ftm.json", ("pol-sec1", "Undercover Officer Nine"), ("pol-sec2", "Officer Ten"))
    assert ingest_file(store, INVESTIGATOR, "ftm", more, "police-sec").statements
    assert get_entity(store, SUPERVISOR, "pol-sec2") is not None
    assert ingest_file(store, ANALYST, "ftm", overwrite, "police-conf", POLICE_CONFIDENTIAL).statements
    assert ingest_file(store, ANALYST, "ftm", more, "police-conf").retired
    assert ingest_file(store, OWNER, "ftm", overwrite, "police-sec").retired  # the workspace's owner loads anything
    assert len(refused_loads(store)) == 2


def test_a_source_relabelled_down_by_a_delta_still_refuses_whoever_may_not_read_what_it_holds(store, tmp_path,
                                                                                             police_secret):
    delta = people(tmp_path / "delta.ftm.json", ("pol-open", "Desk Officer"))
    ingest_file(store, SUPERVISOR, "ftm", delta, "police-sec", POLICE_CONFIDENTIAL, partial=True)
    assert store.get_source("police-sec")["classification"] == Classification.CONFIDENTIAL
    before = held(store, "police-sec")
    with pytest.raises(Forbidden) as refused:  # the registration they may read; the SECRET record they may not
        ingest_file(store, ANALYST, "ftm", delta, "police-sec", force=True)
    assert str(refused.value) == refusal("police-sec")
    assert held(store, "police-sec") == before
    assert get_entity(store, SUPERVISOR, "pol-sec1") is not None


def test_every_hidden_source_is_refused_in_the_same_words(store, tmp_path):
    add_warrant(store, INTEL_ALPHA, "W-1", agency="INTEL", kind="interception", expires_at="2099-12-31")
    secret = people(tmp_path / "intel.ftm.json", ("int-1", "Yusuf Haddad"))
    ingest_file(store, INTEL_ALPHA, "ftm", secret, "intel",
                LabelChanges(classification="SECRET", compartment="ALPHA", releasable_to="INTEL"))
    ingest_file(store, INTEL_ALPHA, "ftm", secret, "intercept", LabelChanges(classification="SECRET", warrant="W-1"))
    revoke_warrant(store, INTEL_ALPHA, "W-1")  # its data is now read only for the uses it allows: none
    probe = people(tmp_path / "probe.ftm.json", ("probe-1", "Probe"))
    answers = set()
    for viewer, source, labels in (
        (INTEL_NO_COMPARTMENT, "intel", LabelChanges(classification="SECRET", releasable_to="INTEL")),
        (ANALYST, "intel", POLICE_CONFIDENTIAL),
        (INTEL_ALPHA_CONFIDENTIAL, "intel", LabelChanges(classification="CONFIDENTIAL")),
        (INTEL_NO_COMPARTMENT, "intercept", LabelChanges(classification="SECRET")),
    ):
        before = held(store, source)
        with pytest.raises(Forbidden) as refused:
            ingest_file(store, viewer, "ftm", probe, source, labels)
        assert str(refused.value) == refusal(source)
        assert held(store, source) == before
        answers.add(str(refused.value).replace(repr(source), "NAME"))
    assert len(answers) == 1
    assert [r["username"] for r in refused_loads(store)] == ["int_nc", "pol_an", "int_low", "int_nc"]


def feed(path, *rows: str):
    path.write_text(FEED_HEADER + "".join(f"2022/09/{r},0\n" for r in rows))
    return path


def test_a_transactions_feed_loads_into_a_ledger_source_only_for_those_who_may_read_it(store, tmp_path):
    home = tmp_path / "home"
    secret = LabelChanges(agency="FIU", classification="SECRET", releasable_to="FIU")
    september = feed(tmp_path / "september.csv", "01 10:00,001,A1,001,B1,100,US Dollar,100,US Dollar,Wire")
    october = feed(tmp_path / "october.csv", "02 10:00,001,A2,001,B2,200,US Dollar,200,US Dollar,Wire")
    ingest_transactions(store, FIU_ANALYST, september, "bank-a", home, secret)
    before = held(store, "bank-a")
    with pytest.raises(Forbidden) as refused:
        ingest_transactions(store, FIU_CLERK, october, "bank-a", home,
                            LabelChanges(agency="FIU", classification="CONFIDENTIAL", releasable_to="FIU"))
    assert str(refused.value) == refusal("bank-a")
    assert held(store, "bank-a") == before
    assert ingest_transactions(store, FIU_ANALYST, october, "bank-a", home).records == 1  # one who may read it
    assert store.get_source("bank-a")["classification"] == Classification.SECRET


def test_a_travel_message_is_refused_where_it_would_restate_what_the_targeter_may_not_read(store, shared_data):
    paxlst = shared_data / "travel" / "paxlst"
    first, second = (paxlst / "apisMessage.txt").read_bytes(), (paxlst / "Test1.txt").read_bytes()
    piu_supervisor = Viewer("piu_sup", "PIU", frozenset({"supervisor"}), Classification.SECRET, purpose="test")
    targeter = Viewer("piu_tg", "PIU", frozenset({"targeter"}), Classification.CONFIDENTIAL, purpose="test")
    confidential = LabelChanges(classification="CONFIDENTIAL")
    assert receive_message(store, piu_supervisor, first, "m1", "paxlst", "api",
                           LabelChanges(classification="SECRET")).result.statements
    with pytest.raises(Forbidden) as refused:
        receive_message(store, targeter, second, "m2", "paxlst", "api", confidential)
    assert str(refused.value) == refusal("api")
    receive_message(store, piu_supervisor, second, "m2", "paxlst", "api", confidential)  # relabelled down: m1's stay
    before = held(store, "api")
    with pytest.raises(Forbidden) as refused:
        receive_message(store, targeter, first, "m1 again", "paxlst", "api")
    assert str(refused.value) == refusal("api")
    assert held(store, "api") == before
    assert receive_message(store, targeter, second, "m2 again", "paxlst", "api").result.statements


PASSWORD = "correct horse battery\n"


def test_the_cli_refuses_the_auditors_load_and_loads_the_supervisors(workspace, tmp_path):
    def run(*args: str, input: str | None = None):
        return CliRunner().invoke(app, list(args), input=input)

    for user, clearance, role in (("pol_sup", "secret", "supervisor"), ("pol_an", "confidential", "analyst")):
        created = run("users", "create", user, "--agency", "POLICE", "--role", role, "--clearance", clearance,
                      input=PASSWORD)
        assert created.exit_code == 0, created.output
    original = str(people(tmp_path / "police_secret.ftm.json", ("pol-sec1", "Undercover Officer Nine")))
    overwrite = str(people(tmp_path / "overwrite.ftm.json", ("pol-sec-x", "Nobody")))
    load = ["ingest", "ftm", "--source", "police-sec", "--releasable-to", "POLICE"]
    assert run("login", "pol_sup", input=PASSWORD).exit_code == 0
    assert run(*load, original, "--classification", "SECRET").exit_code == 0
    assert run("login", "pol_an", input=PASSWORD).exit_code == 0
    refused = run(*load, overwrite, "--classification", "CONFIDENTIAL")
    assert refused.exit_code != 0 and str(refused.exception) == refusal("police-sec")
    assert "retired" not in refused.output
    assert run("login", "pol_sup", input=PASSWORD).exit_code == 0
    assert "Undercover Officer Nine" in run("entity", "pol-sec1", "--purpose", "test").output
