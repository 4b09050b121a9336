"""The document-first hit: a query carrying a listed person's document number and birth date is a hit on them
whatever its name, and its explanation says so; a birth date that differs or is missing, or a number too short to
identify anyone, gives no such floor. On the UN list sample, through the matcher, the PIU's intake of a carrier's
PAXLST message and the screening of held records (both databases)."""


import orjson
import pyarrow as pa
import pytest

from nexus.ingest import ingest
from nexus.model import Classification, Labels
from nexus.screen import SCREEN_THRESHOLD, Query, features_from_json, render, screen_batch, screen_one
from nexus.screen.evidence import SCORING
from nexus.security.viewer import Viewer
from nexus.service.alerts import get_alert
from nexus.service.screening import screen_holdings
from nexus.service.travel import receive_message
from nexus.sources import get_format

#: KPi.033 on the UN list: RI WON HO, born 1964-07-17, DPRK passport 381310014.
RI_WON_HO = "unsc-6908555"
PASSPORT, BORN = "381310014", "1964-07-17"
#: As an alert and the API carry them.
IDENTITY, ANOTHER_NAME = "document_identity", "under another name"
TARGETER = Viewer("tina", "PIU", frozenset({"targeter"}), Classification.SECRET)
ANALYST = Viewer("fay", "FIU", frozenset({"analyst"}), Classification.SECRET)


def hits_on(index, query: Query, entity_id: str = RI_WON_HO, **options) -> list:
    return [h for h in screen_one(index, query, **options) if h.entity_id == entity_id]


def feature(hit, name: str):
    return next((f for f in hit.features if f.feature == name), None)


def test_the_floor_is_a_hit_at_the_operating_threshold():
    assert SCORING.document_identity >= SCREEN_THRESHOLD > SCORING.dob_exact + SCORING.document_equal


def test_a_listed_passport_and_birth_date_under_another_name_is_a_hit_that_says_so(un_index):
    (hit,) = hits_on(un_index, Query("John Peterson", birth_date=BORN, document="381 310 014"))
    assert hit.name_score == 0.0 and hit.score >= SCORING.document_identity
    identity = feature(hit, IDENTITY)
    assert identity.outcome == ANOTHER_NAME and identity.query == identity.listed == f"{PASSPORT}, born {BORN}"
    assert hit.score == pytest.approx(sum(f.contribution for f in hit.features), abs=1e-4)
    assert hit.reasons[-1] == render(identity) == (
        f"identity document and birth date match the listed person, under another name ({PASSPORT}, born {BORN}) "
        f"{identity.contribution:+.2f}")
    (named,) = hits_on(un_index, Query("Ri Won Ho", birth_date=BORN, document=PASSPORT))
    assert named.score == 1.0 and feature(named, IDENTITY) is None  # the floor only lifts, and is a feature only then


def test_a_contradicting_nationality_leaves_the_floor_and_is_named(un_index):
    """A PIU reviews a listed passport presented with another nationality: the facts a forger changes."""
    (hit,) = hits_on(un_index, Query("John Peterson", birth_date=BORN, document=PASSPORT, nationality="France"))
    assert hit.score >= SCORING.document_identity
    assert feature(hit, "nationality").outcome == "contradicts"
    assert feature(hit, IDENTITY).outcome == f"{ANOTHER_NAME}, nationality contradicts"
    assert "under another name, nationality contradicts" in hit.explanation


@pytest.mark.parametrize("birth_date", ["1964-07-18", "1964", "1964-07", None])
def test_only_the_birth_date_to_the_day_lifts_the_passport_to_a_hit(un_index, birth_date):
    (hit,) = hits_on(un_index, Query("John Peterson", birth_date=BORN, document=PASSPORT))
    assert hit.score >= SCORING.document_identity
    assert hits_on(un_index, Query("John Peterson", birth_date=birth_date, document=PASSPORT)) == []
    (weak,) = hits_on(un_index, Query("John Peterson", birth_date=birth_date, document=PASSPORT), threshold=0.0)
    assert feature(weak, IDENTITY) is None and weak.score < SCREEN_THRESHOLD
    if birth_date is None:  # the name supports the passport: a hit without the floor
        (named,) = hits_on(un_index, Query("Ri Won Ho", document=PASSPORT))
        assert named.score >= SCREEN_THRESHOLD and feature(named, IDENTITY) is None


