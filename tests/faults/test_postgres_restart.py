"""PostgreSQL going away mid-work: one clear error, then work resumes once it is back.

The test runs its own throwaway PostgreSQL instance (initdb in a temporary directory,
a free port), so restarting it cannot disturb other tests running in parallel.
"""

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from nexus.model.labels import Labels
from nexus.store import Store

from .conftest import nexus

pytestmark = pytest.mark.postgres


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if found:
        return Path(found[-1]).parent
    pg_ctl = shutil.which("pg_ctl")
    return Path(pg_ctl).parent if pg_ctl else None


def _as_postgres_user() -> list[str]:
    """PostgreSQL refuses to run as root: run its tools as the `postgres` account then."""
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Instance:
    def __init__(self, bin_dir: Path):
        self.bin = bin_dir
        self.dir = Path(tempfile.mkdtemp(prefix="nexus-pg-"))
        self.data = self.dir / "data"
        self.port = _free_port()
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, tool: str, *args: str) -> None:
        subprocess.run([*_as_postgres_user(), str(self.bin / tool), *args], check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.dir / "log"), "-w", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        subprocess.run([*_as_postgres_user(), str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"],
                       capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def private_postgres():
    bin_dir = _pg_bin()
    if bin_dir is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL server binaries (pg_ctl, initdb) are not installed")
        pytest.skip("PostgreSQL server binaries are not installed")
    instance = Instance(bin_dir)
    instance.start()
    yield instance
    instance.remove()


def test_operations_fail_cleanly_while_postgres_is_down_and_succeed_after(private_postgres, tmp_path):
    env = {"NEXUS_HOME": str(tmp_path / "home"), "NEXUS_DATABASE_URL": private_postgres.url}
    store = Store.open(url=private_postgres.url)
    store.register_source("before", "ftm", Labels("POLICE"))
    assert nexus("stats", env=env).returncode == 0

    private_postgres.stop()
    with pytest.raises(OperationalError):
        store.register_source("during", "ftm", Labels("POLICE"))
    down = nexus("stats", env=env)
    assert down.returncode == 3
    assert down.stdout == ""
    (message,) = down.stderr.splitlines()
    assert message.startswith("error: the database is unavailable") and message.endswith("retry when it is back")
    assert "Traceback" not in down.stderr

    private_postgres.start()
    store.register_source("after", "ftm", Labels("POLICE"))  # the same pool reconnects
    assert [s["name"] for s in store.list_sources()] == ["after", "before"]
    up = nexus("stats", env=env)
    assert up.returncode == 0, up.stderr
    store.close()
