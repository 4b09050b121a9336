"""Turning a name score and supporting or contradicting facts into one calibrated score.

A name alone, however exact, scores at most NAME_CEILING: many people share a name,
so a name match without anything else is a lead, not a certainty. A matching date of
birth or document number lifts the score towards 1; a contradicting date of birth,
nationality or gender pushes it below the threshold. Every adjustment is reported as a
reason beside the name alignment.
"""

from typing import TYPE_CHECKING

from nexus.names import NAME_MATCH_THRESHOLD, compare_dates
from nexus.names.dates import DateAgreement
from nexus.screen.profiles import Profile

if TYPE_CHECKING:
    from nexus.screen.query import PreparedQuery

NAME_CEILING = 0.85
#: A name at the name-match threshold, with nothing else known, is just a hit.
SCREEN_THRESHOLD = round(NAME_MATCH_THRESHOLD * NAME_CEILING, 2)
DOB_EXACT = 0.12
DOB_COMPATIBLE = 0.05
DOB_CONTRADICTS = -0.30
DOCUMENT_EQUAL = 0.30
COUNTRY_AGREES = 0.03
COUNTRY_CONTRADICTS = -0.10
GENDER_CONTRADICTS = -0.20

_DOB_WEIGHTS = {
    DateAgreement.EXACT: DOB_EXACT,
    DateAgreement.COMPATIBLE: DOB_COMPATIBLE,
    DateAgreement.SWAPPED: 0.0,
    DateAgreement.CONTRADICTS: DOB_CONTRADICTS,
}


def _fmt(span) -> str:
    if span.earliest == span.latest:
        return span.earliest.isoformat()
    return f"{span.earliest.isoformat()}..{span.latest.isoformat()}"


def weigh(query: "PreparedQuery", profile: Profile, name_score: float) -> tuple[float, list[str]]:
    """The final score (0..1) and the reasons other than the name alignment."""
    score = NAME_CEILING * name_score
    reasons: list[str] = []
    dates = compare_dates(query.birth_dates, profile.birth_dates)
    if dates is not None:
        agreement, ours, theirs = dates
        score += _DOB_WEIGHTS[agreement]
        reasons.append(f"birth date {agreement.value} ({_fmt(ours)} vs {_fmt(theirs)}) {_DOB_WEIGHTS[agreement]:+.2f}")
    if query.document and query.document in profile.documents:
        score += DOCUMENT_EQUAL
        reasons.append(f"document number equal ({query.document}) {DOCUMENT_EQUAL:+.2f}")
    if query.countries and profile.countries:
        if query.countries & profile.countries:
            score += COUNTRY_AGREES
            reasons.append(f"nationality agrees ({', '.join(sorted(query.countries & profile.countries))}) {COUNTRY_AGREES:+.2f}")
        else:
            score += COUNTRY_CONTRADICTS
            theirs = ", ".join(sorted(profile.countries))
            reasons.append(f"nationality contradicts ({', '.join(sorted(query.countries))} vs {theirs}) {COUNTRY_CONTRADICTS:+.2f}")
    if query.gender and profile.genders and query.gender not in profile.genders:
        score += GENDER_CONTRADICTS
        reasons.append(f"gender contradicts ({query.gender} vs {', '.join(sorted(profile.genders))}) {GENDER_CONTRADICTS:+.2f}")
    return min(1.0, max(0.0, score)), reasons


def best_bonus(birth_date, document, country):
    """The most a query's facts could add to its name score (booleans or boolean arrays): every one agreeing."""
    return DOB_EXACT * birth_date + DOCUMENT_EQUAL * document + COUNTRY_AGREES * country
