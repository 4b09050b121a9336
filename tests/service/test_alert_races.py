"""Two requests raising one alert at once (PostgreSQL, where they run together): both answer, and one alert
with one set of evidence results."""

import orjson
import pyarrow as pa
import pytest
from sqlalchemy import func, select

from nexus.ingest import ingest
from nexus.model import Classification, Labels
from nexus.security.viewer import Viewer
from nexus.service import alerts
from nexus.service.alerts import Evidence, NewAlert, raise_alerts
from nexus.service.screening import screen
from nexus.sources import get_format
from nexus.store.schema import alert_evidence
from nexus.store.schema import alerts as alert_rows

pytestmark = pytest.mark.postgres_only
ANALYST = Viewer("ana", "POLICE", frozenset({"analyst"}), Classification.SECRET)


@pytest.fixture
def watched(store, tmp_path):
    path = tmp_path / "watch.json"
    path.write_bytes(orjson.dumps({"id": "w1", "schema": "Person",
                                   "properties": {"name": ["Viktor Bout"], "birthDate": ["1967-01-13"]}}))
    store.register_source("watch", "ftm", Labels("POLICE", Classification.RESTRICTED), is_list=True)
    ingest(store, "watch", path, get_format("ftm").read(path))
    return store


def stored(store):
    with store.engine.connect() as conn:
        return (conn.execute(select(func.count()).select_from(alert_rows)).scalar(),
                conn.execute(select(func.count()).select_from(alert_evidence)).scalar())


def test_two_screenings_raising_one_alert_at_once_both_answer_with_that_alert(watched, at_once):
    question = pa.table({"name": ["Viktor Bout"], "birth_date": ["1967"]})
    answers = []

    def ask():
        answers.append(screen(watched, ANALYST, question, alerts=True).select(["alert_id", "alert_state"]).to_pylist())

    at_once(alerts, "_existing", ask, ask)
    assert len(answers) == 2 and answers[0] == answers[1] and answers[0][0]["alert_state"] == "open"
    assert stored(watched) == (1, 4)  # the question; the listed entity's id, name and birth date


def test_two_raisings_of_an_alert_at_once_keep_one_set_of_evidence(watched, at_once):
    def alert(*refs):
        return NewAlert(kind="rule", subject="rule/r1/acct-1/2024-01-01", fingerprint="f", title="r1", score=0.5,
                        explanation={}, evidence=tuple(Evidence("query", ref, None, Labels("POLICE")) for ref in refs))

    raise_alerts(watched, ANALYST, [alert("run 1")], "judge")
    answers = []
    at_once(alerts, "_cited", lambda: answers.append(raise_alerts(watched, ANALYST, [alert("run 2")], "judge")),
            lambda: answers.append(raise_alerts(watched, ANALYST, [alert("run 3")], "judge")))
    assert len(answers) == 2 and answers[0] == answers[1]
    assert stored(watched) == (1, 3)  # what each raising cited, kept
