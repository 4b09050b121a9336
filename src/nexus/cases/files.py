"""Files stored once by their SHA-256 (NEXUS_HOME/evidence, NEXUS_HOME/disseminations): written whole,
never overwritten, re-hashed whenever read."""

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from nexus.errors import Conflict

CHUNK = 1 << 20
SHA256_HEX = frozenset("0123456789abcdef")


class Tampered(Conflict):
    """A stored file is missing or no longer matches the SHA-256 it was stored under."""


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class ContentStore:
    root: Path

    def path(self, sha256: str) -> Path:
        if len(sha256) != 64 or not set(sha256) <= SHA256_HEX:
            raise ValueError(f"not a SHA-256: {sha256!r}")
        return self.root / sha256[:2] / sha256

    def put(self, data: bytes) -> tuple[str, bool]:
        """Store ``data``; its SHA-256, and whether it was new (False: the same bytes were there already)."""
        scratch = self.scratch()
        try:
            with scratch.open("wb") as fh:
                fh.write(data)
            return self.adopt(scratch)
        finally:
            scratch.unlink(missing_ok=True)

    def scratch(self) -> Path:
        """A fresh file in the store's folder for a caller to write and then `adopt`."""
        self.root.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=self.root, prefix=".incoming-")
        os.close(fd)
        return Path(name)

    def adopt(self, scratch: Path) -> tuple[str, bool]:
        """Move a written scratch file into place under its SHA-256 (its SHA-256, whether new)."""
        with scratch.open("rb+") as fh:
            os.fsync(fh.fileno())
        sha256 = file_sha256(scratch)
        target = self.path(sha256)
        target.parent.mkdir(parents=True, exist_ok=True)
        scratch.chmod(0o444)
        try:
            os.link(scratch, target)  # unlike a rename, never replaces a file already there
        except FileExistsError:
            return sha256, False
        finally:
            scratch.unlink(missing_ok=True)
        return sha256, True

    def verified(self, sha256: str) -> Path:
        """The stored file, re-hashed: `Tampered` when it is gone or its bytes no longer match."""
        path = self.path(sha256)
        if not path.is_file():
            raise Tampered(f"stored file {sha256} is missing from the store")
        found = file_sha256(path)
        if found != sha256:
            raise Tampered(f"stored file {sha256} no longer matches its SHA-256 (now {found}): refused")
        return path
