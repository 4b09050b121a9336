"""The typologies' parameters are configuration: a YAML file (`nexus detect --typologies`, NEXUS_TYPOLOGIES_FILE)
of every `TypologyConfig` field, reporting thresholds per currency, refused whole when a key or a value is wrong;
and `nexus detect` refuses an output it cannot write before it runs (both databases)."""

import json

import orjson
import pytest
from feed import ANALYST, HEADER, load_feed
from sqlalchemy import func, select
from typer.testing import CliRunner

from nexus.cli import app
from nexus.errors import InvalidInput
from nexus.service import detect as service
from nexus.service.detect import detect
from nexus.service.workspace import open_store
from nexus.store.schema import alerts, audit_log

runner = CliRunner()


def cash(day: int, amount: float, currency: str) -> str:
    return (f"2022/09/0{day} 10:00,080,80000Q001,080,80000Q002,{amount:.2f},{currency},{amount:.2f},{currency},"
            "Cash,0")


#: the tester's rows: three cash payments just under 10,000 Euro in three days, and the same in Yen
EURO = [cash(5, 9500, "Euro"), cash(6, 9800, "Euro"), cash(7, 9900, "Euro")]
PER_CURRENCY = "reporting_thresholds: {US Dollar: 10000, Euro: 10000, UAE Dirham: 55000}\n"


def structuring(found: list[dict]) -> list[dict]:
    return [a for a in found if a["name"] == "structuring"]


def test_structuring_is_found_in_each_currency_that_has_a_reporting_threshold(store, tmp_path):
    store, home = load_feed(store, tmp_path, EURO + [cash(8, 9990, "US Dollar").replace("Q001", "Q003")]
                            + [r.replace("Q001", "Q004").replace("Euro", "Yen") for r in EURO], "bank-q")
    assert [a["currency"] for a in structuring(detect(store, ANALYST, home))] == []  # in US Dollar only, by default
    path = tmp_path / "fiu.yml"
    path.write_text(PER_CURRENCY + "structuring_count: 3\n")
    config = service.typology_config(path)
    (found,) = structuring(detect(store, ANALYST, home, config=config))
    assert found["accounts"] == ["80000Q001", "80000Q002"] and len(found["transactions"]) == 3
    assert found["currency"] == "Euro" and found["total"] == 29200
    assert "just below the reporting threshold of 10,000 Euro" in found["explanation"]
    # the single threshold still works, in its own currency: 1,000 Yen here
    path.write_text("reporting_threshold: 10000\nthreshold_currency: Yen\nstructuring_margin: 0.1\n")
    (yen,) = structuring(detect(store, ANALYST, home, config=service.typology_config(path)))
    assert yen["accounts"][0] == "80000Q004" and yen["currency"] == "Yen"
    with store.engine.connect() as conn:  # the run records the parameters it used
        recorded = [orjson.loads(q) for q in conn.execute(select(audit_log.c.query).where(audit_log.c.action == "detect")
                                                          .order_by(audit_log.c.seq)).scalars()]
    assert recorded[1]["typologies"]["reporting_thresholds"] == {"US Dollar": 10000, "Euro": 10000, "UAE Dirham": 55000}
    assert recorded[2]["typologies"]["reporting_thresholds"] == {"Yen": 10000}
    assert recorded[2]["typologies"]["fan_degree"] == 5


def test_every_parameter_is_read_from_the_file_and_a_bad_key_or_value_is_one_error_naming_them(tmp_path, monkeypatch):
    path = tmp_path / "fiu.yml"
    path.write_text("fan_degree: 4\nfan_window_hours: 24\ncycle_max_length: 3\ncycle_window_hours: 100\n"
                    "reporting_threshold: 15000\nthreshold_currency: Euro\nreporting_thresholds: {AED: 55000}\n"
                    "structuring_margin: 0.2\nstructuring_count: 2\nstructuring_window_hours: 48\nscatter_middles: 2\n"
                    "scatter_window_hours: 24\ngather_scatter_gap_hours: 0\nbipartite_sources: 2\nbipartite_targets: 4\n"
                    "bipartite_window_hours: 12\nbipartite_max_payers: 10\nstack_gap_hours: 6\npass_through_share: 0.8\n"
                    "pass_through_window_hours: 12\nevidence_cap: 50\n")
    config = service.typology_config(path)
    assert (config.fan_degree, config.cycle_max_length, config.structuring_margin, config.evidence_cap) == (4, 3, 0.2, 50)
    assert config.thresholds() == {"Euro": 15000, "AED": 55000}
    monkeypatch.setenv("NEXUS_TYPOLOGIES_FILE", str(path))  # the environment names it when no file is given
    assert service.typology_config() == config
    path.write_text("fan_degree: four\nfan_colour: red\nreporting_thresholds: {Euro: -1}\nstructuring_margin: 1.5\n")
    with pytest.raises(InvalidInput) as refused:
        service.typology_config(path)
    message = str(refused.value)
    for key in ("fan_degree: a whole number", "fan_colour: not a typology parameter", "reporting_thresholds:",
                "structuring_margin: a share"):
        assert f"{path}: {key}" in message
    path.write_text("- fan_degree\n")
    with pytest.raises(InvalidInput, match="a mapping"):
        service.typology_config(path)
    with pytest.raises(InvalidInput, match="cannot read"):
        service.typology_config(tmp_path / "missing.yml")


