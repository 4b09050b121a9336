"""Turning a name score and supporting or contradicting facts into one calibrated score.

A name alone, however exact, scores at most NAME_CEILING: many people share a name,
so a name match without anything else is a lead, not a certainty. A matching date of
birth or document number lifts the score towards 1; a contradicting date of birth,
nationality or gender pushes it below the threshold. Every adjustment is reported as a
reason beside the name alignment.
"""

from typing import TYPE_CHECKING

from nexus.names import compare_dates
from nexus.names.config import SCORING, ScoringConfig
from nexus.names.dates import DateAgreement
from nexus.screen.profiles import Profile

if TYPE_CHECKING:
    from nexus.screen.query import PreparedQuery

__all__ = ["NAME_CEILING", "SCORING", "SCREEN_THRESHOLD", "ScoringConfig", "best_bonus", "weigh"]

NAME_CEILING = SCORING.name_ceiling
SCREEN_THRESHOLD = SCORING.screen_threshold


def _dob_weight(agreement: DateAgreement, config: ScoringConfig) -> float:
    return {
        DateAgreement.EXACT: config.dob_exact,
        DateAgreement.COMPATIBLE: config.dob_compatible,
        DateAgreement.SWAPPED: 0.0,
        DateAgreement.CONTRADICTS: config.dob_contradicts,
    }[agreement]


def _fmt(span) -> str:
    if span.earliest == span.latest:
        return span.earliest.isoformat()
    return f"{span.earliest.isoformat()}..{span.latest.isoformat()}"


def weigh(query: "PreparedQuery", profile: Profile, name_score: float, config: ScoringConfig = SCORING) -> tuple[float, list[str]]:
    """The final score (0..1) and the reasons other than the name alignment."""
    score = config.name_ceiling * name_score
    reasons: list[str] = []
    dates = compare_dates(query.birth_dates, profile.birth_dates)
    if dates is not None:
        agreement, ours, theirs = dates
        weight = _dob_weight(agreement, config)
        score += weight
        reasons.append(f"birth date {agreement.value} ({_fmt(ours)} vs {_fmt(theirs)}) {weight:+.2f}")
    if query.document and query.document in profile.documents:
        score += config.document_equal
        reasons.append(f"document number equal ({query.document}) {config.document_equal:+.2f}")
    if query.countries and profile.countries:
        if query.countries & profile.countries:
            score += config.country_agrees
            reasons.append(f"nationality agrees ({', '.join(sorted(query.countries & profile.countries))}) {config.country_agrees:+.2f}")
        else:
            score += config.country_contradicts
            theirs = ", ".join(sorted(profile.countries))
            reasons.append(f"nationality contradicts ({', '.join(sorted(query.countries))} vs {theirs}) {config.country_contradicts:+.2f}")
    if query.gender and profile.genders and query.gender not in profile.genders:
        score += config.gender_contradicts
        reasons.append(f"gender contradicts ({query.gender} vs {', '.join(sorted(profile.genders))}) {config.gender_contradicts:+.2f}")
    return min(1.0, max(0.0, score)), reasons


def best_bonus(birth_date, document, country, config: ScoringConfig = SCORING):
    """The most a query's facts could add to its name score (booleans or boolean arrays): every one agreeing."""
    return config.dob_exact * birth_date + config.document_equal * document + config.country_agrees * country
