"""Transaction CSVs for the ledger, read in Arrow batches: IBM AMLworld's (`Timestamp, From Bank, Account, To Bank,
Account, Amount Received, Receiving Currency, Amount Paid, Payment Currency, Payment Format, Is Laundering`), or any
bank's export through a mapping of its columns (`Layout`, `sources.feed_mapping`).

Every column is read as text and converted per column with Arrow compute, so a file of
millions of rows is never walked row by row in Python; a row a value of which does not
convert (or that lacks one) is left out of its batch and reported by line and field.
Accounts are named by bank and number; `account_id` gives each the FtM entity id it has in
every source, so two feeds' rows about one account meet.
"""

import csv as text_csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pyarrow import csv

from nexus.model.currencies import AMLWORLD_CURRENCIES
from nexus.sources.base import RecordError, SourceError
from nexus.sources.goaml.check import ISO_4217
from nexus.sources.limits import check_file

HEADER = ("Timestamp", "From Bank", "Account", "To Bank", "Account", "Amount Received", "Receiving Currency",
          "Amount Paid", "Payment Currency", "Payment Format", "Is Laundering")
COLUMNS = ("timestamp", "from_bank", "from_account", "to_bank", "to_account", "amount_received",
           "receiving_currency", "amount_paid", "payment_currency", "payment_format", "is_laundering")
AMOUNTS = ("amount_received", "amount_paid")
REQUIRED = ("timestamp", "from_bank", "from_account", "to_bank", "to_account", "amount_paid", "payment_currency")
BLOCK_BYTES = 32 << 20
#: The currencies AMLworld's published data names, and ISO 4217 codes, which a feed may give instead.
KNOWN_CURRENCIES = frozenset({*AMLWORLD_CURRENCIES, *ISO_4217})
CURRENCIES = pa.array(sorted(KNOWN_CURRENCIES), pa.string())
#: AMLworld's payment formats (a bank's mapped feed may use its own words for them).
PAYMENT_FORMATS = pa.array(["ACH", "Bitcoin", "Cash", "Cheque", "Credit Card", "Reinvestment", "Wire"], pa.string())


@dataclass(frozen=True)
class Layout:
    """How a transactions file's columns become the ledger's (`COLUMNS`). AMLworld's are fixed (`AMLWORLD`); a bank's
    export names its own in a mapping (`feed_mapping.load_layout`): each ledger column read from a file column
    (`columns`) or one value for every row (`values`); or, for a statement of one account, that account and a
    counterparty (`account`, `bank`, `counterparty`, `counterparty_bank`), the direction from the amount's sign or
    from a column whose `debit` values say money left the account."""

    format: str  # the source's format, as errors and the registry name it
    columns: dict[str, str]  # ledger (or statement) column → the file's column
    values: dict[str, str] = field(default_factory=dict)  # ledger (or statement) column → one value for every row
    header: tuple[str, ...] | None = None  # the header the file must have exactly; else read from its first line
    delimiter: str = ","
    timestamp_formats: tuple[str, ...] = ("%Y/%m/%d %H:%M",)
    decimal: str = "."
    thousands: str = ""
    debit: frozenset[str] = frozenset()  # values of the statement's `direction` column meaning money went out
    mapping: str = ""  # the mapping file, for errors

    def label(self, column: str) -> str:
        """What an error calls a ledger column: the file's column it comes from, where the mapping names one."""
        return column if self.header else self.columns.get(column, column)


AMLWORLD = Layout("amlworld", {c: c for c in COLUMNS}, header=HEADER)


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


def check_header(path: Path, layout: Layout = AMLWORLD) -> list[str]:
    """The file's columns; refuses a file whose header is not the layout's, before anything is loaded from it."""
    check_file(path)
    with path.open("rb") as fh:
        line = fh.readline().decode("utf-8", "replace").removeprefix("\ufeff").rstrip("\r\n")  # Excel's BOM
    header = [name.strip() for name in next(text_csv.reader([line], delimiter=layout.delimiter), [])]
    if layout.header is not None:
        if tuple(header) != layout.header:
            raise SourceError(f"{path}: line 1: not an AMLworld transactions file: the header is {line!r}, "
                              f"expected {','.join(layout.header)!r}")
        return list(COLUMNS)
    for name, column in layout.columns.items():
        if column not in header:
            raise SourceError(f"{path}: line 1: the mapping {layout.mapping} reads {name} from column {column!r}, "
                              f"which the header ({line!r}) does not have")
        if header.count(column) > 1:
            raise SourceError(f"{path}: line 1: the mapping {layout.mapping} reads {name} from column {column!r}, "
                              "which the header names twice")
    return header


def read_transactions(path: Path, layout: Layout = AMLWORLD) -> Iterator[TransactionBatch]:
    names = check_header(path, layout)
    # One reading thread, so a row with the wrong number of fields is reported with its line number.
    options = csv.ReadOptions(block_size=BLOCK_BYTES, column_names=names, skip_rows=1, use_threads=False)
    convert = csv.ConvertOptions(column_types={c: pa.string() for c in names}, strings_can_be_null=True)
    malformed: list[tuple[int, RecordError]] = []

    def skip(row) -> str:  # a row with too many or too few fields: reported, the rest reads on
        malformed.append((row.number, RecordError(str(path), f"line {row.number}", None,
                                                  f"expected {row.expected_columns} fields, found {row.actual_columns}")))
        return "skip"

    try:
        # Blank lines are read, as rows without a value, so that every line keeps its number in the file.
        reader = csv.open_csv(path, read_options=options, convert_options=convert,
                              parse_options=csv.ParseOptions(delimiter=layout.delimiter, invalid_row_handler=skip,
                                                             ignore_empty_lines=False))
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
            blank = np.logical_and.reduce([pc.is_null(batch[c]).to_numpy(zero_copy_only=False) for c in names])
            written = batch.filter(pa.array(~blank))
            parsed = _parsed(path, _ledger_columns(written, layout), lines[~blank], next_line - 2, layout)
            parsed.errors = sorted([e for _, e in here] + parsed.errors, key=lambda e: int(e.location.split()[1]))
            yield parsed
        if malformed:  # skipped rows after the last good one (a file cut short)
            malformed.sort(key=lambda skipped: skipped[0])
            empty = pa.table({c: pa.array([], pa.string()) for c in COLUMNS})
            yield TransactionBatch(_parsed(path, empty, np.empty(0, np.int64), 0, layout).rows,
                                   [e for _, e in malformed], next_line - 2 + len(malformed))
    except pa.ArrowInvalid as exc:
        raise SourceError(f"{path}: {exc}") from None


