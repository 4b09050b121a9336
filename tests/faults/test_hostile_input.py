"""Hostile input: every parser survives a short fuzz run, and XML attacks are refused fast.

The long runs (≥ 100,000 inputs per parser) are `python fuzz/run.py --parser NAME --runs N`.
"""

import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from fuzz.harness import CORPUS, REFUSE_PREFIX, TARGETS, exercise, fuzz  # noqa: E402

SMOKE_RUNS = 300


@pytest.mark.parametrize("parser", sorted(TARGETS))
def test_a_short_fuzz_run_has_only_allowed_outcomes(parser, request):
    if TARGETS[parser].shared_options:
        request.getfixturevalue("shared_data")  # skips only where ../shared is absent, never in CI
    report = fuzz(parser, SMOKE_RUNS, start_seed=20_240_601)
    assert report.failure is None, f"{report.failure} (input saved to {report.saved})"
    assert report.inputs >= SMOKE_RUNS
    assert set(report.outcomes) <= {"records", "record errors", "refused"}


@pytest.mark.parametrize("attack", sorted(p.name for p in (CORPUS / "un-sc").glob(f"{REFUSE_PREFIX}*")))
def test_xml_attacks_are_refused_within_seconds(attack, tmp_path):
    data = (CORPUS / "un-sc" / attack).read_bytes()
    started = time.monotonic()
    assert exercise(TARGETS["un-sc"], data, tmp_path) == "refused"
    assert time.monotonic() - started < 5


def test_a_goaml_report_declaring_an_external_entity_is_refused(shared_data, tmp_path):
    data = (CORPUS / "goaml" / "refuse-external_entity.xml").read_bytes()
    started = time.monotonic()
    assert exercise(TARGETS["goaml"], data, tmp_path) == "refused"
    assert time.monotonic() - started < 5
