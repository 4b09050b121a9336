"""An FIU alert's cited transactions as FtM Payments: for analysts' tools (`nexus alerts export`) and for the
dissemination package of a case opened from the alert (`service.dissemination`).

Each cited ledger transaction is a Payment (its id the transaction's): `payerAccount` and
`beneficiaryAccount` are the accounts' entity ids (`sources.amlworld.account_id`: `acct-<bank>-<number>`, the
BankAccounts the ledger's statements hold), `payer` and `beneficiary` the accounts' holders where the statements
say who holds them (an Ownership's owner, by canonical id), `amount` and `currency` what was paid (its ISO code
where the goAML profile knows the feed's name for it), `date` the moment with its time, `purpose` the payment
format; money received in another currency than paid is a `description` in the form goAML intake uses
(`sources.goaml.report.foreign_words`). Each Payment carries its transaction's labels in its context
(`sources`, `agencies`, `classification`, `releasable_to`), as `export_marks` marks exported entities.

Exporting is reading: the viewer must see the alert (all of its evidence) and every transaction it cites, and the
export is audited with its purpose (`alerts.export`).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import orjson
import pyarrow as pa
from followthemoney import EntityProxy, model

from nexus.errors import Forbidden, InvalidInput
from nexus.model.labels import Classification, Labels
from nexus.security import audit
from nexus.security.viewer import Viewer
from nexus.service.alerts import get_alert
from nexus.service.case_access import chunks
from nexus.service.entities import S, merge, visible_statements
from nexus.service.export_marks import provenance
from nexus.service.ledger import ledger_session
from nexus.sources.goaml.report import foreign_words
from nexus.sources.goaml.write import exchange_rate, load_profile
from nexus.store import Store

FORMATS = ("ftm",)
TRANSACTION = "transaction"


@dataclass(frozen=True)
class Holding:
    """Who holds an account as the statements say it: the holder's canonical id and the statements it rests on
    (the Ownership's asset and owner, and the owner's record), each with its id and labels."""

    account_id: str
    holder_id: str
    statements: tuple[tuple[str, Labels], ...]


def cited_ids(alert: dict) -> list[str]:
    """The ids of the ledger transactions an alert (as `get_alert` gives it) cites."""
    return sorted(e["ref_id"] for e in alert["evidence"] if e["ref_kind"] == TRANSACTION)


def cited_transactions(store: Store, viewer: Viewer, home: Path, alert: dict, action: str = "read") -> list[dict]:
    """The ledger rows of the transactions the alert cites that the viewer may take ``action`` on, in time order,
    each with its accounts' entity ids, both amounts and its labels."""
    ids = cited_ids(alert)
    if not ids:
        return []
    with ledger_session(store, viewer, home, action=action) as session:
        session.register("wanted_transactions", pa.table({"id": pa.array(ids, pa.string())}))
        return session.run("alert_payments").to_pylist()


def holdings(store: Store, viewer: Viewer, account_ids: Iterable[str], action: str = "read") -> list[Holding]:
    """Who holds each of the accounts, from the Ownerships (asset → owner) the viewer may take ``action`` on."""
    accounts = sorted(set(account_ids))
    if not accounts:
        return []
    visible = visible_statements(viewer, action)
    with store.engine.connect() as conn:
        assets = [r for chunk in chunks(accounts) for r in conn.execute(
            visible.where(S.schema == "Ownership", S.prop == "asset", S.value.in_(chunk)))]
        ownerships = sorted({r.entity_id for r in assets})
        owners = [r for chunk in chunks(ownerships) for r in conn.execute(
            visible.where(S.entity_id.in_(chunk), S.prop == "owner"))]
        owner_ids = sorted({r.value for r in owners})
        records = {}
        for chunk in chunks(owner_ids):  # the owner's record the viewer may see, and its canonical id
            for r in conn.execute(visible.where(S.entity_id.in_(chunk)).order_by(S.entity_id, S.id)):
                records.setdefault(r.entity_id, r)
    found = {}
    for asset in assets:
        for owner in (o for o in owners if o.entity_id == asset.entity_id and o.value in records):
            record = records[owner.value]
            found.setdefault((asset.value, record.canonical_id), tuple(
                (r.id, Labels.from_row(r._mapping)) for r in (asset, owner, record)))
    return [Holding(account, holder, rests_on) for (account, holder), rests_on in sorted(found.items())]


def payments(rows: list[dict], holders: Iterable[Holding] = ()) -> list[EntityProxy]:
    """Each ledger row as an FtM Payment (as the module says), payer and beneficiary its accounts' ``holders``."""
    held: dict[str, list[str]] = {}
    for holding in holders:
        held.setdefault(holding.account_id, []).append(holding.holder_id)
    codes = load_profile()["currencies"]
    made = []
    for row in rows:
        payment = model.make_entity("Payment")
        payment.id = row["id"]
        payment.add("recordId", row["id"])
        payment.add("date", row["timestamp"].isoformat(timespec="seconds"))
        payment.add("amount", f"{row['amount_paid']:.2f}")
        payment.add("currency", codes.get(row["payment_currency"], row["payment_currency"]))
        payment.add("payerAccount", row["from_account_id"])
        payment.add("beneficiaryAccount", row["to_account_id"])
        payment.add("payer", held.get(row["from_account_id"], []))
        payment.add("beneficiary", held.get(row["to_account_id"], []))
        if row["payment_format"]:
            payment.add("purpose", f"{row['payment_format']} payment")
        received, currency = row.get("amount_received"), row.get("receiving_currency")
        if received is not None and currency and currency != row["payment_currency"]:
            payment.add("description", foreign_words("to", f"{received:.2f}", codes.get(currency, currency),
                                                     exchange_rate(row["amount_paid"], received)))
        labels = Labels.from_row(row)
        payment.context.update(sources=[row["source"]], agencies=[labels.agency],
                               classification=labels.classification.name,
                               releasable_to=list(labels.releasable_to))
        made.append(payment)
    return made


