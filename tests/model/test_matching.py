"""The properties that feed matching come from FtM's model, and screening uses exactly those."""

from followthemoney import model
from followthemoney.types import registry

from nexus.model.matching import (
    DOCUMENT_NUMBERS,
    EMAILS,
    FEATURE_PROPS,
    IDENTIFIERS,
    MATCHED_SCHEMATA,
    NAME_PARTS,
    NAMES,
    NATIONALITIES,
    PHONES,
    WEAK_NAMES,
)
from nexus.screen import Query, ScreenIndex, screen_one

TYPES = {"name": registry.name, "weak_name": registry.name, "birth_date": registry.date, "nationality": registry.country,
         "gender": registry.gender, "document": registry.identifier, "phone": registry.phone, "email": registry.email}


def test_sets_follow_property_types_and_ftm_matchable_flag():
    assert NAMES == {"name", "alias", "previousName"}
    assert WEAK_NAMES == {"weakAlias", "abbreviation"}
    assert {"passportNumber", "idNumber", "taxNumber", "registrationNumber", "imoNumber", "innCode"} <= IDENTIFIERS
    assert "okpoCode" not in IDENTIFIERS  # FtM: not matchable
    assert {"nationality", "citizenship", "jurisdiction", "country"} <= NATIONALITIES
    assert (PHONES, EMAILS) == ({"phone"}, {"email"})
    assert "number" in DOCUMENT_NUMBERS
    assert {"firstName", "lastName", "fatherName"} <= NAME_PARTS.keys() and not NAME_PARTS.keys() & (NAMES | WEAK_NAMES)
    props = {(p.name, p.type) for schema in MATCHED_SCHEMATA for p in model.get(schema).properties.values()}
    for feature, names in FEATURE_PROPS.items():
        assert names and all((name, TYPES[feature]) in props for name in names), feature


def test_screening_takes_documents_and_nationalities_from_the_derived_sets():
    vessel = model.make_entity("Vessel")
    vessel.id = "ship"
    vessel.add("name", "Ocean Glory")
    vessel.add("imoNumber", "IMO 9074729")
    company = model.make_entity("Company")
    company.id = "firm"
    company.add("name", "Glory Trading")
    company.add("registrationNumber", "HRB 1234")
    company.add("jurisdiction", "de")
    index = ScreenIndex()
    index.add_entities("list", [vessel, company])
    (ship,) = screen_one(index, Query("Ocean Glorie", document="imo9074729"))
    assert ship.entity_id == "ship" and [f.feature for f in ship.features] == ["name", "document"]
    (firm,) = screen_one(index, Query("Glory Trading", document="HRB-1234", nationality="Germany"))
    assert [(f.feature, f.outcome) for f in firm.features] == [("name", "parts"), ("document", "equal"), ("nationality", "agrees")]
