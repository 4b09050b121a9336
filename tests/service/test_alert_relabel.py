"""An alert's visibility follows the current labels of what it cites (both databases): relabelled, retired or
deleted evidence hides it from whoever may no longer see all of it, on every read."""

import orjson
import pytest
from fastapi.testclient import TestClient

from nexus.api import create_app
from nexus.errors import NotFound
from nexus.model import Classification
from nexus.security import tokens, users
from nexus.security.viewer import Viewer
from nexus.service.alerts import (
    alert_counts, find_alert, get_alert, list_alerts, review_alert, visible_alert_ids,
)
from nexus.service.ingest import LabelChanges, ingest_file
from nexus.service.retention import run_retention
from nexus.service.screening import screen_holdings

OWNER = Viewer("owner", "LOCAL", frozenset({"administrator"}), Classification.TOP_SECRET)
LEAD = Viewer("lead", "POLICE", frozenset({"analyst"}), Classification.SECRET)
CLERK = Viewer("clerk", "POLICE", frozenset({"analyst"}), Classification.RESTRICTED)
BOUT = {"id": "w1", "schema": "Person", "properties": {"name": ["Viktor Bout"], "birthDate": ["1967-01-13"],
                                                         "notes": ["arms dealer"]}}
OTHER = {"id": "w2", "schema": "Person", "properties": {"name": ["Anna Other"], "birthDate": ["1950-05-05"]}}


def load(store, tmp_path, source, entities, labels=LabelChanges(), **options):
    path = tmp_path / f"{source}.json"
    path.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in entities))
    return ingest_file(store, OWNER, "ftm", path, source, labels, force=True, **options)


def without_notes(entity):
    return entity | {"properties": {k: v for k, v in entity["properties"].items() if k != "notes"}}


@pytest.fixture
def world(store, tmp_path):
    load(store, tmp_path, "watch", [BOUT, OTHER], is_list=True)
    load(store, tmp_path, "police", [{"id": "p1", "schema": "Person",
                                       "properties": {"name": ["Viktor Bout"], "birthDate": ["1967-01-13"]}}],
         LabelChanges(agency="POLICE", releasable_to="POLICE"))
    screen_holdings(store, CLERK)
    return store


def the_alert(store, viewer):
    (alert,) = list_alerts(store, viewer)
    return alert


def hidden_from(store, viewer, alert):
    with pytest.raises(NotFound):
        get_alert(store, viewer, alert["id"])
    with pytest.raises(NotFound):
        find_alert(store, viewer, alert["kind"], alert["subject"], alert["fingerprint"])
    with pytest.raises(NotFound):
        review_alert(store, viewer, alert["id"], "dismissed", "not him")
    return (list_alerts(store, viewer) == [] and alert_counts(store, viewer)["by_state"] == []
            and visible_alert_ids(store, viewer, [alert["id"]]) == set())


def test_an_alert_is_hidden_once_its_evidence_is_relabelled_above_the_viewer(world, tmp_path):
    alert = the_alert(world, CLERK)
    load(world, tmp_path, "watch", [BOUT, OTHER], LabelChanges(classification="SECRET"), is_list=True)
    assert hidden_from(world, CLERK, alert)
    shown = get_alert(world, LEAD, alert["id"])
    assert shown["labels"]["classification"] == "SECRET"
    assert {e["classification"] for e in shown["evidence"] if e["entity_id"] == "w1"} == {Classification.SECRET}
    screen_holdings(world, CLERK)  # screening again finds nothing the clerk may see, and shows nothing
    assert list_alerts(world, CLERK) == []


def test_an_alert_follows_its_evidence_relabelled_down_again(world, tmp_path):
    alert = the_alert(world, CLERK)
    load(world, tmp_path, "watch", [BOUT, OTHER], LabelChanges(classification="SECRET"), is_list=True)
    load(world, tmp_path, "watch", [BOUT, OTHER], LabelChanges(classification="RESTRICTED"), is_list=True)
    assert the_alert(world, CLERK)["labels"]["classification"] == "RESTRICTED"
    assert the_alert(world, CLERK)["id"] == alert["id"]


def test_an_alert_citing_retired_statements_is_hidden_from_everyone_until_they_are_loaded_again(world, tmp_path):
    alert = the_alert(world, CLERK)
    load(world, tmp_path, "watch", [OTHER], is_list=True)  # w1 is no longer listed: its statements retire
    assert hidden_from(world, LEAD, alert)
    load(world, tmp_path, "watch", [BOUT, OTHER], is_list=True)
    assert the_alert(world, CLERK)["id"] == alert["id"]


def test_raising_an_alert_again_drops_what_it_cited_that_is_gone(world, tmp_path):
    # the notes are not screened on: the hit, and so the alert, stays the same without them
    alert = the_alert(world, CLERK)
    cited = {e["ref_id"] for e in get_alert(world, CLERK, alert["id"])["evidence"]}
    load(world, tmp_path, "watch", [without_notes(BOUT), OTHER], is_list=True)
    assert hidden_from(world, CLERK, alert)
    screen_holdings(world, CLERK)
    assert the_alert(world, CLERK)["id"] == alert["id"]
    still = {e["ref_id"] for e in get_alert(world, CLERK, alert["id"])["evidence"]}
    assert still < cited and len(still) == len(cited) - 1


def test_an_alert_citing_statements_retention_deleted_is_hidden_from_everyone(world, tmp_path):
    alert = the_alert(world, CLERK)
    load(world, tmp_path, "watch", [BOUT, OTHER], is_list=True, retention_days=1)
    run_retention(world, OWNER, now="2999-01-01")
    assert hidden_from(world, LEAD, alert)


def test_the_api_answers_404_for_an_alert_whose_evidence_was_relabelled(world, tmp_path):
    users.create_user(world, "clerk", agency="POLICE", roles=["analyst"], clearance=Classification.RESTRICTED)
    token = tokens.create_token(world, users.viewer_for(world, "clerk"), "clerk", frozenset({"read"}))
    headers = {"Authorization": f"Bearer {token}", "X-Nexus-Purpose": "alert review"}
    client = TestClient(create_app(world))
    alert_id = client.get("/api/v1/alerts", headers=headers).json()["items"][0]["id"]
    load(world, tmp_path, "watch", [BOUT, OTHER], LabelChanges(classification="SECRET"), is_list=True)
    assert client.get(f"/api/v1/alerts/{alert_id}", headers=headers).status_code == 404
    assert client.get("/api/v1/alerts", headers=headers).json()["items"] == []