def row_accounts(rows: list[dict]) -> list[EntityProxy]:
    """The accounts the rows name, as BankAccounts with what the ledger knows of them (number and bank, as the
    ledger's statements say it: `ledger_accounts.sql`), each marked with the labels of the rows naming it."""
    found: dict[str, tuple[EntityProxy, list[dict]]] = {}
    for row in rows:
        for side in ("from", "to"):
            account_id = row[f"{side}_account_id"]
            if account_id not in found:
                account = model.make_entity("BankAccount")
                account.id = account_id
                account.add("accountNumber", row[f"{side}_account"])
                account.add("bankName", row[f"{side}_bank"])
                found[account_id] = (account, [])
            found[account_id][1].append(row)
    for account, naming in found.values():
        labels = [Labels.from_row(r) for r in naming]
        account.context.update(sources=sorted({r["source"] for r in naming}),
                               agencies=sorted({label.agency for label in labels}),
                               classification=max(label.classification for label in labels).name)
    return [account for account, _ in found.values()]


def accounts(store: Store, viewer: Viewer, rows: list[dict], action: str = "read") -> list[EntityProxy]:
    """The rows' accounts as BankAccounts merged from the statements the viewer may take ``action`` on (under the
    account's own id, which the Payments name), marked with their provenance; from the rows where the viewer sees
    no statement of one."""
    named = row_accounts(rows)
    with store.engine.connect() as conn:
        statements = [r for chunk in chunks([a.id for a in named]) for r in conn.execute(
            visible_statements(viewer, action).where(S.entity_id.in_(chunk)).order_by(S.entity_id, S.prop, S.value))]
    made = []
    for account in named:
        its_rows = [r for r in statements if r.entity_id == account.id]
        entity = merge(account.id, its_rows) if its_rows else None
        if entity is None:
            made.append(account)
            continue
        entity.id = account.id
        entity.context.update(provenance(its_rows))
        made.append(entity)
    return made


def export_alert(store: Store, viewer: Viewer, home: Path, alert_id: int, out: IO[bytes], fmt: str = "ftm") -> dict:
    """Write the transactions alert ``alert_id`` cites to ``out`` as FtM JSON lines: the Payments, then the
    BankAccounts (and nothing else). What was written: the alert, how many payments and accounts."""
    if fmt not in FORMATS:
        raise InvalidInput(f"must be one of {', '.join(FORMATS)}, not {fmt!r}", field="format")
    alert = get_alert(store, viewer, alert_id)  # requires read; NotFound unless the viewer may see all it cites
    ids = cited_ids(alert)
    if not ids:
        raise InvalidInput(f"alert {alert_id} is a {alert['kind']} alert citing no transactions: nothing to export")
    rows = cited_transactions(store, viewer, home, alert)
    if {r["id"] for r in rows} != set(ids):
        audit.log_event(store, viewer, "alerts.export", {"purpose": viewer.purpose, "id": alert_id, "format": fmt},
                        [str(alert_id)], outcome="denied")
        raise Forbidden(f"alert {alert_id} cites transactions you may not see")
    made = payments(rows, holdings(store, viewer, [r[f"{side}_account_id"] for r in rows for side in ("from", "to")]))
    found = accounts(store, viewer, rows)
    for entity in [*made, *found]:
        out.write(orjson.dumps(entity.to_dict()) + b"\n")
    classification = max((Classification(r["classification"]) for r in rows), default=Classification.UNCLASSIFIED)
    audit.log_event(store, viewer, "alerts.export", {"purpose": viewer.purpose, "id": alert_id, "format": fmt,
                                                     "payments": len(made), "accounts": len(found)},
                    [str(alert_id), *(r["id"] for r in rows)])
    return {"alert": alert_id, "format": fmt, "payments": len(made), "accounts": len(found),
            "classification": classification.name}


def alert_words(alert: dict) -> str:
    """An alert's explanation as a report states it: its title, score and state, its reasons, and for a finding
    over transactions how many, how much and when."""
    x = alert["explanation"]
    score = "" if alert["score"] is None else f", score {alert['score']:.2f}"
    lines = [f"Alert {alert['id']} ({alert['kind']}{score}, {alert['state']}): {alert['title']}"]
    if x.get("words") and x["words"] not in alert["title"]:
        lines.append(str(x["words"]))
    lines += [f"- {reason}" for reason in x.get("reasons", [])]
    if "transaction_count" in x:
        total = f"{x['total']:,.2f} {x['currency']}, " if x.get("total") is not None and x.get("currency") else ""
        lines.append(f"{x['transaction_count']} transaction(s), {total}{x.get('start', '')} to {x.get('finish', '')}")
    return "\n".join(lines)
