"""Settings from the environment: the workspace, the database and the engine."""

import os
from dataclasses import dataclass
from pathlib import Path

from nexus.errors import InvalidInput


EVIDENCE_MAX_BYTES = 256 << 20


@dataclass(frozen=True)
class Settings:
    home: Path
    database_url: str
    engine: str  # "duckdb" or "spark"
    evidence_max_bytes: int = EVIDENCE_MAX_BYTES  # the largest file a case takes as evidence
    secure_cookies: bool = False  # served over TLS (perhaps behind a proxy): cookies only ever go over HTTPS
    goaml_schema: Path | None = None  # the FIU's goAML XSD, which reports are validated against (NEXUS_GOAML_SCHEMA)

    @property
    def evidence_dir(self) -> Path:
        return self.home / "evidence"

    @property
    def dissemination_dir(self) -> Path:
        return self.home / "disseminations"

    @property
    def snapshot_dir(self) -> Path:
        return self.home / "snapshots"


def load_settings() -> Settings:
    home = Path(os.environ.get("NEXUS_HOME", "nexus-data")).resolve()
    url = os.environ.get("NEXUS_DATABASE_URL") or f"sqlite:///{home / 'nexus.db'}"
    engine = os.environ.get("NEXUS_ENGINE", "duckdb")
    if engine not in ("duckdb", "spark"):
        raise InvalidInput(f"NEXUS_ENGINE must be 'duckdb' or 'spark', not {engine!r}")
    limit = os.environ.get("NEXUS_EVIDENCE_MAX_BYTES", "")
    if limit and not (limit.isdigit() and int(limit) > 0):
        raise InvalidInput(f"NEXUS_EVIDENCE_MAX_BYTES must be a positive number of bytes, not {limit!r}")
    secure = os.environ.get("NEXUS_SECURE_COOKIES", "").strip().lower()
    if secure not in ("", "0", "1", "true", "false", "yes", "no"):
        raise InvalidInput(f"NEXUS_SECURE_COOKIES must be 1 or 0, not {secure!r}")
    schema = os.environ.get("NEXUS_GOAML_SCHEMA", "").strip()
    if schema and not Path(schema).is_file():
        raise InvalidInput(f"NEXUS_GOAML_SCHEMA names no file: {schema}")
    return Settings(home=home, database_url=url, engine=engine,
                    evidence_max_bytes=int(limit) if limit else EVIDENCE_MAX_BYTES,
                    secure_cookies=secure in ("1", "true", "yes"), goaml_schema=Path(schema) if schema else None)
