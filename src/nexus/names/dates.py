"""Dates of birth as ranges: exact days, months, years and explicit ranges compare alike.

FtM dates are ISO prefixes ("1970-03-02", "1970-03", "1970"). Queries may also give a
range: "1968/1972", "1968..1972" or "1968-1972". Each becomes the closed interval of days
it covers; two dates agree when their intervals overlap.
"""

import calendar
import re
from dataclasses import dataclass
from datetime import date
from enum import Enum

_ISO = re.compile(r"^\s*(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")
_RANGE = re.compile(r"^\s*(\d{4}(?:-\d{1,2}(?:-\d{1,2})?)?)\s*(?:/|\.\.|–|-)\s*(\d{4}(?:-\d{1,2}(?:-\d{1,2})?)?)\s*$")


class Precision(str, Enum):
    DAY = "day"
    MONTH = "month"
    YEAR = "year"
    RANGE = "range"


@dataclass(frozen=True, slots=True)
class DateRange:
    earliest: date
    latest: date
    precision: Precision

    @property
    def is_day(self) -> bool:
        return self.precision is Precision.DAY


def _single(text: str, whole: bool = False) -> DateRange | None:
    match = _ISO.match(text)
    if not match or (whole and text[match.end():].strip()):
        return None
    year = int(match.group(1))
    month = int(match.group(2)) if match.group(2) else None
    day = int(match.group(3)) if match.group(3) else None
    try:
        if month is None:
            return DateRange(date(year, 1, 1), date(year, 12, 31), Precision.YEAR)
        if day is None:
            last = calendar.monthrange(year, month)[1]
            return DateRange(date(year, month, 1), date(year, month, last), Precision.MONTH)
        exact = date(year, month, day)
    except ValueError:
        return None
    return DateRange(exact, exact, Precision.DAY)


def parse_date(text: str | None, whole: bool = False) -> DateRange | None:
    """The days a date text covers, or None if it is not a date. A stored date is read from the start of its text
    (an FtM date may go on with a time); a date given `whole` (a query's) is nothing else."""
    if not text:
        return None
    ranged = _RANGE.match(text)
    if ranged:
        low, high = _single(ranged.group(1)), _single(ranged.group(2))
        if low and high and low.earliest <= high.latest:
            return DateRange(low.earliest, high.latest, Precision.RANGE)
        return None
    return _single(text, whole)


class DateAgreement(str, Enum):
    EXACT = "exact"  # the same day
    COMPATIBLE = "compatible"  # overlapping, but one side is a year, month or range
    SWAPPED = "swapped"  # day and month exchanged: a data-entry slip, neither for nor against
    CONTRADICTS = "contradicts"


_RANK = {DateAgreement.EXACT: 3, DateAgreement.COMPATIBLE: 2, DateAgreement.SWAPPED: 1, DateAgreement.CONTRADICTS: 0}


def _agreement(a: DateRange, b: DateRange) -> DateAgreement:
    if a.is_day and b.is_day:
        if a.earliest == b.earliest:
            return DateAgreement.EXACT
        x, y = a.earliest, b.earliest
        if x.year == y.year and x.month == y.day and x.day == y.month:
            return DateAgreement.SWAPPED
        return DateAgreement.CONTRADICTS
    if a.earliest <= b.latest and b.earliest <= a.latest:
        return DateAgreement.COMPATIBLE
    return DateAgreement.CONTRADICTS


def compare_dates(query: list[DateRange], result: list[DateRange]) -> tuple[DateAgreement, DateRange, DateRange] | None:
    """The best agreement between any query date and any result date; None if either side has none."""
    best = None
    for a in query:
        for b in result:
            found = _agreement(a, b)
            if best is None or _RANK[found] > _RANK[best[0]]:
                best = (found, a, b)
    return best


#: A date covering more years than this (a wide range) names none of them as a birth year (`birth_years`).
MAX_BIRTH_YEARS = 10


def birth_years(dates: list[DateRange]) -> list[int]:
    """The years the dates cover, each once; a date spanning more than MAX_BIRTH_YEARS years gives none."""
    years = set()
    for found in dates:
        if found.latest.year - found.earliest.year < MAX_BIRTH_YEARS:
            years.update(range(found.earliest.year, found.latest.year + 1))
    return sorted(years)
