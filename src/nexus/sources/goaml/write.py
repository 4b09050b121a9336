"""A goAML report written from ledger transactions (an alert's, for dissemination to an FIU).

The profile (`profile.yml`, or an FIU's own) gives the codes goAML requires and the feed does
not carry: transmode and funds codes per payment format, ISO currency codes, the submission and
report codes. A report holds one local currency (what was paid): transactions paid in several currencies are
refused rather than converted at a rate nobody gave. A transaction received in another currency than it was paid
in (AMLworld's Amount Received and Receiving Currency) says so in `to_foreign_currency`: the amount received, its
ISO code, and the rate the two amounts imply (local units per foreign unit).
"""

from datetime import datetime
from decimal import Decimal
from importlib import resources
from pathlib import Path

import yaml
from lxml import etree

from nexus.sources.base import SourceError
from nexus.sources.goaml.check import ISO_4217

DEFAULT_PROFILE = "profile.yml"


def load_profile(path: Path | None = None) -> dict:
    text = path.read_text() if path else resources.files("nexus.sources.goaml").joinpath(DEFAULT_PROFILE).read_text()
    return yaml.safe_load(text)


def write_report(transactions: list[dict], reference: str, reason: str, rentity_id: str, typology: str,
                 profile: dict, submitted: datetime) -> bytes:
    """A goAML report of ``transactions`` (ledger rows: id, timestamp, from/to bank and account, amount_paid,
    payment_currency, payment_format; amount_received and receiving_currency where the row has them)."""
    currencies = {iso_code(t["payment_currency"], profile) for t in transactions}
    if len(currencies) != 1:
        raise SourceError(f"a goAML report has one local currency; these transactions are in {sorted(currencies)}")
    (currency,) = currencies
    report = etree.Element("report")
    for tag, value in (("rentity_id", rentity_id), ("submission_code", profile["submission_code"]),
                       ("report_code", profile["report_code"]), ("entity_reference", reference),
                       ("submission_date", submitted.strftime("%Y-%m-%dT%H:%M:%S")),
                       ("currency_code_local", currency),
                       ("reporting_user_code", profile["reporting_user_code"]), ("reason", reason)):
        etree.SubElement(report, tag).text = str(value)
    for row in transactions:
        report.append(_transaction(row, profile))
    listed = etree.SubElement(report, "report_indicators")
    etree.SubElement(listed, "indicator").text = profile["indicators"].get(typology, profile["default_indicator"])
    return etree.tostring(report, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _transaction(row: dict, profile: dict) -> etree._Element:
    how = row["payment_format"]
    transaction = etree.Element("transaction")
    for tag, value in (("transactionnumber", row["id"]), ("transaction_location", profile["transaction_location"]),
                       ("transaction_description", f"{how} payment"),
                       ("date_transaction", row["timestamp"].strftime("%Y-%m-%dT%H:%M:%S")),
                       ("transmode_code", profile["transmode"].get(how, profile["default_transmode"])),
                       ("transmode_comment", "-"), ("amount_local", f"{row['amount_paid']:.2f}")):
        etree.SubElement(transaction, tag).text = value
    funds = profile["funds"].get(how, profile["default_funds"])
    for side, prefix in (("t_from", "from"), ("t_to", "to")):
        party = etree.SubElement(transaction, side)
        etree.SubElement(party, f"{prefix}_funds_code").text = funds
        if prefix == "to":
            _foreign_currency(party, row, profile)
        account = etree.SubElement(party, f"{prefix}_account")
        for tag, value in (("institution_name", f"bank {row[f'{prefix}_bank']}"),
                           ("institution_code", row[f"{prefix}_bank"]), ("non_bank_institution", "false"),
                           ("account", row[f"{prefix}_account"]), ("account_name", row[f"{prefix}_account"])):
            etree.SubElement(account, tag).text = value
        etree.SubElement(party, f"{prefix}_country").text = profile["unknown_country"]
    return transaction


def _foreign_currency(party: etree._Element, row: dict, profile: dict) -> None:
    """`to_foreign_currency` of a transaction received in another currency than it was paid in (nothing otherwise):
    the amount received, its ISO code and the rate the two amounts imply (local units per foreign unit)."""
    received, currency = row.get("amount_received"), row.get("receiving_currency")
    if received is None or not currency:
        return
    code = iso_code(currency, profile, f" (transaction {row['id']} was received in it)")
    if code == iso_code(row["payment_currency"], profile):
        return
    foreign = etree.SubElement(party, "to_foreign_currency")
    etree.SubElement(foreign, "foreign_currency_code").text = code
    etree.SubElement(foreign, "foreign_amount").text = f"{received:.2f}"
    rate = exchange_rate(row["amount_paid"], received)
    if rate is not None:
        etree.SubElement(foreign, "foreign_exchange_rate").text = rate


def iso_code(currency: str, profile: dict, where: str = "") -> str:
    """``currency``'s ISO 4217 code: the profile's for a name the feed gives (US Dollar), else the code itself."""
    if currency in profile["currencies"]:
        return profile["currencies"][currency]
    if currency in ISO_4217:
        return currency
    raise SourceError(f"the goAML profile names no ISO code for the currency {currency!r}{where}")


def exchange_rate(paid: float, received: float) -> str | None:
    """The rate two amounts of one transaction imply: units paid per unit received, to ten decimals (none when
    nothing was received)."""
    if not received:
        return None
    rate = Decimal(repr(float(paid))) / Decimal(repr(float(received)))
    return f"{rate:.10f}".rstrip("0").rstrip(".")
