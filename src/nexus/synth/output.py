"""Streaming writers: FtM JSON lines, CSV tables, and the record-to-truth index."""

import csv
from collections import Counter
from pathlib import Path

import numpy as np
import orjson

from nexus.synth.arrays import ids, join

CHUNK = 50_000
Column = np.ndarray | list


class FtMWriter:
    """Writes entities column-wise; a value of "" (or an empty list) is no value."""

    def __init__(self, path: Path):
        self.path = path
        self.counts: Counter[str] = Counter()
        self._fh = path.open("wb")

    def write(self, schema: str, entity_ids: np.ndarray, **props: Column) -> None:
        names = list(props)
        total = len(entity_ids)
        for start in range(0, total, CHUNK):
            stop = min(start + CHUNK, total)
            columns = [c[start:stop].tolist() if isinstance(c, np.ndarray) else c[start:stop] for c in props.values()]
            lines = []
            for entity_id, *values in zip(entity_ids[start:stop].tolist(), *columns, strict=True):
                properties = {}
                for name, value in zip(names, values, strict=True):
                    if value:
                        properties[name] = value if isinstance(value, list) else [value]
                lines.append(orjson.dumps({"id": entity_id, "schema": schema, "properties": properties}))
            self._fh.write(b"\n".join(lines) + b"\n")
        self.counts[schema] += total

    def close(self) -> dict[str, int]:
        self._fh.close()
        return {"records": self.counts.total(), **dict(sorted(self.counts.items()))}


def write_csv(path: Path, columns: dict[str, np.ndarray]) -> int:
    """A header and one row per index of the equal-length ``columns``; returns the row count."""
    rows = list(zip(*(column.tolist() for column in columns.values()), strict=True))
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)
    return len(rows)


class RecordIds:
    """An agency's own ids for the true rows it holds a record of (one record per row)."""

    def __init__(self, prefix: str, rows: np.ndarray, universe: int):
        self.rows = rows
        self.position = np.full(universe, -1, dtype=np.int64)
        self.position[rows] = np.arange(len(rows))
        self.ids = ids(prefix, np.arange(len(rows)))

    def of(self, rows: np.ndarray) -> np.ndarray:
        position = self.position[rows]
        if (position < 0).any():
            raise ValueError("no record for some rows")
        return self.ids[position]

    def id_of(self, row: int) -> str:
        return str(self.of(np.array([row]))[0])

    def has(self, rows: np.ndarray) -> np.ndarray:
        return self.position[rows] >= 0


class TruthRecords:
    """truth/records.jsonl: which true person, company or group each agency record is about."""

    def __init__(self, path: Path):
        self._fh = path.open("wb")
        self.count = 0

    def add(self, file: str, schema: str, record_ids: np.ndarray, true_ids: np.ndarray) -> None:
        lines = join('{"file":"', file, '","id":"', record_ids, '","schema":"', schema, '","true_id":"', true_ids, '"}\n')
        self._fh.write("".join(lines.tolist()).encode())
        self.count += len(record_ids)

    def close(self) -> None:
        self._fh.close()