def test_a_number_too_short_to_identify_anyone_gives_no_floor(un_index):
    """The UN list's own short numbers: Gaffar Mohammed Elhassan (unsc-690784, born 1952-06-24) has passport 4302;
    Muhammad Jamal al-Kashif (unsc-3026942, born 1964-01-01) has 6487 and 388181."""
    assert len("4302") < SCORING.document_identity_min_length == len("388181")
    assert hits_on(un_index, Query("John Peterson", birth_date="1952-06-24", document="4302"), "unsc-690784") == []
    assert hits_on(un_index, Query("John Peterson", birth_date="1964-01-01", document="6487"), "unsc-3026942") == []
    (hit,) = hits_on(un_index, Query("John Peterson", birth_date="1964-01-01", document="388181"), "unsc-3026942")
    assert hit.score >= SCORING.document_identity and feature(hit, IDENTITY)


def test_the_floor_ranks_with_name_hits_and_the_limit_keeps_the_best(un_index):
    """A query named much as one listed person (Gul Ahmad Hakimi, born 1964) carrying another's passport and birth
    date: both are hits, the identity first."""
    query = Query("Gul Ahmed Hakimi", birth_date=BORN, document=PASSPORT)
    hits = screen_one(un_index, query)
    assert [h.entity_id for h in hits] == [RI_WON_HO, "unsc-111181"]
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert [h.entity_id for h in screen_one(un_index, query, limit=1)] == [RI_WON_HO]


def test_a_batch_finds_the_identity_among_many_and_stores_the_feature(un_index):
    names = ["John Peterson", *[f"Traveller {i}" for i in range(300)]]
    frame = {"id": [f"p{i}" for i in range(len(names))], "name": names,
             "birth_date": [BORN, *["1980-01-01"] * 300], "document": [PASSPORT, *[str(500_000_000 + i) for i in range(300)]]}
    (row,) = screen_batch(un_index, pa.table(frame), workers=1).to_pylist()
    assert (row["query_id"], row["entity_id"]) == ("p0", RI_WON_HO) and row["score"] >= SCORING.document_identity
    features = features_from_json(row["features"])
    assert features == screen_one(un_index, Query("John Peterson", birth_date=BORN, document=PASSPORT, id="p0"))[0].features
    assert row["explanation"] == "; ".join(render(f) for f in features)



def test_a_paxlst_traveller_on_a_listed_passport_under_another_name_is_raised(un_store, shared_data):
    """A carrier's PAXLST sample (two travellers, three legs) with Todd Barrett, French, carrying Ri Won Ho's passport
    and birth date: an alert for review on his trip, saying why a name scoring nothing raised it."""
    message = (shared_data / "travel" / "paxlst" / "multiple_flight_leg_apis.txt").read_text()
    assert "DOC+P:110:111+YY3478621G'" in message and "DTM+329:680223'" in message
    message = message.replace("YY3478621G", PASSPORT).replace("DTM+329:680223", "DTM+329:640717")
    intake = receive_message(un_store, TARGETER, message.encode(), "apis.edi", "paxlst", "api")
    assert intake.error is None and intake.travellers == 2
    (alert_id,) = intake.screening_alerts
    alert = get_alert(un_store, TARGETER, alert_id)
    assert "BARRETT" in alert["title"].upper() and alert["score"] >= SCORING.document_identity
    explanation = alert["explanation"]
    assert explanation["listed"]["entity_id"] == RI_WON_HO and explanation["name_score"] == 0.0
    (identity,) = [f for f in explanation["features"] if f["feature"] == IDENTITY]
    assert identity["outcome"] == f"{ANOTHER_NAME}, nationality contradicts"
    assert any(r.startswith("identity document and birth date match the listed person") for r in explanation["reasons"])


def test_a_held_record_with_a_listed_passport_and_birth_date_is_raised(un_store, tmp_path):
    """The FIU's screening of what it holds: a customer record under another name with Ri Won Ho's passport."""
    path = tmp_path / "customers.json"
    path.write_bytes(orjson.dumps({"id": "c1", "schema": "Person", "properties": {
        "name": ["Peter Johnson"], "birthDate": [BORN], "passportNumber": [PASSPORT]}}))
    un_store.register_source("customers", "ftm", Labels("FIU", releasable_to=("FIU",)))
    ingest(un_store, "customers", path, get_format("ftm").read(path))
    (hit,) = screen_holdings(un_store, ANALYST)[1].to_pylist()
    assert (hit["query_id"], hit["entity_id"]) == ("c1", RI_WON_HO) and hit["score"] >= SCORING.document_identity
    assert IDENTITY in {f["feature"] for f in orjson.loads(hit["features"])}
    assert get_alert(un_store, ANALYST, hit["alert_id"])["state"] == "open"
