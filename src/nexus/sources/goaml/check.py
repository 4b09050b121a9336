"""What the reader itself asks of a report, with the FIU's schema or without it.

Without a schema these checks are all a report gets: the elements the reader cannot do without are
there (the report's key, its date and local currency; each transaction's date and amount), every date
is a date, every amount a decimal number, every currency an ISO 4217 code and the reporting entity's
id a whole number. With the schema, whose code lists are the FIU's own, only the dates are checked
again: xs:dateTime admits years past 9999, which no date in the store holds. Each problem is a
`SchemaError` (element path, line, reason), as the schema's violations are.
"""

import re
from collections.abc import Callable
from datetime import datetime

from lxml import etree

from nexus.sources.goaml.schema import SchemaError

#: goAML's date elements (xs:dateTime in every goAML schema).
DATES = frozenset({
    "birthdate", "closed", "currency_balance_date", "date_balance", "date_business_closed", "date_deceased",
    "date_posting", "date_transaction", "entity_status_date", "expiry_date", "first_seen_date",
    "incorporation_date", "info_date", "issue_date", "last_seen_date", "opened", "registration_date",
    "report_date", "residence_since", "status_date", "step_date", "submission_date", "valid_from", "valid_to",
    "value_date",
})
#: goAML's amounts (xs:decimal).
AMOUNTS = frozenset({"amount_local", "balance", "currency_balance", "disposed_value", "estimated_value",
                     "foreign_amount", "foreign_exchange_rate", "info_numeric"})
CURRENCIES = frozenset({"currency_code", "currency_code_local", "foreign_currency_code"})
#: ISO 4217: the codes in use, and those withdrawn since 2005 (a report may be older than its currency's change).
#: An FIU whose code list has others (crypto-assets, say) validates against its own schema.
ISO_4217 = frozenset("""
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN BWP BYN BZD
    CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP
    GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW
    KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN
    NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL
    SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED VES
    VND VUV WST XAF XAG XAU XBA XBB XBC XBD XCD XCG XDR XOF XPD XPF XPT XSU XTS XUA XXX YER ZAR ZMW ZWG ZWL
    AZM BYR CSD CYP EEK GHC HRK LTL LVL MGF MRO MTL MZM ROL SDD SIT SKK STD TMM TRL VEB VEF ZMK ZWD ZWR
""".split())
#: Elements the reader cannot do without, by the element that holds them; a tuple is a choice of one.
REQUIRED = {
    "report": ("rentity_id", "entity_reference", ("submission_date", "report_date"), "currency_code_local"),
    "transaction": ("date_transaction", "amount_local"),
}

DATE_TIME = re.compile(r"(?P<year>-?[0-9]{4,})-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?"
                       r"(Z|[+-][0-9]{2}:[0-9]{2})?")
DECIMAL = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)")
WHOLE = re.compile(r"\+?[0-9]+")


def date_problem(value: str) -> str | None:
    found = DATE_TIME.fullmatch(value)
    if found is None:
        return "not a goAML date (YYYY-MM-DDThh:mm:ss)"
    if len(found["year"]) != 4:
        return f"a year {'before 0001' if found['year'].startswith('-') else 'past 9999'}, which no date in Nexus holds"
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return "no such day or time"
    return None


def amount_problem(value: str) -> str | None:
    return None if DECIMAL.fullmatch(value) else "not a decimal number (goAML writes 120000.00)"


def currency_problem(value: str) -> str | None:
    return None if value in ISO_4217 else "not an ISO 4217 currency code (your FIU's schema, --schema, may list it)"


def id_problem(value: str) -> str | None:
    return None if WHOLE.fullmatch(value) and int(value) > 0 else "not a whole number above 0"


def unread_problems(report: etree._Element, with_schema: bool) -> list[SchemaError]:
    """What keeps the reader from reading `report` as it stands; `with_schema` when the FIU's schema checks the
    rest (and its code lists rule)."""
    checks: dict[str, Callable[[str], str | None]] = dict.fromkeys(DATES, date_problem)
    if not with_schema:
        checks |= dict.fromkeys(AMOUNTS, amount_problem) | dict.fromkeys(CURRENCIES, currency_problem)
        checks["rentity_id"] = id_problem
    found = [] if with_schema else _missing(report)
    for element in report.iter(*checks):
        value = (element.text or "").strip()
        problem = checks[element.tag](value) if value else None
        if problem:
            found.append(SchemaError(_path(element), element.sourceline, f"invalid value {value!r}: {problem}"))
    return found


def _missing(report: etree._Element) -> list[SchemaError]:
    found = []
    for holder in (report, *report.iter("transaction")):
        for needed in REQUIRED[holder.tag]:
            choice = needed if isinstance(needed, tuple) else (needed,)
            if not any((holder.findtext(tag) or "").strip() for tag in choice):
                reason = f"missing: <{'> or <'.join(choice)}> is required"
                found.append(SchemaError(_path(holder), holder.sourceline, reason, missing=choice[0]))
    return found


def _path(element: etree._Element) -> str:
    return element.getroottree().getpath(element)
