"""One currency, one spelling: AMLworld's feeds name currencies ("Euro"), goAML reports, FtM and most banks give
ISO 4217 codes ("EUR"). The detectors see the name AMLworld gives a currency it names and the code otherwise, so
money in euros is one currency whichever feed brought it, and thresholds set in either spelling apply to both."""

#: AMLworld's names (IBM's generator) of the currencies ISO 4217 codes.
AMLWORLD_NAMES = {
    "USD": "US Dollar", "EUR": "Euro", "CNY": "Yuan", "JPY": "Yen", "GBP": "UK Pound", "INR": "Rupee",
    "RUB": "Ruble", "CAD": "Canadian Dollar", "AUD": "Australian Dollar", "CHF": "Swiss Franc",
    "MXN": "Mexican Peso", "BRL": "Brazil Real", "SAR": "Saudi Riyal", "ILS": "Shekel",
}
#: Every currency AMLworld's published data names; Bitcoin has no ISO 4217 code.
AMLWORLD_CURRENCIES = (*AMLWORLD_NAMES.values(), "Bitcoin")


def spelled(currency: str) -> str:
    """The one spelling of ``currency``: AMLworld's name where it names it, else the value as given."""
    return AMLWORLD_NAMES.get(currency.strip().upper(), currency.strip())
