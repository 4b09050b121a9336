"""Derived name and date columns for whole tables (entity resolution, screening batches).

Each function takes a column (list, Arrow array or pandas Series) and returns an Arrow
array of the same length. Work happens once per distinct input value.
"""

from collections.abc import Callable, Sequence
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from nexus.names.dates import parse_date
from nexus.names.parts import AnalyzedName, NameType, analyze_name


def _as_array(values: Any) -> pa.Array:
    if isinstance(values, pa.ChunkedArray):
        return values.combine_chunks()
    if isinstance(values, pa.Array):
        return values
    return pa.array(list(values), type=pa.string())


def _per_distinct(values: Any, schemas: Any, fn: Callable[[AnalyzedName], Any], out_type: pa.DataType) -> pa.Array:
    names = _as_array(values).cast(pa.string())
    kinds = _as_array(schemas).cast(pa.string()) if schemas is not None else pa.nulls(len(names), pa.string())
    keys = pc.binary_join_element_wise(pc.fill_null(kinds, ""), pc.fill_null(names, ""), "\x1f")
    encoded = pc.dictionary_encode(keys)
    distinct = encoded.dictionary.to_pylist()
    results = []
    for key in distinct:
        schema, _, name = key.partition("\x1f")
        results.append(fn(analyze_name(name, NameType.of_schema(schema or None))) if name else None)
    looked_up = pa.array(results, type=out_type).take(encoded.indices)
    return pc.if_else(pc.is_null(names), pa.nulls(len(names), out_type), looked_up)


def ascii_names(names: Any, schemas: Any = None) -> pa.Array:
    """Comparable ASCII form of each name: transliterated, cleaned parts joined by spaces."""
    return _per_distinct(names, schemas, lambda n: n.key, pa.string())


def name_part_keys(names: Any, schemas: Any = None) -> pa.Array:
    """The ASCII name parts of each name, as list<string>."""
    return _per_distinct(names, schemas, lambda n: [p.text for p in n.parts], pa.list_(pa.string()))


def phonetic_keys(names: Any, schemas: Any = None) -> pa.Array:
    """The consonant skeleton of each name part, as list<string> (parts without letters dropped)."""
    return _per_distinct(
        names, schemas, lambda n: [p.skeleton for p in n.parts if p.skeleton], pa.list_(pa.string())
    )


DOB_TYPE = pa.struct(
    [("year", pa.int16()), ("month", pa.int8()), ("day", pa.int8()), ("earliest", pa.date32()), ("latest", pa.date32())]
)


def dob_parts(dates: Sequence[str | None] | pa.Array) -> pa.Array:
    """Year, month and day (null when not given) plus the covered interval of each date text."""
    column = _as_array(dates).cast(pa.string())
    encoded = pc.dictionary_encode(column)
    rows = []
    for text in encoded.dictionary.to_pylist():
        parsed = parse_date(text)
        if parsed is None:
            rows.append(None)
            continue
        same_year = parsed.earliest.year == parsed.latest.year
        same_month = same_year and parsed.earliest.month == parsed.latest.month
        rows.append({
            "year": parsed.earliest.year if same_year else None,
            "month": parsed.earliest.month if same_month and parsed.precision.value in ("day", "month") else None,
            "day": parsed.earliest.day if parsed.is_day else None,
            "earliest": parsed.earliest,
            "latest": parsed.latest,
        })
    return pa.array(rows, type=DOB_TYPE).take(encoded.indices)
