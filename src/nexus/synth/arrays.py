"""Vectorised string helpers: ids, digits, dates and IBANs built as whole numpy arrays."""

from collections.abc import Sequence

import numpy as np

STRING = np.dtypes.StringDType()
EPOCH = np.datetime64("1970-01-01", "D")


def strings(values: Sequence[str]) -> np.ndarray:
    return np.array(values, dtype=STRING)


def join(*parts: "np.ndarray | str") -> np.ndarray:
    """Concatenate string arrays and literals element-wise."""
    result = np.asarray(parts[0], dtype=STRING)
    for part in parts[1:]:
        result = np.strings.add(result, np.asarray(part, dtype=STRING))
    return result


def ids(prefix: str, index: np.ndarray, width: int = 7) -> np.ndarray:
    return join(prefix, np.strings.zfill(np.asarray(index).astype(STRING), width))


def digits(rng: np.random.Generator, count: int, length: int) -> np.ndarray:
    """``count`` random digit strings of exactly ``length`` digits."""
    out: np.ndarray = np.full(count, "", dtype=STRING)
    remaining = length
    while remaining > 0:
        step = min(remaining, 9)
        chunk = rng.integers(0, 10**step, count).astype(STRING)
        out = np.strings.add(out, np.strings.zfill(chunk, step))
        remaining -= step
    return out


def letters(rng: np.random.Generator, count: int, length: int) -> np.ndarray:
    alphabet = strings(list("ABCDEFGHJKLMNPRSTUVWXYZ"))
    out: np.ndarray = np.full(count, "", dtype=STRING)
    for _ in range(length):
        out = np.strings.add(out, alphabet[rng.integers(0, len(alphabet), count)])
    return out


def iso_dates(days: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 as 'YYYY-MM-DD' strings."""
    return (EPOCH + np.asarray(days, dtype="timedelta64[D]")).astype(STRING)


def days(iso: str) -> int:
    return int((np.datetime64(iso, "D") - EPOCH).astype(int))


def pick(rng: np.random.Generator, options: Sequence[str], count: int, p: np.ndarray | None = None) -> np.ndarray:
    return strings(options)[rng.choice(len(options), size=count, p=p)]


def _iban_digits(text: str) -> list[int]:
    return [int(d) for ch in text for d in (ch if ch.isdigit() else str(ord(ch) - ord("A") + 10))]


def _belgian_check(bank_code: str, account: np.ndarray) -> None:
    """Belgian account numbers end in the first ten digits mod 97 (97 for 0)."""
    number = np.full(len(account), int(bank_code), dtype=np.int64)
    for column in account[:, :-2].T:
        number = number * 10 + column
    check = number % 97
    check[check == 0] = 97
    account[:, -2], account[:, -1] = check // 10, check % 10


def ibans(country: str, bank_code: str, account: np.ndarray) -> np.ndarray:
    """Valid IBANs (ISO 13616 and national check digits); ``account`` is an (accounts, length) matrix of digits."""
    if country == "BE":
        _belgian_check(bank_code, account)
    remainder = np.zeros(len(account), dtype=np.int64)
    text = np.full(len(account), bank_code, dtype=STRING)
    for digit in _iban_digits(bank_code):
        remainder = (remainder * 10 + digit) % 97
    for column in account.T:
        remainder = (remainder * 10 + column) % 97
        text = np.strings.add(text, column.astype(STRING))
    for digit in _iban_digits(country) + [0, 0]:
        remainder = (remainder * 10 + digit) % 97
    check = np.strings.zfill((98 - remainder).astype(STRING), 2)
    return join(country, check, text)
