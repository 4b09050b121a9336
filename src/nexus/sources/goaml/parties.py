"""goAML persons, entities and accounts as FtM entities: which element fills which property.

The tables are the mapping; the functions only walk them. Every entity's id hashes the
report's key and the element's path in the report, so re-reading a report yields the same
ids and the same person in two reports stays two records for resolution to join.
"""

from collections.abc import Callable

from followthemoney import EntityProxy, model
from followthemoney.util import make_entity_id
from lxml import etree

#: t_person child → Person property.
PERSON_PROPS = {
    "title": "title", "first_name": "firstName", "middle_name": "middleName", "last_name": "lastName",
    "birthdate": "birthDate", "birth_place": "birthPlace", "country_of_birth": "birthCountry",
    "mothers_name": "motherName", "alias": "alias", "full_name_frn": "alias", "ssn": "idNumber",
    "passport_number": "passportNumber", "id_number": "idNumber", "nationality1": "nationality",
    "nationality2": "nationality", "nationality3": "nationality", "residence": "country",
    "occupation": "position", "tax_number": "taxNumber", "date_deceased": "deathDate",
    "source_of_wealth": "notes", "comments": "notes",
}
#: t_entity child → Company property.
ENTITY_PROPS = {
    "name": "name", "commercial_name": "alias", "incorporation_legal_form": "legalForm",
    "incorporation_number": "registrationNumber", "business": "sector", "url": "website",
    "incorporation_country_code": "jurisdiction", "incorporation_date": "incorporationDate",
    "date_business_closed": "dissolutionDate", "tax_number": "taxNumber", "comments": "notes",
}
#: t_account child → BankAccount property.
ACCOUNT_PROPS = {
    "institution_name": "bankName", "swift": "bic", "institution_country": "country", "account": "accountNumber",
    "currency_code": "currency", "iban": "iban", "personal_account_type": "accountType", "account_type": "accountType",
    "opened": "openingDate", "closed": "closingDate", "balance": "balance", "account_name": "name",
    "comments": "notes",
}
GENDERS = {"M": "male", "F": "female"}
#: Property types whose goAML value is a date-time of which FtM keeps the day.
DATE_PROPS = frozenset({"birthDate", "deathDate", "incorporationDate", "dissolutionDate", "openingDate",
                        "closingDate", "startDate", "endDate", "date"})


class Entities:
    """The FtM entities read from one report, with ids derived from the report's key."""

    def __init__(self, key: str) -> None:
        self.key = key
        self.made: list[EntityProxy] = []

    def make(self, schema: str, path: str) -> EntityProxy:
        proxy = model.make_entity(schema)
        proxy.id = make_entity_id("goaml", self.key, path)
        self.made.append(proxy)
        return proxy


def text(element: etree._Element | None, tag: str) -> str | None:
    found = element.find(tag) if element is not None else None
    value = (found.text or "").strip() if found is not None else ""
    return value or None


def fill(proxy: EntityProxy, element: etree._Element, props: dict[str, str]) -> None:
    for child in element:
        prop = props.get(child.tag)
        value = (child.text or "").strip()
        if prop and value:
            proxy.add(prop, value[:10] if prop in DATE_PROPS else value, quiet=True)


def contacts(proxy: EntityProxy, element: etree._Element) -> None:
    """The element's own phones, addresses and e-mails (kept singly or in a list; not those of people inside it)."""
    for phone in _own(element, "phone", "phones"):
        number = text(phone, "tph_number")
        if number:
            prefix = text(phone, "tph_country_prefix")
            proxy.add("phone", f"+{prefix.lstrip('+')} {number}" if prefix and not number.startswith("+") else number,
                      quiet=True)
    for address in _own(element, "address", "addresses"):
        if len(address):  # t_address, not the free-text <address> inside one
            parts = [text(address, t) for t in ("address", "house_number", "apartment_number", "town", "city",
                                                 "zip", "state")]
            proxy.add("address", ", ".join(p for p in parts if p), quiet=True)
            proxy.add("country", text(address, "country_code"), quiet=True)
    for email in _own(element, "email", "emails"):
        proxy.add("email", (email.text or "").strip() or None, quiet=True)


def _own(element: etree._Element, tag: str, group: str) -> list[etree._Element]:
    return element.findall(tag) + element.findall(f"{group}/{tag}")


def person(entities: Entities, element: etree._Element, path: str) -> EntityProxy:
    proxy = entities.make("Person", path)
    fill(proxy, element, PERSON_PROPS)
    names = [text(element, t) for t in ("first_name", "middle_name", "last_name")]
    proxy.add("name", " ".join(n for n in names if n) or None)
    proxy.add("gender", GENDERS.get(text(element, "gender") or ""), quiet=True)
    contacts(proxy, element)
    for number, identification in enumerate(_own(element, "identification", "identifications"), start=1):
        document = entities.make("Identification", f"{path}/identification[{number}]")
        document.add("holder", proxy.id)
        document.add("number", text(identification, "number"))
        document.add("type", text(identification, "type"))
        document.add("country", text(identification, "issue_country"), quiet=True)
        document.add("authority", text(identification, "issued_by"))
        document.add("startDate", (text(identification, "issue_date") or "")[:10] or None, quiet=True)
        document.add("endDate", (text(identification, "expiry_date") or "")[:10] or None, quiet=True)
    return proxy


def legal_entity(entities: Entities, element: etree._Element, path: str) -> EntityProxy:
    proxy = entities.make("Company", path)
    fill(proxy, element, ENTITY_PROPS)
    contacts(proxy, element)
    for number, director in enumerate(element.findall("director_id"), start=1):
        officer = person(entities, director, f"{path}/director_id[{number}]")
        tie = entities.make("Directorship", f"{path}/director_id[{number}]/role")
        tie.add("director", officer.id)
        tie.add("organization", proxy.id)
        tie.add("role", text(director, "role"))
    return proxy


def account(entities: Entities, element: etree._Element, path: str) -> EntityProxy:
    proxy = entities.make("BankAccount", path)
    fill(proxy, element, ACCOUNT_PROPS)
    holder = element.find("t_entity")
    if holder is not None:
        _owns(entities, legal_entity(entities, holder, f"{path}/t_entity"), proxy, f"{path}/t_entity", "account holder")
    for number, signatory in enumerate(element.findall("signatory"), start=1):
        found = signatory.find("t_person")
        if found is not None:
            signer = person(entities, found, f"{path}/signatory[{number}]")
            _owns(entities, signer, proxy, f"{path}/signatory[{number}]", text(signatory, "role") or "signatory")
    return proxy


def _owns(entities: Entities, owner: EntityProxy, asset: EntityProxy, path: str, role: str) -> None:
    tie = entities.make("Ownership", f"{path}/ownership")
    tie.add("owner", owner.id)
    tie.add("asset", asset.id)
    tie.add("role", role)


#: The element names of a party, by what it is: person, entity or account (goAML's own or its client's).
PARTY_READERS: dict[str, Callable[[Entities, etree._Element, str], EntityProxy]] = {
    "person": person, "person_my_client": person, "entity": legal_entity, "entity_my_client": legal_entity,
    "account": account, "account_my_client": account,
}


def holder_of(entities: Entities, account_entity: EntityProxy) -> str | None:
    """The owner an account's holder Ownership names, if the report gave one."""
    for made in entities.made:
        if made.schema.name == "Ownership" and account_entity.id in made.get("asset"):
            return made.first("owner")
    return None
