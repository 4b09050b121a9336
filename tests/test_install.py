"""A plain install works: every imported package is declared, and `pip install .` with
no extras gives a `nexus` that initialises a workspace, loads a sanctions list and
screens names against it with hits."""

import csv
import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_every_imported_package_is_declared():
    result = subprocess.run([sys.executable, "-m", "deptry", "src"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_plain_install_screens_a_sanctions_list(tmp_path, shared_data):
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    bin_dir = env_dir / "bin"
    # No byte-compiling at install (a third of its time): Python compiles what it imports.
    pip = [str(bin_dir / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile"]
    install = subprocess.run([*pip, "-c", str(ROOT / "constraints.txt"), str(ROOT)],
                             capture_output=True, text=True)
    assert install.returncode == 0, install.stderr[-4000:]

    env = {k: v for k, v in os.environ.items() if not k.startswith("NEXUS_")}
    env["NEXUS_HOME"] = str(tmp_path / "home")

    def nexus(*args: str) -> subprocess.CompletedProcess:
        done = subprocess.run([str(bin_dir / "nexus"), *args], cwd=tmp_path, env=env,
                              capture_output=True, text=True)
        assert done.returncode == 0, f"nexus {' '.join(args)}: {done.stdout}{done.stderr}"
        return done

    nexus("init")
    # No --list: a sanctions-list format registers its source as a list by itself.
    nexus("ingest", "un-sc", str(shared_data / "sanctions" / "un_consolidated_2017.xml"), "--source", "un")
    queries = tmp_path / "customers.csv"
    queries.write_text("id,name,birth_date\nc1,Ayman al-Zawahiri,1951-06-19\nc2,Jane Q. Unlisted,1990-01-01\n",
                       encoding="utf-8")
    hits_file = tmp_path / "hits.csv"
    nexus("screen", "--input", str(queries), "--output", str(hits_file))
    with hits_file.open(encoding="utf-8") as fh:
        hits = list(csv.DictReader(fh))
    assert {h["query_id"] for h in hits} == {"c1"}
    assert hits[0]["entity_id"] == "unsc-111923"  # QDi.006, Aiman Muhammed Rabi al-Zawahiri
    nexus("resolve")  # DuckDB needs no extra
    spark = subprocess.run([str(bin_dir / "nexus"), "resolve", "--engine", "spark"], cwd=tmp_path, env=env,
                           capture_output=True, text=True)
    assert spark.returncode != 0 and "pip install 'nexus[spark]'" in spark.stderr
    assert "Traceback" not in spark.stderr
