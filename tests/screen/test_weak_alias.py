"""Weak aliases (the UN's "low quality" a.k.a., FtM weakAlias) are screened at reduced weight, and say so."""

import pandas as pd
import pytest
from followthemoney import model

from nexus.screen import SCREEN_THRESHOLD, Query, ScreenIndex, features_from_json, screen_batch, screen_one
from nexus.screen.evidence import SCORING


def listed_as(entities, reference: str) -> str:
    """The id of the entity the UN lists under a reference number (QDi.299)."""
    (entity_id,) = [s.first("entity") for s in entities if s.schema.name == "Sanction" and reference in s.get("unscId")]
    return entity_id


def test_a_weak_alias_alone_is_a_hit_that_says_it_rests_on_a_weak_alias(un_entities, un_index):
    baghdadi = listed_as(un_entities, "QDi.299")
    assert "Abu Bakr al-Baghdadi" in next(e for e in un_entities if e.id == baghdadi).get("weakAlias")
    (hit, *_) = screen_one(un_index, Query("Abu Bakr al-Baghdadi"))
    assert hit.entity_id == baghdadi and hit.score >= SCREEN_THRESHOLD
    name = hit.features[0]
    assert (name.feature, name.listed, name.listed_prop, name.weak_alias) == ("name", "Abu Bakr al-Baghdadi", "weakAlias", True)
    assert name.weight == pytest.approx(SCORING.name_ceiling * SCORING.weak_alias_factor)
    assert "weak alias" in hit.explanation and "corroborate with birth date, nationality, documents" in hit.explanation


def test_a_near_exact_weak_alias_is_a_hit_and_a_partial_one_is_not(un_entities, un_index):
    baghdadi = listed_as(un_entities, "QDi.299")
    (hit, *_) = screen_one(un_index, Query("Abu Baker al-Baghdadi"))
    assert hit.entity_id == baghdadi and hit.features[0].weak_alias
    assert baghdadi not in {h.entity_id for h in screen_one(un_index, Query("Abu Bakr"))}


def test_a_weak_alias_counts_less_than_a_name_and_corroboration_decides(un_entities, un_index):
    baghdadi = listed_as(un_entities, "QDi.299")
    weak = screen_one(un_index, Query("Abu Bakr al-Baghdadi"))[0]
    strong = screen_one(un_index, Query("Ibrahim Awwad Ibrahim Ali al-Badri al-Samarrai"))[0]
    assert strong.entity_id == baghdadi and not strong.features[0].weak_alias and strong.features[0].listed_prop in {"name", "alias"}
    assert weak.name_score == strong.name_score == 1.0 and weak.score < strong.score
    born = screen_one(un_index, Query("Abu Bakr al-Baghdadi", birth_date="1971", nationality="Iraq"))[0]
    assert born.entity_id == baghdadi and born.score > weak.score
    assert [f.feature for f in born.features] == ["name", "birth_date", "nationality"]
    assert baghdadi not in {h.entity_id for h in screen_one(un_index, Query("Abu Bakr al-Baghdadi", birth_date="1990"))}


def test_a_strong_name_of_the_entity_wins_over_its_weak_alias():
    person = model.make_entity("Person")
    person.id = "p"
    person.add("name", "Omar Farouk Hassan")
    person.add("weakAlias", ["Omar Farouk Hassan", "Abu Omar"])
    index = ScreenIndex()
    index.add_entities("list", [person])
    (hit,) = screen_one(index, Query("Omar Farouk Hassan"))
    assert (hit.features[0].listed_prop, hit.features[0].weak_alias) == ("name", False)
    assert "weak alias" not in hit.explanation
    assert hit.caption == "Omar Farouk Hassan"
    (weak,) = screen_one(index, Query("Abu Omar"))
    assert weak.features[0].weak_alias and weak.score < hit.score


def test_batch_hits_carry_the_weak_alias_flag_as_single_ones_do(un_index):
    names = {"q1": "Abu Bakr al-Baghdadi", "q2": "Abu Muath al-Juaitni"}
    table = screen_batch(un_index, pd.DataFrame({"id": list(names), "name": list(names.values())}), workers=1)
    for query_id, name in names.items():
        rows = [row for row in table.to_pylist() if row["query_id"] == query_id]
        single = screen_one(un_index, Query(name))
        assert [(r["entity_id"], r["score"], r["explanation"]) for r in rows] == [(h.entity_id, h.score, h.explanation) for h in single]
        assert [features_from_json(r["features"]) for r in rows] == [h.features for h in single]
        assert single[0].features[0].weak_alias


def test_a_hit_is_captioned_by_the_listed_name_not_an_alias_read_first():
    # Statements come back from a store in no set order: an alias read before the name must not caption the hit.
    person = model.make_entity("Person")
    person.id = "listed-1"
    person.add("alias", "Dhawahri Ayman")
    person.add("name", ["أيمن محمد ربيع الظواهري", "AIMAN MUHAMMED RABI AL-ZAWAHIRI"])
    index = ScreenIndex()
    index.add_entities("list", [person])
    (hit,) = screen_one(index, Query("Dhawahri Ayman", schema="Person"))
    assert hit.caption == "AIMAN MUHAMMED RABI AL-ZAWAHIRI"
