"""One goAML report as FtM entities: the filing, its reporting entity, parties, accounts and transactions.

- The report is an Event (`<report_code> <entity_reference>`, submitted on `submission_date` or
  `report_date`, organised by the reporting entity) whose `involved` are the report's subjects and the
  transactions' parties: parties named in one suspicious report are one hop apart in the
  link graph. The reporting person (the compliance officer) is not among them.
- Report indicators become the Event's keywords; its reason and action, its summary and
  description.
- Each transaction is a Payment: number, date and time (`date_transaction` as FtM keeps a date-time), amount in
  the report's local currency (`amount`, `currency`), payer and beneficiary (a person, an entity, or an account's
  holder when only the account is given) with their accounts; transmode and funds codes are kept in words.
- A side's foreign currency (`from_foreign_currency`, `to_foreign_currency`) is a `description` of the Payment in
  one fixed form (`foreign_words`: side, amount, ISO code, rate): FtM's Payment has one amount and one currency,
  and its `amountEur`/`amountUsd` are conversions of that amount, not a second amount in another currency.
- Goods and services (`activity/goods_services`) are described on the Event, not modelled.
"""

import hashlib
from dataclasses import dataclass

from followthemoney import EntityProxy
from followthemoney.util import make_entity_id
from lxml import etree

from nexus.sources.goaml.parties import PARTY_READERS, Entities, holder_of, person, text

#: The sides of a transaction: its element names and the Payment properties they fill.
SIDES = (
    (("t_from_my_client", "t_from"), "from", "payer", "payerAccount"),
    (("t_to_my_client", "t_to"), "to", "beneficiary", "beneficiaryAccount"),
)


@dataclass(frozen=True)
class Filing:
    """A read report as its submissions are told apart: the Event that is the filing, the day it was submitted, and
    the entities it shares with its reporting entity's other reports (`shared`: that entity). A later submission of
    the same report (reporting entity and reference) has the same ids."""

    event_id: str
    submitted: str | None
    shared: frozenset[str]


def filing_of(entities: list[EntityProxy]) -> Filing:
    (event,) = [e for e in entities if e.schema.name == "Event"]
    shared = frozenset(event.get("organizer"))
    return Filing(event.id, event.first("date"), shared)


def report_key(report: etree._Element, fallback: bytes) -> str:
    """What identifies a report across re-submissions: its reporting entity and reference."""
    entity, reference = text(report, "rentity_id"), text(report, "entity_reference")
    if entity and reference:
        return f"{entity}/{reference}"
    return hashlib.sha256(fallback).hexdigest()[:24]


def read_report(report: etree._Element, key: str) -> list[EntityProxy]:
    entities = Entities(key)
    filing = entities.make("Event", "report")
    code, reference = text(report, "report_code"), text(report, "entity_reference")
    filing.add("name", " ".join(x for x in (code, reference) if x) or key)
    filing.add("date", (text(report, "submission_date") or text(report, "report_date") or "")[:10] or None)
    filing.add("summary", text(report, "reason"))
    filing.add("description", text(report, "action"))
    filing.add("recordId", reference)
    filing.add("keywords", [(i.text or "").strip() for i in report.findall("report_indicators/indicator") if i.text])
    reporter = entities.make("Organization", "rentity")
    reporter.id = make_entity_id("goaml", "rentity", text(report, "rentity_id"))  # one across its reports
    reporter.add("name", f"goAML reporting entity {text(report, 'rentity_id')}")
    reporter.add("registrationNumber", text(report, "rentity_id"))
    reporter.add("notes", text(report, "rentity_branch"))
    filing.add("organizer", reporter.id)
    officer = report.find("reporting_person")
    if officer is not None:
        employee = person(entities, officer, "reporting_person")
        job = entities.make("Employment", "reporting_person/employment")
        job.add("employee", employee.id)
        job.add("employer", reporter.id)
        job.add("role", text(officer, "occupation") or "reporting person")
    currency = text(report, "currency_code_local")
    for number, transaction in enumerate(report.findall("transaction"), start=1):
        filing.add("involved", _payment(entities, transaction, f"transaction[{number}]", currency))
    for number, party in enumerate(report.findall("activity/report_parties/report_party"), start=1):
        filing.add("involved", _party(entities, party, f"report_party[{number}]"))
    items = [" ".join(x for x in (text(i, "item_type"), text(i, "description"), text(i, "disposed_value"),
                                   text(i, "currency_code"), text(i, "status_comments")) if x)
             for i in report.findall("activity/goods_services/item")]
    filing.add("notes", [f"goods/services: {item}" for item in items if item])
    return entities.made


def foreign_words(side: str, amount: str | None, currency: str | None, rate: str | None) -> str:
    """How a Payment states an amount in another currency than its own (goAML's `<side>_foreign_currency`, a ledger
    transaction received in another currency than paid): ``to foreign amount 1234.00 EUR at exchange rate 1.08``
    (the rate in the payment's currency per unit of the foreign one; left out when not given)."""
    return f"{side} foreign amount {amount or '?'} {currency or '?'}" + (f" at exchange rate {rate}" if rate else "")


def _party(entities: Entities, party: etree._Element, path: str) -> str | None:
    """A report party's entity (person, entity or account holder) with its reason noted on it."""
    for tag, reader in PARTY_READERS.items():
        found = party.find(tag)
        if found is not None:
            proxy = reader(entities, found, f"{path}/{tag}")
            proxy.add("notes", [n for n in (text(party, "reason"), text(party, "comments")) if n])
            return (holder_of(entities, proxy) or proxy.id) if proxy.schema.name == "BankAccount" else proxy.id
    return None


def _payment(entities: Entities, transaction: etree._Element, path: str, currency: str | None) -> list[str]:
    payment = entities.make("Payment", path)
    payment.add("transactionNumber", text(transaction, "transactionnumber"))
    payment.add("recordId", text(transaction, "internal_ref_number"))
    payment.add("date", text(transaction, "date_transaction"))  # with its time of day
    payment.add("amount", text(transaction, "amount_local"))
    payment.add("currency", currency)
    payment.add("purpose", text(transaction, "transaction_description"))
    words = [f"transmode {text(transaction, 'transmode_code')}"] if text(transaction, "transmode_code") else []
    involved = []
    for tags, prefix, party_prop, account_prop in SIDES:
        side = next((s for s in (transaction.find(t) for t in tags) if s is not None), None)
        if side is None:
            continue
        for kind in ("person", "entity", "account"):
            found = side.find(f"{prefix}_{kind}")
            if found is None:
                continue
            proxy = PARTY_READERS[kind](entities, found, f"{path}/{prefix}_{kind}")
            if kind == "account":
                payment.add(account_prop, proxy.id)
                holder = holder_of(entities, proxy)
                payment.add(party_prop, holder)
                involved.append(holder or proxy.id)
            else:
                payment.add(party_prop, proxy.id)
                involved.append(proxy.id)
        funds = text(side, f"{prefix}_funds_code")
        words += [f"{prefix} funds {funds}"] if funds else []
        foreign = side.find(f"{prefix}_foreign_currency")
        if foreign is not None:
            payment.add("description", foreign_words(prefix, text(foreign, "foreign_amount"),
                                                     text(foreign, "foreign_currency_code"),
                                                     text(foreign, "foreign_exchange_rate")))
        payment.add("description", f"{prefix} country {text(side, f'{prefix}_country')}" if text(side, f"{prefix}_country")
                    else None)
    payment.add("summary", "; ".join(words) or None)
    return involved
