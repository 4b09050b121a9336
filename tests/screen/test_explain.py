"""Hit explanations as data: features with score, weight and what was compared; the text is rendered from them."""

import pandas as pd
import pytest
from followthemoney import model

from nexus.screen import SCREEN_THRESHOLD, Query, ScreenIndex, features_from_json, render, screen_batch, screen_one
from nexus.screen.evidence import SCORING


@pytest.fixture(scope="module")
def index() -> ScreenIndex:
    person = model.make_entity("Person")
    person.id = "zawahiri"
    person.add("name", "Ayman al-Zawahiri")
    person.add("alias", "Aiman Muhammad Rabi al-Zawahiri")
    person.add("birthDate", "1951-06-19")
    person.add("nationality", "eg")
    person.add("gender", "male")
    person.add("passportNumber", "1084010")
    index = ScreenIndex()
    index.add_entities("list", [person])
    return index


def test_every_feature_has_score_weight_and_the_values_compared(index):
    (hit,) = screen_one(index, Query("Ayman Zawahri", birth_date="1951", nationality="Egypt", gender="female", document="1084 010"))
    name, *facts = hit.features
    assert (name.feature, name.query, name.listed, name.listed_prop) == ("name", "Ayman Zawahri", "Ayman al-Zawahiri", "name")
    assert name.score == hit.name_score and name.weight == SCORING.name_ceiling
    ayman, zawahri = name.parts
    assert (ayman.query, ayman.result, ayman.how, ayman.similarity) == ("ayman", "ayman", "exact", 1.0)
    assert (zawahri.query, zawahri.result) == ("zawahri", "zawahiri") and zawahri.how in {"phonetic", "fuzzy"}
    assert [(f.feature, f.outcome, f.query, f.listed, f.weight) for f in facts] == [
        ("birth_date", "compatible", "1951-01-01..1951-12-31", "1951-06-19", SCORING.dob_compatible),
        ("document", "equal", "1084010", "1084010", SCORING.document_equal),
        ("nationality", "agrees", "eg", "eg", SCORING.country_agrees),
        ("gender", "contradicts", "female", "male", SCORING.gender_contradicts),
    ]
    assert hit.score == pytest.approx(min(1.0, sum(f.contribution for f in hit.features)), abs=1e-4)


def test_the_text_is_rendered_from_the_features(index):
    (hit,) = screen_one(index, Query("Aiman Zawahiri", birth_date="1960", nationality="Jordan"), threshold=0.0)
    assert hit.reasons == tuple(render(f) for f in hit.features)
    assert hit.reasons[0].startswith("name ") and "'zawahiri' exact" in hit.reasons[0]
    assert hit.reasons[1:] == (
        f"birth date contradicts (1960-01-01..1960-12-31 vs 1951-06-19) {SCORING.dob_contradicts:+.2f}",
        f"nationality contradicts (jo vs eg) {SCORING.country_contradicts:+.2f}",
    )


def test_the_hit_table_stores_the_features_as_json(index):
    frame = pd.DataFrame({"id": ["q1"], "name": ["Ayman al-Zawahiri"], "birth_date": ["1951-06-19"]})
    (row,) = screen_batch(index, frame).to_pylist()
    features = features_from_json(row["features"])
    assert features == screen_one(index, Query("Ayman al-Zawahiri", birth_date="1951-06-19", id="q1"))[0].features
    assert row["explanation"] == "; ".join(render(f) for f in features)


def test_a_name_across_scripts_counts_less_where_the_list_writes_one_in_the_querys_script():
    arabic = "عزت ابراهيم الدوري"
    index = ScreenIndex()
    index.add_entities("list", [
        model.get_proxy({"id": "both", "schema": "Person", "properties": {"name": ["IZZAT IBRAHIM AL-DURI"], "alias": [arabic]}}),
        model.get_proxy({"id": "arabic-only", "schema": "Person", "properties": {"name": [arabic]}}),
    ])
    hits = {h.entity_id: h for h in screen_one(index, Query("Izzat Ibrahim al-Duri"), threshold=0.0)}
    # The Latin name of `both` is the witness; the Arabic-only entity is found across scripts at full weight.
    assert hits["both"].features[0].listed == "IZZAT IBRAHIM AL-DURI" and not hits["both"].features[0].transliterated
    name = hits["arabic-only"].features[0]
    assert not name.transliterated and name.weight == pytest.approx(SCORING.name_ceiling)
    # A Latin query that only the Arabic alias matches is weighed down, and says why; with no Latin
    # name to witness, the same Arabic name is weighed in full.
    hits = {h.entity_id: h for h in screen_one(index, Query("Aïssatou Touré"), threshold=0.0)}
    name = hits["both"].features[0]
    assert name.transliterated and name.weight == pytest.approx(SCORING.name_ceiling * SCORING.transliterated_factor)
    assert "the list also writes this name in the query's script" in hits["both"].explanation
    assert hits["both"].score < SCREEN_THRESHOLD and hits["both"].score < hits["arabic-only"].score
    assert not hits["arabic-only"].features[0].transliterated