def _ledger_columns(batch: pa.Table, layout: Layout) -> pa.Table:
    """The batch as the ledger's `COLUMNS`, still text: read through the layout, amounts in plain decimals."""
    def read(name: str) -> pa.Array | pa.ChunkedArray | None:
        if name in layout.columns:
            return batch[layout.columns[name]]
        if name in layout.values:
            return pa.array([layout.values[name]] * batch.num_rows, pa.string())
        return None

    columns = {c: read(c) for c in COLUMNS}
    if "account" in layout.columns or "account" in layout.values:  # a statement: its account, and a counterparty
        amount = pc.utf8_trim_whitespace(read("amount_paid"))
        direction = read("direction")
        out = (pc.is_in(pc.utf8_upper(pc.utf8_trim_whitespace(direction)), pa.array(sorted(layout.debit)))
               if direction is not None else pc.starts_with(amount, "-"))
        out = pc.fill_null(out, False)
        unsigned = pc.replace_substring_regex(amount, "^[-+]", "")
        ours, theirs = (read("account"), read("bank")), (read("counterparty"), read("counterparty_bank"))
        columns["from_account"], columns["from_bank"] = (pc.if_else(out, a, b) for a, b in zip(ours, theirs))
        columns["to_account"], columns["to_bank"] = (pc.if_else(out, b, a) for a, b in zip(ours, theirs))
        columns["amount_paid"] = unsigned
        if columns["amount_received"] is not None:
            columns["amount_received"] = pc.replace_substring_regex(
                pc.utf8_trim_whitespace(columns["amount_received"]), "^[-+]", "")
    for amount in AMOUNTS:
        if columns[amount] is None:
            continue
        if layout.thousands:
            columns[amount] = pc.replace_substring(columns[amount], layout.thousands, "")
        if layout.decimal != ".":
            columns[amount] = pc.replace_substring(columns[amount], layout.decimal, ".")
    if columns["is_laundering"] is None:
        columns["is_laundering"] = pa.array(["0"] * batch.num_rows, pa.string())
    return pa.table({c: columns[c] if columns[c] is not None else pa.nulls(batch.num_rows, pa.string())
                     for c in COLUMNS})


def _parsed(path: Path, raw: pa.Table, line_numbers: np.ndarray, done: int, layout: Layout) -> TransactionBatch:
    lines = pa.array(line_numbers)
    moments = pc.utf8_trim_whitespace(raw["timestamp"])
    converted = {
        "timestamp": pc.coalesce(*(pc.strptime(moments, format=f, unit="s", error_is_null=True)
                                   for f in layout.timestamp_formats)),
        **{c: _number(raw[c]) for c in AMOUNTS},
        "is_laundering": _flag(raw["is_laundering"]),
    }
    table = pa.table({c: converted.get(c, raw[c]) for c in COLUMNS} | {"line": lines})
    for received, paid in (("amount_received", "amount_paid"), ("receiving_currency", "payment_currency")):
        if received not in layout.columns and received not in layout.values:  # a feed that states one amount
            table = table.set_column(COLUMNS.index(received), received, table[paid])
    bad = pa.array(np.zeros(raw.num_rows, dtype=bool))
    errors = []
    # codes from a fixed list: a currency AMLworld names or an ISO 4217 code (in any feed); AMLworld's own
    # payment formats (in its own files only)
    listed = {"receiving_currency": CURRENCIES, "payment_currency": CURRENCIES,
              **({"payment_format": PAYMENT_FORMATS} if layout.format == AMLWORLD.format else {})}
    for column in COLUMNS:
        missing = pc.is_null(table[column])
        wrong = pc.and_(missing, pc.invert(pc.is_null(raw[column])))
        if column in listed:
            wrong = pc.or_(wrong, pc.and_(pc.invert(pc.is_null(raw[column])),
                                          pc.invert(pc.is_in(table[column], value_set=listed[column]))))
        absent = pc.is_null(raw[column]) if column in REQUIRED else pa.array(np.zeros(raw.num_rows, dtype=bool))
        for kind, mask in (("not a valid value", wrong), ("missing", absent)):
            where = np.flatnonzero(mask.to_numpy(zero_copy_only=False))
            for index in where:
                value = raw[column][int(index)].as_py()
                message = f"{kind}: {value!r}" if kind != "missing" else "missing"
                if kind != "missing" and column in listed:
                    message += (" (a currency AMLworld names, such as US Dollar, or an ISO 4217 code)"
                                if listed[column] is CURRENCIES else f" (one of {', '.join(PAYMENT_FORMATS.to_pylist())})")
                errors.append(RecordError(str(path), f"line {int(lines[int(index)].as_py())}", layout.label(column),
                                          message))
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
