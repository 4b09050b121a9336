"""CSV and Excel files through a FollowTheMoney mapping YAML.

The mapping is FtM's own format (``followthemoney.mapping``): one or more queries, each
with ``entities`` (schema, keys, properties) and optional ``filters``/``filters_not``.
The data file is the one given on the command line, not a ``csv_url`` in the mapping,
so one mapping serves every delivery of the same feed (police case files, customs
seizures, prison rosters …).
"""

import csv
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import yaml
from followthemoney import model
from followthemoney.exc import FollowTheMoneyException
from followthemoney.mapping import QueryMapping
from followthemoney.util import sanitize_text

from nexus.sources.base import Record, RecordError, SourceError
from nexus.sources.limits import MAX_LINE_BYTES, check_file

csv.field_size_limit(MAX_LINE_BYTES)
MAPPING_LOG = logging.getLogger("followthemoney.mapping.entity")
DROPPED_PROPERTY = re.compile(r'for property "([^"]+)"')


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        # Entities skipped for empty keys are optional parts of a row, not errors.
        message = record.getMessage()
        if DROPPED_PROPERTY.search(message):
            self.messages.append(message)


@contextmanager
def dropped_values() -> Iterator[list[str]]:
    """FtM's mapper logs values it cannot clean (a bad date, say); collect them per row."""
    handler = _Collect()
    MAPPING_LOG.addHandler(handler)
    propagate, MAPPING_LOG.propagate = MAPPING_LOG.propagate, False
    try:
        yield handler.messages
    finally:
        MAPPING_LOG.removeHandler(handler)
        MAPPING_LOG.propagate = propagate


def load_mapping(path: Path, data_path: Path) -> list[QueryMapping]:
    check_file(path)
    try:
        config = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise SourceError(f"{path}: invalid YAML: {exc}") from None
    if not isinstance(config, dict):
        raise SourceError(f"{path}: a mapping must be a YAML object with 'queries'")
    queries = config.get("queries", [config] if "entities" in config else None)
    if not isinstance(queries, list) or not queries:
        raise SourceError(f"{path}: no 'queries' with 'entities' found")
    mappings = []
    for index, query in enumerate(queries):
        if not isinstance(query, dict):
            raise SourceError(f"{path}: queries[{index}] must be an object")
        query = {**query, "csv_url": str(data_path)}
        query.pop("csv_urls", None)
        try:
            mappings.append(model.make_mapping(query, key_prefix=config.get("key_prefix")))
        except FollowTheMoneyException as exc:
            raise SourceError(f"{path}: queries[{index}]: {exc}") from None
    return mappings


def _csv_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    with path.open("r", encoding="utf-8-sig", errors="replace", newline="") as fh:
        reader = csv.DictReader(fh, skipinitialspace=True)
        if not reader.fieldnames:
            raise SourceError(f"{path}: no header row")
        try:
            for row in reader:
                yield reader.line_num, row
        except csv.Error as exc:
            raise SourceError(f"{path}: line {reader.line_num}: {exc}") from None


def _excel_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many unrelated types for a broken file
        raise SourceError(f"{path}: not a readable Excel workbook: {exc}") from None
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        header = [str(h).strip() if h is not None else "" for h in next(rows, ())]
        if not any(header):
            raise SourceError(f"{path}: no header row")
        for lineno, values in enumerate(rows, start=2):
            yield lineno, {h: "" if v is None else str(v) for h, v in zip(header, values) if h}
    finally:
        book.close()


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    check_file(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _excel_rows(path)
    return _csv_rows(path)


class CSVMappingFormat:
    name = "csv"

    def read(self, path: Path, mapping: Path | None = None, **options: object) -> Iterator[Record]:
        if mapping is None:
            raise SourceError(f"{path}: the csv format needs --mapping MAPPING.yml")
        queries = load_mapping(Path(mapping), path)
        with dropped_values() as dropped:
            for position, (lineno, row) in enumerate(read_rows(path)):
                dropped.clear()
                yield self._map_row(queries, path, position, lineno, row, dropped)

    @staticmethod
    def _map_row(queries: list[QueryMapping], path: Path, position: int, lineno: int, row: dict, dropped: list[str]) -> Record:
        record = {k: v for k, v in ((k, sanitize_text(v)) for k, v in row.items() if k) if v is not None}
        location = f"line {lineno}"
        wanted = [q for q in queries if q.source.check_filters(record)]
        try:
            entities = [e for q in wanted for e in q.map(record).values()]
        except FollowTheMoneyException as exc:
            return Record(position, error=RecordError(str(path), location, None, str(exc)))
        if wanted and not entities:
            keys = sorted({k for q in wanted for e in q.entities for k in e.keys})
            return Record(position, error=RecordError(str(path), location, ",".join(keys), "row has no value in the key columns"))
        error = None
        if dropped:
            fields = ",".join(sorted({DROPPED_PROPERTY.search(m).group(1) for m in dropped}))
            error = RecordError(str(path), location, fields, "; ".join(dropped))
        return Record(position, list(entities), error)
