"""The Fellegi–Sunter model: comparisons, blocking rules and prior m/u probabilities.

One settings object serves DuckDB and Spark; Splink renders it in each dialect. The
priors make a small run (a handful of records, nothing to train on) behave sensibly;
a run over enough records re-estimates u by random sampling and m by EM, and weighs
exact names by their frequency in the data (term frequencies, `TF_COLUMNS`).
"""

import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import SettingsCreator, block_on
from splink.internals.comparison_level_creator import ComparisonLevelCreator


def _level(level, m: float, u: float):
    return level.configure(m_probability=m, u_probability=u)


def _fixed(level, m: float, u: float):
    return level.configure(m_probability=m, u_probability=u, fix_m_probability=True, fix_u_probability=True)


# Columns whose exact agreement is weighed by the value's frequency (`_tf`).
TF_COLUMNS = ("full_name", "first_ascii", "last_ascii")


def _tf(level, column: str, term_frequencies: bool):
    return level.configure(tf_adjustment_column=column) if term_frequencies else level


def _close(part: str):
    """The same name part, give or take a typo or a transliteration."""
    return cll.Or(cll.ExactMatchLevel(f"{part}_ascii"), cll.JaroWinklerLevel(f"{part}_ascii", 0.92),
                  cll.ExactMatchLevel(f"{part}_metaphone"))


class _Swapped(ComparisonLevelCreator):
    """Given name and family name written the other way round, either perhaps misspelt."""

    def create_sql(self, sql_dialect) -> str:
        jaro_winkler = sql_dialect.jaro_winkler_function_name

        def close(a: str, b: str) -> str:
            return (f"({a}_ascii_l = {b}_ascii_r OR {a}_metaphone_l = {b}_metaphone_r "
                    f"OR {jaro_winkler}({a}_ascii_l, {b}_ascii_r) >= 0.92)")

        return f"{close('first', 'last')} AND {close('last', 'first')}"

    def create_label_for_charts(self) -> str:
        return "Names swapped"


def _person_name(term_frequencies: bool) -> cl.CustomComparison:
    """Given name and surname compared together, so that the rarity of the whole name counts.

    Names cluster by culture: "Mohammed" and "Ali" are each common and far more often
    found together than their separate frequencies suggest, so the exact level is
    weighed by how often the full name occurs in the data (``full_name``).
    """
    return cl.CustomComparison(
        output_column_name="person_name",
        comparison_levels=[
            cll.And(cll.NullLevel("first_ascii"), cll.NullLevel("last_ascii")).configure(is_null_level=True),
            _level(_tf(cll.ExactMatchLevel("full_name"), "full_name", term_frequencies), 0.75, 0.0001),
            _level(_Swapped(), 0.03, 0.00001),
            _level(cll.And(_close("first"), _close("last")), 0.12, 0.0005),
            _level(cll.Or(cll.And(_close("first"), cll.JaroWinklerLevel("last_ascii", 0.8)),
                          cll.And(cll.JaroWinklerLevel("first_ascii", 0.8), _close("last"))), 0.04, 0.001),
            _level(cll.And(cll.JaroWinklerLevel("first_ascii", 0.8), cll.JaroWinklerLevel("last_ascii", 0.8)),
                   0.02, 0.002),
            # Same family name, another given name: a relative as often as not.
            _level(_tf(cll.ExactMatchLevel("last_ascii"), "last_ascii", term_frequencies), 0.02, 0.005),
            _level(_tf(cll.ExactMatchLevel("first_ascii"), "first_ascii", term_frequencies), 0.02, 0.01),
            _level(cll.ElseLevel(), 0.01, 0.9824),
        ],
    )


_BOTH_FULL = "length(birth_date_l) = 10 AND length(birth_date_r) = 10"
# One date is a less precise form of the other ("1975" / "1975-03-14").
_COMPATIBLE = (
    "substr(birth_date_l, 1, least(length(birth_date_l), length(birth_date_r))) = "
    "substr(birth_date_r, 1, least(length(birth_date_l), length(birth_date_r)))"
)


def _birth_date() -> cl.CustomComparison:
    """Full dates that agree are strong evidence; a year agreeing with a year-only date is weak,
    since many people share a birth year; full dates that differ are strong evidence against."""
    return cl.CustomComparison(
        output_column_name="birth_date",
        comparison_levels=[
            cll.NullLevel("birth_date"),
            _level(cll.And(cll.CustomLevel(_BOTH_FULL), cll.ExactMatchLevel("birth_date")), 0.85, 0.0001),
            _level(cll.And(cll.CustomLevel(_BOTH_FULL), cll.DamerauLevenshteinLevel("birth_date", 1)), 0.05, 0.003),
            _level(cll.And(cll.CustomLevel(_BOTH_FULL), cll.DamerauLevenshteinLevel("birth_date", 2)), 0.02, 0.01),
            _level(cll.CustomLevel(_COMPATIBLE), 0.08, 0.02),
            _level(cll.ExactMatchLevel("birth_year"), 0.01, 0.015),
            _level(cll.ElseLevel(), 0.005, 0.9619),
        ],
    )


def _comparisons(term_frequencies: bool) -> list:
    return [
        # Organisations by their whole name; people by their name parts (`_person_name`).
        cl.CustomComparison(
            output_column_name="organization_name",
            comparison_levels=[
                cll.NullLevel("organization_name"),
                _level(cll.ExactMatchLevel("organization_name"), 0.8, 0.0005),
                _level(cll.JaroWinklerLevel("organization_name", 0.92), 0.12, 0.002),
                _level(cll.JaroWinklerLevel("organization_name", 0.8), 0.05, 0.05),
                _level(cll.ElseLevel(), 0.03, 0.9475),
            ],
        ),
        _person_name(term_frequencies),
        _birth_date(),
        # Fixed, not trained: nationality follows the culture a name comes from, so among
        # people who share a name it agrees far more often than among random pairs (the u
        # that sampling would measure), and agreeing says little the name has not said.
        cl.CustomComparison(
            output_column_name="country",
            comparison_levels=[
                cll.NullLevel("country"),
                _fixed(cll.ExactMatchLevel("country"), 0.95, 0.3),
                _fixed(cll.ElseLevel(), 0.05, 0.7),
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

# EM runs once per rule and estimates the comparisons the rule leaves free: names from
# pairs born on the same day, dates of birth from pairs whose names sound alike. Where
# names are common most of the latter are different people; EM tells them apart only
# because country is fixed (left free, agreeing nationality became EM's "match" signal
# and it learnt that one person's dates of birth usually disagree).
TRAINING_RULES = (
    block_on("kind", "birth_date"),
    block_on("kind", "first_metaphone", "last_metaphone"),
)


# Untrained runs assume a pair of records is the same person 1 time in 10,000: a
# conservative prior that leaves only pairs with strong agreement merged.
MATCH_PRIOR = 1e-4


def settings(link_type: str = "dedupe_only", match_prior: float = MATCH_PRIOR,
             term_frequencies: bool = False) -> SettingsCreator:
    """Splink settings for the person / organisation records of `engine/sql/resolve_features.sql`.

    ``term_frequencies`` weighs an exact name part by how rare it is in the data, so
    "Mohammed" agreeing counts for less than "Oksana"; it needs enough records for the
    frequencies to mean something.
    """
    return SettingsCreator(
        link_type=link_type,
        unique_id_column_name="unique_id",
        probability_two_random_records_match=match_prior,
        comparisons=_comparisons(term_frequencies),
        blocking_rules_to_generate_predictions=list(BLOCKING_RULES),
        max_iterations=12,
        em_convergence=0.001,
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )
