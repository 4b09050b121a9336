"""`nexus cases` end to end in a workspace (both databases), as the laptop's local owner."""

import hashlib
import json
import zipfile

import pytest
from typer.testing import CliRunner

from nexus.cli import app, main

runner = CliRunner()


def nexus(*args: str) -> str:
    result = runner.invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def partners(workspace):
    """The workspace, with the partner agencies its cases work with registered."""
    for code, name in (("CUSTOMS", "Customs"), ("INTEL", "Intelligence service")):
        nexus("agencies", "add", code, "--name", name)
    return workspace


def test_cases_from_the_command_line(partners, tmp_path, capsys, monkeypatch):
    case = json.loads(nexus("cases", "open", "Port case", "--summary", "cigarettes", "--agency", "customs", "--json"))
    case_id = str(case["id"])
    assert case["agencies"] == ["LOCAL", "CUSTOMS"]
    assert "note 1 added" in nexus("cases", "note", case_id, "seen at the port")
    assert "task 1 added" in nexus("cases", "task", case_id, "check manifests", "--due", "2030-01-31")
    assert "done" in nexus("cases", "task", case_id, "--done", "1")
    photo = tmp_path / "port.png"
    photo.write_bytes(b"\x89PNG the port")
    assert hashlib.sha256(photo.read_bytes()).hexdigest() in nexus("cases", "evidence", "add", case_id, str(photo),
                                                                   "--description", "at night")
    copy = tmp_path / "copy.png"
    nexus("cases", "evidence", "get", case_id, "1", "--output", str(copy))
    assert copy.read_bytes() == photo.read_bytes()
    assert "team: LOCAL, CUSTOMS, INTEL" in nexus("cases", "agency", case_id, "--add", "intel")
    package = tmp_path / "package.zip"
    assert "dissemination 1 to CUSTOMS" in nexus("cases", "disseminate", case_id, "--to", "customs", "-o", str(package))
    assert "report.pdf" in zipfile.ZipFile(package).namelist()
    custody = [json.loads(line) for line in nexus("cases", "custody", case_id, "--json").splitlines()]
    assert [e["action"] for e in custody] == ["added", "viewed", "disseminated", "disseminated"]
    shown = json.loads(nexus("cases", "show", case_id, "--json"))
    assert shown["counts"]["evidence"] == 1 and shown["tasks"][0]["done"] and shown["disseminations"]
    assert "Port case" in nexus("cases", "show", case_id)
    assert "case(s)" in nexus("cases", "list")
    nexus("cases", "close", case_id)
    assert json.loads(nexus("cases", "list", "--json", "--state", "closed"))["state"] == "closed"

    monkeypatch.setattr("sys.argv", ["nexus", "cases", "note", case_id, "too late"])
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code == 1
    assert "is closed" in capsys.readouterr().err


def test_orcon_evidence_goes_out_only_once_its_agency_lifts_the_caveat(partners, tmp_path):
    case_id = str(json.loads(nexus("cases", "open", "Source case", "--agency", "customs", "--json"))["id"])
    note = tmp_path / "source.txt"
    note.write_text("what our source said")
    nexus("cases", "evidence", "add", case_id, str(note), "--orcon", "--releasable-to", "LOCAL,CUSTOMS")
    package = tmp_path / "package.zip"
    refused = runner.invoke(app, ["cases", "disseminate", case_id, "--to", "customs", "-o", str(package)])
    assert refused.exit_code != 0 and "ORCON" in str(refused.exception) and not package.exists()
    assert "ORCON lifted" in nexus("cases", "evidence", "lift-orcon", case_id, "1", "--reason", "source agrees")
    nexus("cases", "disseminate", case_id, "--to", "customs", "-o", str(package))
    assert "evidence/1-source.txt" in zipfile.ZipFile(package).namelist()
