"""Shared fixtures. Every test that takes ``store`` runs on SQLite and on PostgreSQL."""

import os
import re
import sys
import threading
import uuid
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest
from sqlalchemy import create_engine, text

from nexus.ingest import ingest
from nexus.model import Classification, Labels
from nexus.sources import get_format
from nexus.store import Store
from nexus.store.db import make_engine, migrate

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
POSTGRES_URL = os.environ.get("NEXUS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real public samples in ../shared/data. Absent only outside CI."""
    if not SHARED.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"{SHARED} is missing; CI must have ../shared beside the checkout")
        pytest.skip("../shared/data is not present")
    return SHARED


def _postgres_available() -> bool:
    try:
        with create_engine(POSTGRES_URL).connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except Exception:
        return False


def pytest_collection_modifyitems(config, items):
    """Tests marked `sqlite_only` keep their SQLite run only, those marked `postgres_only` their PostgreSQL run
    only (the other deselected, not skipped)."""
    def other(item) -> str | None:
        for marker, kept in (("sqlite_only", "sqlite"), ("postgres_only", "postgres")):
            if item.get_closest_marker(marker):
                return {"sqlite": "postgres", "postgres": "sqlite"}[kept]
        return None

    dropped = [item for item in items if other(item) and getattr(item, "callspec", None)
               and item.callspec.params.get("database_url") == other(item)]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if item not in dropped]


@pytest.hookimpl(trylast=True, specname="pytest_collection_modifyitems")
def pytest_xdist_groups_hold(config, items):
    """Under `--dist loadgroup` a test marked `xdist_group` carries its group at the end of its id (pytest-xdist 3.8
    puts it there, and schedules by it); without it pytest-xdist has silently stopped grouping, and two JVMs or two
    browsers would share the two cores. Only xdist's workers have `loadgroup`."""
    if not getattr(config.option, "loadgroup", False):
        return
    lost = [item.nodeid for item in items if (mark := item.get_closest_marker("xdist_group"))
            and not item.nodeid.endswith(f"@{mark.args[0] if mark.args else mark.kwargs.get('name')}")]
    if lost:
        message = (f"pytest-xdist ignored the xdist_group of {len(lost)} tests ({lost[0]} …): this pytest and "
                   "pytest-xdist do not work together (pytest-dev/pytest-xdist#1386)")
        print(message, file=sys.__stderr__)  # a worker's error reaches the controller without its message
        raise pytest.UsageError(message)


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request, tmp_path) -> str:
    """A fresh, empty database: a SQLite file, or a PostgreSQL schema of its own."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'nexus.db'}"
        return
    if not _postgres_available():
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is not reachable at {POSTGRES_URL}")
        pytest.skip("PostgreSQL is not reachable")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in POSTGRES_URL else "?"
    yield f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}"
    with admin.connect() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture
def store(database_url) -> Store:
    store = Store(make_engine(database_url))
    migrate(store.engine)
    yield store
    store.close()


@pytest.fixture
def load_un_list(store, tmp_path) -> Callable[[], Store]:
    """`load_un_list()` loads into `store` the source "un", a list (UNSC, unclassified) of one person: "un-1", Viktor
    Bout, born 1967-01-13. Returns the store."""
    def load() -> Store:
        path = tmp_path / "list.json"
        path.write_bytes(orjson.dumps({"id": "un-1", "schema": "Person", "properties": {
            "name": ["Viktor Bout"], "birthDate": ["1967-01-13"], "topics": ["sanction"]}}) + b"\n")
        store.register_source("un", "ftm", Labels("UNSC", Classification.UNCLASSIFIED), is_list=True)
        ingest(store, "un", path, get_format("ftm").read(path))
        return store
    return load


@pytest.fixture
def listed(load_un_list) -> Store:
    """`store` with the one-person UN list of `load_un_list` loaded."""
    return load_un_list()


@pytest.fixture
def un_store(store, shared_data, tmp_path) -> Store:
    """`store` with the UN list cut to KPi.033 (Ri Won Ho, born 1964-07-17, passport 381310014) loaded as the list
    "un"."""
    text = (shared_data / "sanctions" / "un_consolidated_2017.xml").read_text(encoding="utf-8")
    (wanted,) = [x for x in re.findall(r"<INDIVIDUAL>.*?</INDIVIDUAL>", text, re.DOTALL) if "KPi.033<" in x]
    assert "<NUMBER> 381310014</NUMBER>" in wanted and "<DATE>1964-07-17</DATE>" in wanted
    path = tmp_path / "un.xml"
    path.write_text('<?xml version="1.0" encoding="UTF-8"?><CONSOLIDATED_LIST><INDIVIDUALS>' + wanted
                    + "</INDIVIDUALS></CONSOLIDATED_LIST>", encoding="utf-8")
    store.register_source("un", "un-sc", Labels("UNSC", Classification.UNCLASSIFIED), is_list=True)
    ingest(store, "un", path, get_format("un-sc").read(path))
    return store


@pytest.fixture
def at_once(monkeypatch):
    """`at_once(module, name, first, second)`: `first()` and `second()` in two threads, as two requests at once. The
    first to call `module.name` (a read of what is stored) waits after reading, up to 2 s, for the other to read
    too; a lock that keeps the other from reading until the first has written lets it go on at the timeout. Raises
    what either raised."""
    def run(module, name: str, first, second) -> None:
        read, second_read, original, errors = threading.Event(), threading.Event(), getattr(module, name), []

        def reading(*args, **kwargs):
            found = original(*args, **kwargs)
            if read.is_set():
                second_read.set()
            else:
                read.set()
                second_read.wait(2)
            return found

        def guarded(call) -> None:
            try:
                call()
            except BaseException as exc:  # raised in the test's thread below
                errors.append(exc)

        monkeypatch.setattr(module, name, reading)
        one = threading.Thread(target=guarded, args=(first,))
        one.start()
        assert read.wait(30)
        two = threading.Thread(target=guarded, args=(second,))
        two.start()
        one.join(60)
        two.join(60)
        if errors:
            raise errors[0]

    return run


@pytest.fixture
def workspace(tmp_path, database_url, monkeypatch) -> Path:
    """A NEXUS_HOME for CLI tests, pointing at the parametrized database."""
    home = tmp_path / "home"
    monkeypatch.setenv("NEXUS_HOME", str(home))
    monkeypatch.setenv("NEXUS_DATABASE_URL", database_url)
    return home


@pytest.fixture(scope="module")
def spark_session():
    """A small local Spark session (one core, 1 GB), or the one already running."""
    pytest.importorskip("pyspark")
    from nexus.engine.spark import local_spark

    return local_spark(cores=1, memory=1024)
