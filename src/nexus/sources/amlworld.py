"""IBM AMLworld transaction CSVs (`Timestamp, From Bank, Account, To Bank, Account, Amount Received,
Receiving Currency, Amount Paid, Payment Currency, Payment Format, Is Laundering`), read in Arrow batches.

Every column is read as text and converted per column with Arrow compute, so a file of
millions of rows is never walked row by row in Python; a row a value of which does not
convert (or that lacks one) is left out of its batch and reported by line and field.
Accounts are named by bank and number; `account_id` gives each the FtM entity id it has in
every source, so two feeds' rows about one account meet.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pyarrow import csv

from nexus.sources.base import RecordError, SourceError
from nexus.sources.limits import check_file

HEADER = ("Timestamp", "From Bank", "Account", "To Bank", "Account", "Amount Received", "Receiving Currency",
          "Amount Paid", "Payment Currency", "Payment Format", "Is Laundering")
COLUMNS = ("timestamp", "from_bank", "from_account", "to_bank", "to_account", "amount_received",
           "receiving_currency", "amount_paid", "payment_currency", "payment_format", "is_laundering")
AMOUNTS = ("amount_received", "amount_paid")
REQUIRED = ("timestamp", "from_bank", "from_account", "to_bank", "to_account", "amount_paid", "payment_currency")
BLOCK_BYTES = 32 << 20


@dataclass
class TransactionBatch:
    rows: pa.Table  # COLUMNS (timestamp as timestamp[s], amounts as float64, is_laundering as bool) and `line`
    errors: list[RecordError]
    lines: int  # data lines read so far, including this batch's


def account_id(bank: str, account: str) -> str:
    """The entity id of an account: its bank and number, normalised (the same in every feed)."""
    return account_ids(pa.array([bank]), pa.array([account]))[0].as_py()


def account_ids(banks: pa.Array, accounts: pa.Array) -> pa.Array:
    """`account_id` of every (bank, account) pair, computed column-wise."""
    def part(values):
        return pc.replace_substring_regex(pc.utf8_upper(pc.utf8_trim_whitespace(values)), "[^A-Z0-9]+", "_")
    return pc.binary_join_element_wise("acct", part(banks), part(accounts), "-")


def check_header(path: Path) -> None:
    """Refuse a file that is not an AMLworld transactions file, before anything is loaded from it."""
    check_file(path)
    with path.open("rb") as fh:
        header = fh.readline().decode("utf-8", "replace").removeprefix("\ufeff").strip().split(",")  # Excel's BOM
    if tuple(h.strip() for h in header) != HEADER:
        raise SourceError(f"{path}: line 1: not an AMLworld transactions file: the header is {','.join(header)!r}, "
                          f"expected {','.join(HEADER)!r}")


def read_transactions(path: Path) -> Iterator[TransactionBatch]:
    check_header(path)
    # One reading thread, so a row with the wrong number of fields is reported with its line number.
    options = csv.ReadOptions(block_size=BLOCK_BYTES, column_names=list(COLUMNS), skip_rows=1, use_threads=False)
    convert = csv.ConvertOptions(column_types={c: pa.string() for c in COLUMNS}, strings_can_be_null=True)
    malformed: list[tuple[int, RecordError]] = []

    def skip(row) -> str:  # a row with too many or too few fields: reported, the rest reads on
        malformed.append((row.number, RecordError(str(path), f"line {row.number}", None,
                                                  f"expected {row.expected_columns} fields, found {row.actual_columns}")))
        return "skip"

    try:
        # Blank lines are read, as rows without a value, so that every line keeps its number in the file.
        reader = csv.open_csv(path, read_options=options, convert_options=convert,
                              parse_options=csv.ParseOptions(invalid_row_handler=skip, ignore_empty_lines=False))
        next_line = 2
        for chunk in reader:
            batch = pa.Table.from_batches([chunk])
            # The reader parses ahead: the rows it skipped may lie past this chunk's, which end where its good
            # rows and the skipped ones among them run out.
            malformed.sort(key=lambda skipped: skipped[0])
            inside = 0
            while inside < len(malformed) and malformed[inside][0] < next_line + batch.num_rows + inside:
                inside += 1
            here, malformed[:] = malformed[:inside], malformed[inside:]
            physical = np.arange(next_line, next_line + batch.num_rows + inside, dtype=np.int64)
            lines = physical[~np.isin(physical, [number for number, _ in here])]
            next_line += len(physical)
            blank = np.logical_and.reduce([pc.is_null(batch[c]).to_numpy(zero_copy_only=False) for c in COLUMNS])
            parsed = _parsed(path, batch.filter(pa.array(~blank)), lines[~blank], next_line - 2)
            parsed.errors = sorted([e for _, e in here] + parsed.errors, key=lambda e: int(e.location.split()[1]))
            yield parsed
        if malformed:  # skipped rows after the last good one (a file cut short)
            malformed.sort(key=lambda skipped: skipped[0])
            empty = pa.table({c: pa.array([], pa.string()) for c in COLUMNS})
            yield TransactionBatch(_parsed(path, empty, np.empty(0, np.int64), 0).rows, [e for _, e in malformed],
                                   next_line - 2 + len(malformed))
    except pa.ArrowInvalid as exc:
        raise SourceError(f"{path}: {exc}") from None


def _parsed(path: Path, raw: pa.Table, line_numbers: np.ndarray, done: int) -> TransactionBatch:
    lines = pa.array(line_numbers)
    converted = {
        "timestamp": pc.strptime(raw["timestamp"], format="%Y/%m/%d %H:%M", unit="s", error_is_null=True),
        **{c: _number(raw[c]) for c in AMOUNTS},
        "is_laundering": _flag(raw["is_laundering"]),
    }
    table = pa.table({c: converted.get(c, raw[c]) for c in COLUMNS} | {"line": lines})
    bad = pa.array(np.zeros(raw.num_rows, dtype=bool))
    errors = []
    for column in COLUMNS:
        missing = pc.is_null(table[column])
        wrong = pc.and_(missing, pc.invert(pc.is_null(raw[column])))
        absent = pc.is_null(raw[column]) if column in REQUIRED else pa.array(np.zeros(raw.num_rows, dtype=bool))
        for kind, mask in (("not a valid value", wrong), ("missing", absent)):
            where = np.flatnonzero(mask.to_numpy(zero_copy_only=False))
            for index in where:
                value = raw[column][int(index)].as_py()
                message = f"{kind}: {value!r}" if kind != "missing" else "missing"
                errors.append(RecordError(str(path), f"line {int(lines[int(index)].as_py())}", column, message))
        bad = pc.or_(bad, pc.or_(wrong, absent))
    keep = pc.invert(bad)
    return TransactionBatch(table.filter(keep), errors, done)


def _number(values: pa.ChunkedArray) -> pa.ChunkedArray:
    """An amount: a finite number, not below zero (the direction of a transfer is its payer and payee)."""
    text = pc.utf8_trim_whitespace(values)
    valid = pc.match_substring_regex(text, r"^[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$")
    number = pc.cast(pc.if_else(valid, text, "0"), pa.float64())
    return pc.if_else(pc.and_(valid, pc.is_finite(number)), number, pa.scalar(None, pa.float64()))


def _flag(values: pa.ChunkedArray) -> pa.ChunkedArray:
    """`Is Laundering`: 1 or 0; anything else is not a valid value."""
    text = pc.utf8_trim_whitespace(values)
    return pc.if_else(pc.is_in(text, pa.array(["0", "1"])), pc.equal(text, "1"), pa.scalar(None, pa.bool_()))