def detected(store) -> tuple[int, int]:
    """(alerts raised, detect runs recorded)."""
    with store.engine.connect() as conn:
        return (conn.execute(select(func.count()).select_from(alerts)).scalar(),
                conn.execute(select(func.count()).select_from(audit_log).where(audit_log.c.action == "detect")).scalar())


def test_nexus_detect_takes_the_parameters_from_typologies_or_the_environment(workspace, tmp_path, monkeypatch):
    feed = tmp_path / "feed.csv"
    feed.write_text(HEADER + "\n".join(EURO) + "\n")
    assert runner.invoke(app, ["init"]).exit_code == 0
    assert runner.invoke(app, ["ingest", "amlworld", str(feed), "--source", "bank-q", "--agency", "FIU"]).exit_code == 0
    fiu = tmp_path / "fiu.yml"
    fiu.write_text(PER_CURRENCY)
    out = tmp_path / "alerts.jsonl"
    result = runner.invoke(app, ["detect", "--typologies", str(fiu), "--output", str(out), "--purpose", "euro"])
    assert result.exit_code == 0, result.output
    (found,) = [a for line in out.read_text().splitlines() if (a := json.loads(line))["name"] == "structuring"]
    assert found["currency"] == "Euro" and "10,000 Euro" in found["explanation"]
    assert "10,000 Euro" in result.output and str(fiu) in result.output.replace("\n", "")
    bad = tmp_path / "bad.yml"
    bad.write_text("reporting_threshold: lots\n")
    monkeypatch.setenv("NEXUS_TYPOLOGIES_FILE", str(bad))
    before = detected(open_store())
    refused = runner.invoke(app, ["detect", "--purpose", "euro"])
    assert refused.exit_code != 0 and f"{bad}: reporting_threshold: a number" in str(refused.exception)
    assert detected(open_store()) == before  # refused before it ran


def test_nexus_detect_refuses_an_output_it_cannot_write_before_it_raises_anything(workspace, tmp_path):
    feed = tmp_path / "feed.csv"
    feed.write_text(HEADER + "\n".join(EURO).replace("Euro", "US Dollar") + "\n")
    assert runner.invoke(app, ["init"]).exit_code == 0
    assert runner.invoke(app, ["ingest", "amlworld", str(feed), "--source", "bank-q", "--agency", "FIU"]).exit_code == 0
    (tmp_path / "a-file").write_text("")
    for output, why in ((tmp_path / "nonexistent" / "dir" / "a.jsonl", "does not exist"),
                        (tmp_path / "a-file" / "a.jsonl", "is not a folder"),
                        (tmp_path, "is a folder, not a file")):
        result = runner.invoke(app, ["detect", "--output", str(output), "--purpose", "test"])
        assert result.exit_code != 0
        assert detected(open_store()) == (0, 0), output  # nothing raised, no run recorded
        assert why in str(result.exception) and f"--output {output}" in str(result.exception)
    assert runner.invoke(app, ["detect", "--output", str(tmp_path / "a.jsonl"), "--purpose", "test"]).exit_code == 0
    assert detected(open_store())[0] == 1


def test_a_currency_is_one_whether_a_feed_spells_it_eur_or_euro(store, tmp_path):
    # two payments spelled Euro (AMLworld's name) and one EUR (the ISO code a bank's feed gives): one structuring
    rows = [EURO[0], EURO[1].replace("Euro", "EUR"), EURO[2]]
    store, home = load_feed(store, tmp_path, rows, "bank-e")
    path = tmp_path / "fiu.yml"
    path.write_text("reporting_thresholds: {EUR: 10000}\nstructuring_count: 3\n")
    config = service.typology_config(path)
    assert config.thresholds() == {"US Dollar": 10000, "Euro": 10000}
    (found,) = structuring(detect(store, ANALYST, home, config=config))
    assert found["currency"] == "Euro" and found["total"] == 29200 and len(found["transactions"]) == 3
    path.write_text("reporting_thresholds: {EUR: 9000, Euro: 10000}\n")
    with pytest.raises(InvalidInput, match="EUR: 9000 and Euro: 10000 name one currency"):
        service.typology_config(path)
    path.write_text("reporting_threshold: 10000\nreporting_thresholds: {USD: 9000}\n")  # a restatement contradicting
    with pytest.raises(InvalidInput, match=r"reporting_threshold \(US Dollar\): 10000 and USD: 9000 name one currency"):
        service.typology_config(path)
    path.write_text("reporting_threshold: 10000\nreporting_thresholds: {USD: 10000, EUR: 9000}\n")
    assert service.typology_config(path).thresholds() == {"US Dollar": 10000, "Euro": 9000}
