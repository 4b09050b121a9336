"""Which FtM properties feed matching, derived once from followthemoney's model.

Screening, resolution and the queries built from records take their property sets from
here rather than naming properties themselves. A property counts by its type (name,
identifier, phone, email, country, gender) on a schema that can be matched (a legal
entity, vessel or airplane), and FtM's `matchable` flag separates the names that
identify (name, alias, previousName) from the weak ones that do not on their own
(weakAlias, abbreviation). The name parts (firstName, lastName, fatherName, …) are
FtM's own `PART_TAG_PROPS`. Birth dates are the one feature a type cannot tell apart
from other dates, so they are named.

    from nexus.model.matching import FEATURE_PROPS, NAMES, WEAK_NAMES
    FEATURE_PROPS["document"]    # every matchable identifier: passportNumber, idNumber, taxNumber, imoNumber, …
"""

from followthemoney import model
from followthemoney.names import PART_TAG_PROPS
from followthemoney.property import Property
from followthemoney.types import registry
from followthemoney.types.common import PropertyType
from rigour.names import NamePartTag

_EXTRA_SCHEMATA = ("Vessel", "Airplane")

#: Schemata whose entities are matched by name: every legal entity, and vessels and airplanes.
MATCHED_SCHEMATA = frozenset(
    name for name, schema in model.schemata.items() if schema.is_a("LegalEntity") or name in _EXTRA_SCHEMATA
)
#: Identity documents FtM keeps as entities of their own (Passport, Identification): their
#: `DOCUMENT_NUMBERS` count as the numbers of the entity in `DOCUMENT_HOLDER`.
DOCUMENT_SCHEMATA = frozenset(name for name, schema in model.schemata.items() if schema.is_a("Identification"))
DOCUMENT_HOLDER = "holder"


def _properties(schemata: frozenset[str]) -> list[Property]:
    return [prop for name in sorted(schemata) for prop in model.get(name).properties.values()]


def _of_type(prop_type: PropertyType, matchable: bool | None = True, schemata: frozenset[str] = MATCHED_SCHEMATA) -> frozenset[str]:
    """Names of the properties of that type on the schemata (`matchable` None: whatever FtM's flag says)."""
    return frozenset(p.name for p in _properties(schemata) if p.type is prop_type and matchable in (None, p.matchable))


NAMES = _of_type(registry.name)
WEAK_NAMES = _of_type(registry.name, matchable=False)
#: Properties holding one part of a name, with the part tags FtM gives them.
NAME_PARTS: dict[str, tuple[NamePartTag, ...]] = {prop: tags for prop, tags in PART_TAG_PROPS if prop not in NAMES | WEAK_NAMES}
BIRTH_DATES = frozenset({"birthDate"})
NATIONALITIES = _of_type(registry.country)
GENDERS = _of_type(registry.gender, matchable=None)
IDENTIFIERS = _of_type(registry.identifier)
DOCUMENT_NUMBERS = _of_type(registry.identifier, schemata=DOCUMENT_SCHEMATA)
PHONES = _of_type(registry.phone)
EMAILS = _of_type(registry.email)

#: The properties feeding each matching feature; the keys are the feature names of hit
#: explanations and the fields of a screening query.
FEATURE_PROPS: dict[str, frozenset[str]] = {
    "name": NAMES,
    "weak_name": WEAK_NAMES,
    "birth_date": BIRTH_DATES,
    "nationality": NATIONALITIES,
    "gender": GENDERS,
    "document": IDENTIFIERS,
    "phone": PHONES,
    "email": EMAILS,
}


def is_matched(schema: str) -> bool:
    return schema in MATCHED_SCHEMATA
