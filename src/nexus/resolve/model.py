"""The Fellegi–Sunter model: comparisons, blocking rules and prior m/u probabilities.

One settings object serves DuckDB and Spark; Splink renders it in each dialect. The
priors make a small run (a handful of records, nothing to train on) behave sensibly;
a run over enough records re-estimates u by random sampling and m by EM.
"""

import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import SettingsCreator, block_on


def _level(level, m: float, u: float):
    return level.configure(m_probability=m, u_probability=u)


def _name_part(column: str, metaphone: str, swapped: str, exact_u: float) -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name=column,
        comparison_levels=[
            cll.NullLevel(column),
            _level(cll.ExactMatchLevel(column), 0.85, exact_u),
            _level(cll.JaroWinklerLevel(column, 0.92), 0.08, 0.003),
            _level(cll.ColumnsReversedLevel(column, swapped), 0.02, 0.0002),
            _level(cll.ExactMatchLevel(metaphone), 0.02, 0.005),
            _level(cll.JaroWinklerLevel(column, 0.8), 0.02, 0.03),
            _level(cll.ElseLevel(), 0.01, 0.96 - exact_u),
        ],
    )


def _comparisons() -> list:
    return [
        cl.CustomComparison(
            output_column_name="name_ascii",
            comparison_levels=[
                # A person's name is compared part by part below; counting it whole too
                # would count the same evidence twice.
                cll.Or(cll.NullLevel("name_ascii"), cll.CustomLevel("kind_l = 'person'")).configure(
                    is_null_level=True
                ),
                _level(cll.ExactMatchLevel("name_ascii"), 0.8, 0.0005),
                _level(cll.JaroWinklerLevel("name_ascii", 0.92), 0.12, 0.002),
                _level(cll.JaroWinklerLevel("name_ascii", 0.8), 0.05, 0.05),
                _level(cll.ElseLevel(), 0.03, 0.9475),
            ],
        ),
        # A first name is shared by about 1 random pair in 100, a surname by 1 in 500.
        _name_part("first_ascii", "first_metaphone", "last_ascii", exact_u=0.01),
        _name_part("last_ascii", "last_metaphone", "first_ascii", exact_u=0.002),
        cl.CustomComparison(
            output_column_name="birth_date",
            comparison_levels=[
                cll.NullLevel("birth_date"),
                _level(cll.ExactMatchLevel("birth_date"), 0.9, 0.0001),
                _level(cll.DamerauLevenshteinLevel("birth_date", 1), 0.06, 0.003),
                _level(cll.ExactMatchLevel("birth_year"), 0.035, 0.015),
                _level(cll.ElseLevel(), 0.005, 0.9819),
            ],
        ),
        cl.CustomComparison(
            output_column_name="country",
            comparison_levels=[
                cll.NullLevel("country"),
                _level(cll.ExactMatchLevel("country"), 0.95, 0.1),
                _level(cll.ElseLevel(), 0.05, 0.9),
            ],
        ),
        cl.CustomComparison(
            output_column_name="id_number",
            comparison_levels=[
                cll.NullLevel("id_numbers"),
                _level(cll.ArrayIntersectLevel("id_numbers", 1), 0.85, 0.00001),
                _level(cll.DamerauLevenshteinLevel("id_number", 2), 0.1, 0.001),
                _level(cll.ElseLevel(), 0.05, 0.99899),
            ],
        ),
        cl.CustomComparison(
            output_column_name="address",
            comparison_levels=[
                cll.NullLevel("address"),
                _level(cll.ExactMatchLevel("address"), 0.7, 0.0005),
                _level(cll.JaroWinklerLevel("address", 0.9), 0.2, 0.005),
                _level(cll.JaroWinklerLevel("address", 0.75), 0.05, 0.1),
                _level(cll.ElseLevel(), 0.05, 0.8945),
            ],
        ),
        _exact("phone", 0.8, 0.0001),
        _exact("email", 0.8, 0.0001),
    ]


def _exact(column: str, m: float, u: float) -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name=column,
        comparison_levels=[
            cll.NullLevel(column),
            _level(cll.ExactMatchLevel(column), m, u),
            _level(cll.ElseLevel(), 1 - m, 1 - u),
        ],
    )


BLOCKING_RULES = (
    block_on("kind", "last_metaphone", "birth_date"),
    block_on("kind", "first_metaphone", "birth_date"),
    # Consonant skeletons survive transliteration (Mohammed / Muhammad / محمد).
    block_on("kind", "last_skeleton", "birth_date"),
    block_on("kind", "first_metaphone", "last_metaphone"),
    "l.kind = r.kind AND l.first_ascii = r.last_ascii AND l.last_ascii = r.first_ascii",
    # One of the two names moved to the other field, with a typo in the second.
    "l.kind = r.kind AND l.first_ascii = r.last_ascii AND l.birth_date = r.birth_date",
    "l.kind = r.kind AND l.last_ascii = r.first_ascii AND l.birth_date = r.birth_date",
    block_on("kind", "substr(first_ascii, 1, 3)", "birth_date"),
    block_on("kind", "first_metaphone", "substr(birth_date, 1, 7)"),
    block_on("kind", "id_number"),
    block_on("kind", "substr(id_number, 1, 4)", "birth_date"),
    block_on("kind", "substr(address, 1, 10)", "first_metaphone"),
    block_on("kind", "substr(address, 1, 10)", "last_metaphone"),
    block_on("kind", "substr(address, 1, 10)", "birth_date"),
    block_on("kind", "substr(address, 1, 10)", "substr(id_number, 1, 4)"),
    block_on("kind", "email"),
    block_on("kind", "phone"),
    block_on("kind", "name_ascii"),
)

# Rules that admit almost no false matches: used to estimate how often two records match.
DETERMINISTIC_RULES = (
    block_on("kind", "first_ascii", "last_ascii", "birth_date"),
    block_on("kind", "id_number", "last_metaphone"),
)

# EM runs once per rule; each leaves the compared fields free that the other fixes.
TRAINING_RULES = (
    block_on("kind", "birth_date"),
    block_on("kind", "first_metaphone", "last_metaphone"),
)


# Untrained runs assume a pair of records is the same person 1 time in 10,000: a
# conservative prior that leaves only pairs with strong agreement merged.
MATCH_PRIOR = 1e-4


def settings(link_type: str = "dedupe_only", match_prior: float = MATCH_PRIOR) -> SettingsCreator:
    """Splink settings for the person / organisation records of `records.features_sql`."""
    return SettingsCreator(
        link_type=link_type,
        unique_id_column_name="unique_id",
        probability_two_random_records_match=match_prior,
        comparisons=_comparisons(),
        blocking_rules_to_generate_predictions=list(BLOCKING_RULES),
        max_iterations=12,
        em_convergence=0.001,
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )
