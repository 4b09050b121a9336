"""Size and depth limits applied to every input, and line reading that enforces them."""

from collections.abc import Iterator
from pathlib import Path

from nexus.sources.base import SourceError

MAX_FILE_BYTES = 20 * 1024**3
MAX_LINE_BYTES = 16 * 1024**2
MAX_XML_DEPTH = 64


def check_file(path: Path) -> None:
    if not path.is_file():
        raise SourceError(f"{path}: no such file")
    size = path.stat().st_size
    if size == 0:  # a complete re-load of an empty file would retire everything the source holds
        raise SourceError(f"{path}: the file is empty")
    if size > MAX_FILE_BYTES:
        raise SourceError(f"{path}: {size} bytes is larger than the limit of {MAX_FILE_BYTES}")


def open_text_lines(path: Path) -> Iterator[tuple[int, str]]:
    """(line number, text) pairs; undecodable bytes are replaced rather than fatal."""
    check_file(path)
    with path.open("r", encoding="utf-8", errors="replace", newline="") as fh:
        for lineno, line in enumerate(fh, start=1):
            yield lineno, line
