"""goAML write-back takes a currency in either spelling a feed gives it: AMLworld's name (Euro) or the ISO 4217 code
(EUR, or one the profile does not list, AED); one currency in two spellings is one local currency."""

from datetime import datetime

import pytest
from lxml import etree

from nexus.sources.base import SourceError
from nexus.sources.goaml.write import load_profile, write_report


def row(number: int, paid: str, received: str | None = None) -> dict:
    return {"id": f"t{number}", "timestamp": datetime(2022, 9, number, 10), "from_bank": "080", "from_account": "A1",
            "to_bank": "081", "to_account": "B1", "amount_paid": 9500.0, "payment_currency": paid,
            "amount_received": 2600.0 if received else 9500.0, "receiving_currency": received or paid,
            "payment_format": "Cash"}


def written(*rows: dict) -> etree._Element:
    return etree.fromstring(write_report(list(rows), "R1", "structuring", "1", "structuring", load_profile(),
                                         datetime(2022, 10, 1)))


def test_one_currency_in_two_spellings_is_one_local_currency_and_an_unlisted_iso_code_is_its_own():
    report = written(row(1, "Euro"), row(2, "EUR"))
    assert report.findtext("currency_code_local") == "EUR"
    assert report.find(".//to_foreign_currency") is None  # EUR received for Euro paid is no foreign currency
    assert written(row(3, "AED")).findtext("currency_code_local") == "AED"
    foreign = written(row(4, "EUR", received="AED")).find(".//to_foreign_currency")
    assert foreign.findtext("foreign_currency_code") == "AED"
    with pytest.raises(SourceError, match="no ISO code for the currency 'Dinar'"):
        written(row(5, "Dinar"))
