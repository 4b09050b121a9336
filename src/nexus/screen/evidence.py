"""What a query's facts can add to a name score, and the screening threshold.

A name alone, however exact, scores at most NAME_CEILING: many people share a name,
so a name match without anything else is a lead, not a certainty. A matching date of
birth or document number lifts the score towards 1; a contradicting date of birth,
nationality or gender pushes it below the threshold. The weights are in `SCORING`;
each fact's contribution to a hit is a feature of its explanation (`explain.fact_features`).
A document number and a birth date together are an identity, not facts about a name: a query
carrying both of a listed person's scores at least `SCORING.document_identity`, a hit whatever
its name (`explain.identity_feature`).
"""

from nexus.names.config import SCORING, ScoringConfig

__all__ = ["NAME_CEILING", "SCORING", "SCREEN_THRESHOLD", "ScoringConfig", "best_bonus"]

NAME_CEILING = SCORING.name_ceiling
SCREEN_THRESHOLD = SCORING.screen_threshold


def best_bonus(birth_date, document, country, config: ScoringConfig = SCORING):
    """The most a query's facts could add to its name score (booleans or boolean arrays): every one agreeing."""
    return config.dob_exact * birth_date + config.document_equal * document + config.country_agrees * country
