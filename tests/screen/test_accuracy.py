"""Classes of real-world name variation that must still find the UN listing, and common names that must not.

Every query goes through the production path (`ScreenIndex`, `screen_one`) at the default
threshold. Cross-script queries are screened, with no schema, against the list with every
non-Latin name removed, so only transliteration can find them.
"""

import random

import pytest
from followthemoney.types import registry
from rigour.text.scripts import is_latin

from nexus.names.config import SCORING
from nexus.screen import SCREEN_THRESHOLD, Query, ScreenIndex, screen_one
from nexus.sources.un_sc import UNSCFormat
from nexus.synth.names import CULTURES


@pytest.fixture(scope="module")
def un_entities(shared_data):
    path = shared_data / "sanctions" / "un_consolidated_2017.xml"
    return [e for r in UNSCFormat().read(path) for e in r.entities if e.schema.name in ("Person", "Organization")]


@pytest.fixture(scope="module")
def un_index(un_entities):
    index = ScreenIndex()
    index.add_entities("un-sc", un_entities)
    return index


@pytest.fixture(scope="module")
def latin_index(un_entities):
    stripped = []
    for entity in un_entities:
        entity = entity.clone()
        for prop in entity.schema.properties.values():
            if prop.type == registry.name:
                entity.set(prop.name, [v for v in entity.get(prop) if is_latin(v)])
        stripped.append(entity)
    index = ScreenIndex()
    index.add_entities("un-sc", stripped)
    return index


def listed(entities, name: str):
    return next(e for e in entities if name in e.get("name"))


def assert_found(index, entities, query: Query, listed_name: str) -> None:
    hits = screen_one(index, query)
    want = listed(entities, listed_name).id
    assert hits and hits[0].entity_id == want and hits[0].score >= SCREEN_THRESHOLD, (query.name, [(h.caption, h.score) for h in hits])


@pytest.mark.parametrize(("query", "listed_name"), [
    ("MANAN ABDUL SATAR ABDUL", "ABDUL SATAR ABDUL MANAN"),
    ("SAYED ALY SOLIMAN MASSOUD ABDUL", "ALY SOLIMAN MASSOUD ABDUL SAYED"),
    ("AL-GHAFUR SUNDUS ABD", "Sundus Abd Al-Ghafur"),
    ("KHALIQ AL-HOUTHI ABD AL", "ABD AL-KHALIQ AL-HOUTHI"),
])
def test_rotated_names_with_the_compound_head_at_the_other_end(un_index, un_entities, query, listed_name):
    assert_found(un_index, un_entities, Query(query, schema="Person"), listed_name)


@pytest.mark.parametrize(("query", "listed_name", "with_birth_date"), [
    ("SHAMS ABDUL ZAHIR", "SHAMS UR-RAHMAN ABDUL ZAHIR", False),
    ("ABU OMAR DORDA", "ABU ZAYD UMAR DORDA", True),
    ("IMED BEN ZARKAOUI", "IMED BEN MEKKI ZARKAOUI", False),
])
def test_a_dropped_middle_name(un_index, un_entities, query, listed_name, with_birth_date):
    birth_date = listed(un_entities, listed_name).first("birthDate") if with_birth_date else None
    assert_found(un_index, un_entities, Query(query, schema="Person", birth_date=birth_date), listed_name)


@pytest.mark.parametrize(("query", "listed_name"), [
    ("احمد طه خالد عبد القادر", "AHMAD TAHA KHALID ABDUL QADIR"),  # plain: letter for letter
    ("نظر محمدعبد البصیر", "NAZIR MOHAMMAD ABDUL BASIR"),  # عبد glued to the word before, Persian ی
    ("سعيد بن عبد الحكيم بن عمر الشريف", "SAID BEN ABDELHAKIM BEN OMAR AL-CHERIF"),  # بن patronymics
    ("الدكتور أيمن محمد ربيع الظواهري", "AIMAN MUHAMMED RABI AL-ZAWAHIRI"),  # an honorific
    ("رودي سليــوة", "ROODI SLEWA"),  # tatweel
])
def test_arabic_and_persian_script_finds_the_latin_listing(latin_index, un_entities, query, listed_name):
    assert_found(latin_index, un_entities, Query(query), listed_name)


def test_common_names_never_listed_are_not_flagged(un_index, un_entities):
    """Given and family names of every culture of the synthetic world, drawn at random; a name the list carries is left out."""
    listed_names = {_fold(n) for e in un_entities for n in e.get_type_values(registry.name)}
    rng = random.Random(5)
    given = [p for c in CULTURES for p in c.male + c.female]
    family = [p for c in CULTURES for p in c.family]
    names = {f"{_latin(rng.choice(given))} {_latin(rng.choice(family))}" for _ in range(400)}
    names = sorted(n for n in names if _fold(n) not in listed_names)
    flagged = [n for n in names if screen_one(un_index, Query(n, schema="Person"))]
    # No birth date to contradict a namesake: the bench's set (half with one) is held to 1 %; the most
    # common Arab names here do share given and family name with listed people (1.3 % before this round).
    assert len(flagged) <= 0.02 * len(names), flagged


def _latin(part: str) -> str:
    return part.split("=")[0].split("|")[0]


def _fold(name: str) -> str:
    return " ".join(sorted(name.casefold().replace("-", " ").split()))


def test_a_name_the_list_would_carry_by_chance_weighs_less(un_index, un_entities):
    """Omar and Hassan are each on dozens of listed names: the list is expected to carry "Omar Hassan" by chance."""
    hits = screen_one(un_index, Query("Omar Hassan", schema="Person"), threshold=0.0)
    top = next(h for h in hits if h.caption == "HASSAN MAHAT OMAR")
    name = top.features[0]
    assert name.common and name.weight == pytest.approx(SCORING.name_ceiling * SCORING.common_name_factor)
    assert "a common name" in top.explanation and top.score == pytest.approx(name.score * name.weight, abs=1e-3)
    # Two common names inside a longer listed name, nothing else known: no longer a hit.
    assert not any(h.caption == "NASSER AHMED MUTHANA" for h in screen_one(un_index, Query("Ahmed Nasser", schema="Person")))
    # The listed birth date corroborates it.
    birth_date = listed(un_entities, "HASSAN MAHAT OMAR").first("birthDate")
    assert_found(un_index, un_entities, Query("Omar Hassan", schema="Person", birth_date=birth_date), "HASSAN MAHAT OMAR")
    # A name with a rare part is not common, however common its other part.
    rare = screen_one(un_index, Query("MAGOMED ABDURAKHMANOV", schema="Person"), threshold=0.0)[0]
    assert not rare.features[0].common


def test_how_common_a_name_is_is_not_told_from_a_short_list(un_entities):
    index = ScreenIndex()
    index.add_entities("short", [listed(un_entities, "HASSAN MAHAT OMAR"), listed(un_entities, "OMAR MAHMOUD UTHMAN")])
    assert len(index) < SCORING.common_name_min_entities
    hit = screen_one(index, Query("Omar Hassan", schema="Person"), threshold=0.0)[0]
    assert not hit.features[0].common and hit.features[0].weight == pytest.approx(SCORING.name_ceiling)
