"""A bank's transaction export mapped onto the ledger's columns (`amlworld.Layout`), from a YAML file.

```yaml
transactions:
  delimiter: ";"                                # default ","
  timestamp: {column: Booked, format: "%d.%m.%Y %H:%M"}   # format: one or a list; default ISO 8601
  amount: {column: Amount, decimal: ",", thousands: "."}
  currency: Currency
  # either a payer and a payee on every row …
  from_bank: {value: BANK-B}                    # one value for every row
  from_account: Payer account
  to_bank: Payee BIC
  to_account: Payee account
  # … or a statement of one account: the account and a counterparty, the direction from the amount's sign
  # (negative: money went out) or from a column
  #   account: IBAN
  #   bank: {value: BANK-B}
  #   counterparty: Counterparty IBAN
  #   counterparty_bank: Counterparty BIC
  #   direction: {column: D/C, debit: [D]}
  # optional: amount_received, receiving_currency (default: amount, currency), payment_format, is_laundering (0/1)
```

A field is a column's name, `{column: NAME}` or `{value: TEXT}`. Everything the mapping gets wrong is one error
naming the mapping file and the field.
"""

from pathlib import Path

import yaml

from nexus.sources.amlworld import Layout
from nexus.sources.base import SourceError
from nexus.sources.limits import check_file

ISO_MOMENTS = ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d")
#: mapping field → ledger column (`amlworld.COLUMNS`), or a statement's own
FIELDS = {"timestamp": "timestamp", "amount": "amount_paid", "currency": "payment_currency",
          "amount_received": "amount_received", "receiving_currency": "receiving_currency",
          "payment_format": "payment_format", "is_laundering": "is_laundering",
          "from_bank": "from_bank", "from_account": "from_account", "to_bank": "to_bank", "to_account": "to_account",
          "account": "account", "bank": "bank", "counterparty": "counterparty", "counterparty_bank": "counterparty_bank",
          "direction": "direction"}
TRANSFER = ("from_bank", "from_account", "to_bank", "to_account")
STATEMENT = ("account", "bank", "counterparty", "counterparty_bank")
OPTIONS = {"timestamp": {"format"}, "amount": {"decimal", "thousands"}, "direction": {"debit"}}


def load_layout(path: Path) -> Layout:
    """The layout a mapping file describes; SourceError naming the file and field when it is not one."""
    check_file(path)
    try:
        config = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise SourceError(f"{path}: not a YAML mapping: {exc}") from None
    spec = config.get("transactions") if isinstance(config, dict) else None
    if not isinstance(spec, dict):
        raise SourceError(f"{path}: a transaction feed's mapping has a `transactions` section naming the file's "
                          "columns (see ARCHITECTURE.md, the FIU ledger)")

    def fail(field: str, problem: str) -> SourceError:
        return SourceError(f"{path}: transactions.{field}: {problem}")

    delimiter = spec.pop("delimiter", ",")
    if not isinstance(delimiter, str) or len(delimiter) != 1:
        raise fail("delimiter", f"one character, not {delimiter!r}")
    columns, values, options = {}, {}, {}
    for name, given in spec.items():
        if name not in FIELDS:
            raise fail(str(name), f"not a field of the ledger (known: {', '.join(FIELDS)})")
        if isinstance(given, str | int | float) and not isinstance(given, bool):
            given = {"column": str(given)}
        if not isinstance(given, dict) or len({"column", "value"} & given.keys()) != 1:
            raise fail(name, "a column's name, {column: NAME} or {value: TEXT}")
        unknown = sorted(given.keys() - {"column", "value"} - OPTIONS.get(name, set()))
        if unknown:
            raise fail(name, f"unknown option {unknown[0]!r}")
        target = FIELDS[name]
        if "column" in given:
            columns[target] = str(given["column"])
        else:
            values[target] = str(given["value"])
        options[name] = given
    named = columns.keys() | values.keys()
    for required in ("timestamp", "amount", "currency"):
        if FIELDS[required] not in named:
            raise fail(required, "missing")
    transfer, statement = named & set(TRANSFER), named & set(STATEMENT)
    if transfer and statement:
        raise fail(sorted(statement)[0], "a mapping names a payer and payee (from_…, to_…) or a statement's account "
                                         "and counterparty, not both")
    for field in STATEMENT if statement else TRANSFER:
        if field not in named:
            raise fail(field, "missing")
    if "direction" in named and not statement:
        raise fail("direction", "only a statement's rows have a direction")
    debit = options.get("direction", {}).get("debit", [])
    if "direction" in options and (not isinstance(debit, list) or not debit):
        raise fail("direction", "needs `debit`: the values meaning money left the account, e.g. [D, DBIT]")
    formats = options["timestamp"].get("format", list(ISO_MOMENTS))
    formats = [formats] if isinstance(formats, str) else formats
    if not isinstance(formats, list) or not formats or not all(isinstance(f, str) and "%" in f for f in formats):
        raise fail("timestamp", "format: a strptime pattern such as '%d.%m.%Y %H:%M', or a list of them")
    amount = options["amount"]
    decimal, thousands = str(amount.get("decimal", ".")), str(amount.get("thousands", ""))
    if decimal not in (".", ",") or thousands not in ("", ".", ",", " ", "'") or decimal == thousands:
        raise fail("amount", f"decimal {decimal!r} and thousands {thousands!r}: a decimal point or comma, and another "
                             "separator or none")
    return Layout("transactions", columns, values, delimiter=delimiter, timestamp_formats=tuple(formats),
                  decimal=decimal, thousands=thousands, debit=frozenset(str(d).strip().upper() for d in debit),
                  mapping=path.name)
