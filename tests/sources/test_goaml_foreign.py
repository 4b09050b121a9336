"""goAML intake keeps a transaction's time of day and states a side's foreign currency in one fixed form, read
against the FIU's real 5.0.2 XSD."""

import pytest

from nexus.sources import get_format


@pytest.fixture
def goaml(shared_data):
    return shared_data / "goaml"


def read_str(goaml, tmp_path, *changes):
    text = (goaml / "samples" / "STR.xml").read_text()
    for old, new in changes:
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / "str.xml"
    path.write_text(text)
    (record,) = get_format("goaml").read(path, schema=goaml / "goAMLSchema-5.0.2.xsd")
    assert record.error is None
    (payment,) = [e for e in record.entities if e.schema.name == "Payment"]
    return payment


def test_a_payment_keeps_the_time_of_its_transaction(goaml, tmp_path):
    payment = read_str(goaml, tmp_path, ("2026-05-24T14:30:00</date_transaction>", "2026-05-20T13:45:00</date_transaction>"))
    assert payment.get("date") == ["2026-05-20T13:45:00"]


def test_a_foreign_currency_is_a_structured_description_not_free_text_in_the_summary(goaml, tmp_path):
    payment = read_str(goaml, tmp_path, (
        "<to_funds_code>BANKD</to_funds_code>",
        "<to_funds_code>BANKD</to_funds_code><to_foreign_currency><foreign_currency_code>EUR</foreign_currency_code>"
        "<foreign_amount>30000.00</foreign_amount><foreign_exchange_rate>4.0</foreign_exchange_rate>"
        "</to_foreign_currency>"), (
        "<from_funds_code>CASH</from_funds_code>",
        "<from_funds_code>CASH</from_funds_code><from_foreign_currency><foreign_currency_code>USD</foreign_currency_code>"
        "<foreign_amount>32670.00</foreign_amount></from_foreign_currency>"))
    assert payment.get("amount") == ["120000.00"] and payment.get("currency") == ["AED"]  # the local amount
    assert "to foreign amount 30000.00 EUR at exchange rate 4.0" in payment.get("description")
    assert "from foreign amount 32670.00 USD" in payment.get("description")
    assert payment.get("summary") == ["transmode ELCFT; from funds CASH; to funds BANKD"]
    assert not payment.get("amountEur") and not payment.get("amountUsd")
