"""A word written twice in a query is matched once by a listed name that has it once (the n-th copy pairs with the
n-th), and a birth year alone does not carry a weak alias that is a common name: on the real UN list."""

from nexus.names import NameType, analyze_name, compare_names
from nexus.screen import screen_one
from nexus.screen.query import Query


def hits_on(index, name: str, entity_id: str, birth_date: str | None = None):
    return [h for h in screen_one(index, Query(id="q", name=name, birth_date=birth_date)) if h.entity_id == entity_id]


def test_a_word_written_twice_is_not_a_one_word_alias_matched_twice(un_index):
    # PIO ABOGNE DE VERA's weak alias "Leo": "Leo Leo" is one Leo matched and one left over
    assert not hits_on(un_index, "Leo Leo", "unsc-2813149")
    # JAMAL HOUSNI, a.k.a. Hicham, born 1983-02-22
    (once,) = hits_on(un_index, "Hicham", "unsc-2758185", "1983-02-22")
    (twice,) = hits_on(un_index, "Hicham Hicham", "unsc-2758185", "1983-02-22")
    assert twice.name_score < once.name_score == 1.0
    assert "'hicham' unmatched in query" in twice.reasons[0]


def score(a: str, b: str) -> float:
    return compare_names(analyze_name(a, NameType.PERSON), analyze_name(b, NameType.PERSON)).score


def test_copies_pair_in_order_on_both_sides():
    assert score("Hassan Hassan", "Hassan Hassan") == 1.0
    assert score("Hassan Hassan", "Hassan") < score("Hassan", "Hassan") == 1.0
    assert score("Hassan", "Hassan Hassan") < 1.0


def test_a_birth_year_alone_does_not_carry_a_common_weak_alias(un_index):
    # ALI SADDAM HUSSEIN AL-TIKRITI, weak alias "Hassan", born 1980 or 1983
    assert not hits_on(un_index, "Hassan", "unsc-6908108", "1980")
    assert not hits_on(un_index, "Hassan", "unsc-6908108", "1980-05-17")
    # an exact birth date still corroborates one: PIO ABOGNE DE VERA's "Leo", born 1969-12-19
    (hit,) = hits_on(un_index, "Leo", "unsc-2813149", "1969-12-19")
    assert "birth date exact" in hit.reasons[1] and "weak alias" in hit.reasons[0]
