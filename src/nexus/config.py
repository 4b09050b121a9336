"""Settings from the environment: the workspace, the database and the engine."""

import os
from dataclasses import dataclass
from pathlib import Path

from nexus.errors import InvalidInput


@dataclass(frozen=True)
class Settings:
    home: Path
    database_url: str
    engine: str  # "duckdb" or "spark"

    @property
    def snapshot_dir(self) -> Path:
        return self.home / "snapshots"


def load_settings() -> Settings:
    home = Path(os.environ.get("NEXUS_HOME", "nexus-data")).resolve()
    url = os.environ.get("NEXUS_DATABASE_URL") or f"sqlite:///{home / 'nexus.db'}"
    engine = os.environ.get("NEXUS_ENGINE", "duckdb")
    if engine not in ("duckdb", "spark"):
        raise InvalidInput(f"NEXUS_ENGINE must be 'duckdb' or 'spark', not {engine!r}")
    return Settings(home=home, database_url=url, engine=engine)
