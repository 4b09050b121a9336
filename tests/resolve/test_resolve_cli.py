"""`nexus resolve`: an engine that cannot finish is one line on stderr and a non-zero exit, no traceback."""

from typer.testing import CliRunner

from nexus.cli import app
from nexus.engine import EngineError

runner = CliRunner()


def test_an_engine_failure_is_one_line_and_exit_2(workspace, monkeypatch):
    assert runner.invoke(app, ["init"]).exit_code == 0

    def out_of_memory(*args, **kwargs):
        raise EngineError("spark ran out of memory: set NEXUS_ENGINE_MEMORY (e.g. 8g) or free memory on this machine")

    monkeypatch.setattr("nexus.cli.resolve.resolve_store", out_of_memory)
    result = runner.invoke(app, ["resolve", "--engine", "spark"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "error: spark ran out of memory: set NEXUS_ENGINE_MEMORY (e.g. 8g) or free memory on this machine"]
    assert "Traceback" not in result.output


def test_resolve_on_duckdb_merges_nothing_in_an_empty_workspace(workspace):
    assert runner.invoke(app, ["init"]).exit_code == 0
    result = runner.invoke(app, ["resolve", "--engine", "duckdb"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "0 records resolved" in result.output and "0 merged entities" in result.output
