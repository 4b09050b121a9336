"""UN Security Council Consolidated List XML, as FollowTheMoney entities.

Each INDIVIDUAL or ENTITY element is one record: the listed Person or Organization
(id ``unsc-<DATAID>``), its Sanction, its Passport/Identification documents and the
Address entities it lives at. Child ids are hashes of the parent id and their content, so
a re-ingest yields the same ids; an Address id hashes only the address itself, so two
listings at one address share one Address entity (a link the graph can use).

Mapping worth knowing:
- FIRST..FOURTH_NAME keep the list's order (firstName, secondName, middleName); the UN
  fills them in the order names are written, not by Western given/family semantics.
- Alias QUALITY: Good and a.k.a. -> alias, Low -> weakAlias, f.k.a. -> previousName;
  an empty or unknown quality -> alias (never dropped). "A; B" and
  "<original script> (<latin>; <latin>)" in one ALIAS_NAME are split into names.
  Names an alias NOTE packs in ("(Abu Du’a; Abu Duaa’) prominently known by this nom de
  guerre", "original script: Абу Банат", "In Arabic: …", a bare "A; B; C") become
  weakAlias values: the list vouches for them less than for its alias fields.
- Dates of birth: DATE, YEAR and every year of FROM_YEAR..TO_YEAR become birthDate
  values in FtM prefix form; TYPE_OF_DATE adds nothing FtM can hold. A date given only
  as NOTE prose is read when it is a month ("August 1961"); the NOTE is always kept.
- COMMENTS1 ("other information": identifiers, family, whereabouts, sometimes the
  reason) goes to the subject's notes, not to Sanction.reason.
- Text the list gives where a country is expected but that names none ("Sudanese by
  birth") is kept in notes/description rather than dropped.
- VERSIONNUM and SORT_KEY* are list bookkeeping and are not carried.

Errors: a listing without a usable DATAID or name is a record error and yields no
entities. A bad value in one field (an unparseable date, an impossible year range) is
dropped and reported as the record's error *while its entities are still yielded*: a
typo in a date must not take a sanctioned person off the screening list. ``strict``
ingest still refuses the whole file for it.
"""

import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path

from followthemoney import EntityProxy, model
from followthemoney.types import registry
from followthemoney.util import make_entity_id
from lxml import etree

from nexus.sources.base import Record, RecordError
from nexus.sources.xml import iter_elements

AUTHORITY = "United Nations Security Council"
SUBJECT_SCHEMATA = {"INDIVIDUAL": "Person", "ENTITY": "Organization"}
NAME_PARTS = ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")
ALIAS_PROPS = {"Good": "alias", "a.k.a.": "alias", "Low": "weakAlias", "f.k.a.": "previousName"}
# The 1267/1989/2253 (ISIL & Al-Qaida) and 1988 (Taliban) regimes, by list name and by
# the prefix of their reference numbers (QDi.001, TAe.010), which outlives renamings.
TERROR_PROGRAMMES = frozenset({"Al-Qaida", "Taliban", "ISIL (Da'esh) & Al-Qaida"})
TERROR_REFERENCE_PREFIXES = ("QD", "TA")
PASSPORT_TYPE = re.compile(r"pass|pasap", re.IGNORECASE)  # Passport, passeport, pasaporte
MAX_BIRTH_YEAR_SPAN = 20
PROSE_MONTH_FORMATS = ("%B %Y", "%b. %Y", "%b %Y")

_ALIAS_SEPARATOR = re.compile(r"[;،](?![^(]*\))")  # a ';' or Arabic comma not inside parentheses
_PARENTHESISED = re.compile(
    r"^(?P<outer>[^()]+?)\s*\((?:original script:\s*)?(?P<inner>[^()]+)\)[\s,]*$", re.IGNORECASE
)


# What an alias NOTE says before the names it packs in.
_NOTE_NAMES_AFTER = re.compile(r"(?:original script|in arabic|transliterations?)\s*:\s*([^()]+)", re.IGNORECASE)
_NOTE_PARENTHESES = re.compile(r"\(([^()]*)\)")
# Words of the list's prose that are no part of a name ("previously listed as", "born in").
_NOTE_PROSE = frozenset({
    "born", "listed", "previously", "formerly", "passport", "address", "nationality", "known",
    "guerre", "sign", "initials", "issued", "expires", "mother", "father", "name", "in", "dob", "pob",
})


class UNSCFormat:
    name = "un-sc"
    is_list = True  # a sanctions list: sources in this format are screened against by default

    def read(self, path: Path, **options: object) -> Iterator[Record]:
        for element, position, location in iter_elements(path, SUBJECT_SCHEMATA):
            yield _Listing(str(path), element, location).record(position)


def split_alias(text: str | None) -> list[str]:
    """The names one ALIAS_NAME holds, original-script and Latin forms separately."""
    names: list[str] = []
    for part in _ALIAS_SEPARATOR.split(text or ""):
        part = part.strip(" ,")
        match = _PARENTHESISED.match(part)
        if match and _is_latin(match["outer"]) != _is_latin(match["inner"]):
            names.append(match["outer"].strip())
            names.extend(name.strip(" ,") for name in match["inner"].split(";"))
        else:
            names.append(part)
    return [name for name in dict.fromkeys(names) if name]


def names_in_note(note: str | None) -> list[str]:
    """The names an alias NOTE packs in: after "original script:" / "In Arabic:" /
    "transliterations:", a parenthesised "(A; B)", or a note that is a list "A; B; C"
    (or "A, B, C") outside any parentheses. A list counts only when every item looks
    like a name."""
    if not note:
        return []
    found: list[str] = []
    for match in _NOTE_NAMES_AFTER.finditer(note):
        found.extend(_name_list(match[1], minimum=1))
    for match in _NOTE_PARENTHESES.finditer(note):
        found.extend(_name_list(match[1]))
    outside = _NOTE_PARENTHESES.sub(" ", note)
    if ":" not in outside:
        found.extend(_name_list(outside) or _name_list(outside, separator=","))
    return list(dict.fromkeys(found))


def _name_list(text: str, minimum: int = 2, separator: str = ";") -> list[str]:
    items = [item.strip(" ,.") for item in text.split(separator)]
    items = [item for item in items if item]
    if len(items) < minimum or not all(_looks_like_name(item) for item in items):
        return []
    return items


def _looks_like_name(text: str) -> bool:
    words = text.split()
    if not 1 <= len(words) <= 8 or any(char.isdigit() or char in ":@/" for char in text):
        return False
    return not any(word.lower().strip(".,") in _NOTE_PROSE for word in words)


class _Listing:
    """One INDIVIDUAL or ENTITY element being turned into entities."""

    def __init__(self, path: str, node: etree._Element, location: str):
        self.path = path
        self.node = node
        self.tag = node.tag
        self.dataid = _text(node, "DATAID")
        self.reference = _text(node, "REFERENCE_NUMBER")
        keys = [f"{k}={v}" for k, v in (("DATAID", self.dataid), ("REFERENCE_NUMBER", self.reference)) if v]
        self.location = f"{location} ({', '.join(keys)})" if keys else location
        self.problems: list[tuple[str, str]] = []

    def record(self, position: int) -> Record:
        if self.dataid is None:
            return Record(position, error=self._error("DATAID", "missing DATAID, the listing's only stable id"))
        if not self.dataid.isdigit():
            return Record(position, error=self._error("DATAID", f"DATAID {self.dataid!r} is not a number"))
        subject = model.make_entity(SUBJECT_SCHEMATA[self.tag])
        subject.id = f"unsc-{self.dataid}"
        self._names(subject)
        if not subject.has("name"):
            return Record(position, error=self._error("FIRST_NAME", "the listing has no name"))
        updates = self._updates()
        self._profile(subject, updates)
        entities = [subject, self._sanction(subject, updates)]
        entities.extend(self._documents(subject))
        entities.extend(self._addresses(subject))
        error = None
        if self.problems:
            fields = ", ".join(dict.fromkeys(field for field, _ in self.problems))
            message = "; ".join(message for _, message in self.problems)
            error = self._error(fields, f"{message} (value skipped, the rest of the listing loaded)")
        return Record(position, entities, error)

    # -- the subject ------------------------------------------------------------------

    def _names(self, subject: EntityProxy) -> None:
        parts = [_text(self.node, tag) for tag in NAME_PARTS]
        subject.add("name", " ".join(part for part in parts if part) or None)
        subject.add("name", _texts(self.node, "NAME_ORIGINAL_SCRIPT"))
        if subject.schema.is_a("Person"):
            subject.add("firstName", parts[0])
            subject.add("secondName", parts[1])
            subject.add("middleName", parts[2:])
        birth_fields = subject.schema.is_a("Person")
        for alias in self.node.findall(f"{self.tag}_ALIAS"):
            names = split_alias(_text(alias, "ALIAS_NAME"))
            if not names:
                continue
            subject.add(ALIAS_PROPS.get(_text(alias, "QUALITY") or "", "alias"), names)
            note = _text(alias, "NOTE")
            known = set(subject.names)
            subject.add("weakAlias", [name for name in names_in_note(note) if name not in known])
            if birth_fields:
                subject.add("birthDate", self._date(f"{self.tag}_ALIAS/DATE_OF_BIRTH", _text(alias, "DATE_OF_BIRTH")))
                city, country = _text(alias, "CITY_OF_BIRTH"), _text(alias, "COUNTRY_OF_BIRTH")
                subject.add("birthPlace", _joined(city, country))
                _add_country(subject, "birthCountry", country)
            if note:
                subject.add("notes", f"Alias {names[0]}: {note}")

    def _profile(self, subject: EntityProxy, updates: list[str]) -> None:
        node = self.node
        subject.add("topics", "sanction")
        if self._is_terror_listing():
            subject.add("topics", "crime.terror")
        subject.add("notes", _text(node, "COMMENTS1"))
        subject.add("modifiedAt", updates)
        for nationality in _texts(node, "NATIONALITY/VALUE"):
            if not _add_country(subject, "nationality", nationality):
                subject.add("notes", f"Nationality: {nationality}")
        if not subject.schema.is_a("Person"):
            return
        subject.add("title", _texts(node, "TITLE/VALUE"))
        subject.add("position", _texts(node, "DESIGNATION/VALUE"))
        subject.add("gender", _texts(node, "GENDER"))
        for birth in node.findall("INDIVIDUAL_DATE_OF_BIRTH"):
            self._birth_date(subject, birth)
        for place in node.findall("INDIVIDUAL_PLACE_OF_BIRTH"):
            city, region, country = (_text(place, tag) for tag in ("CITY", "STATE_PROVINCE", "COUNTRY"))
            subject.add("birthPlace", _joined(city, region, country))
            _add_country(subject, "birthCountry", country)
            note = _text(place, "NOTE")
            if note:
                subject.add("notes", f"Place of birth: {note}")

    def _birth_date(self, subject: EntityProxy, birth: etree._Element) -> None:
        field = "INDIVIDUAL_DATE_OF_BIRTH"
        dates = [self._date(f"{field}/{tag}", _text(birth, tag)) for tag in ("DATE", "YEAR")]
        values = [date for date in dates if date]
        first, last = _text(birth, "FROM_YEAR"), _text(birth, "TO_YEAR")
        years = self._year_range(first, last) if first or last else []
        note = _text(birth, "NOTE")
        if note and not (values or years or first or last):
            # Some dates exist only as prose in NOTE ("August 1961", "Nov. 1973").
            values = [date for date in (_month_in_prose(note),) if date]
        subject.add("birthDate", values + years)
        if note:
            when = ", ".join(values + ([f"between {first} and {last}"] if years else []))
            subject.add("notes", f"Date of birth {when}: {note}" if when else f"Date of birth: {note}")

    def _year_range(self, first: str | None, last: str | None) -> list[str]:
        field = "INDIVIDUAL_DATE_OF_BIRTH/FROM_YEAR"
        if not (first and last and _is_year(first) and _is_year(last)):
            self.problems.append((field, f"unreadable birth year range {first!r} to {last!r}"))
            return []
        span = int(last) - int(first)
        if not 0 <= span <= MAX_BIRTH_YEAR_SPAN:
            self.problems.append(
                (field, f"birth year range {first} to {last} is not 0 to {MAX_BIRTH_YEAR_SPAN} years long")
            )
            return []
        return [str(year) for year in range(int(first), int(last) + 1)]

    def _is_terror_listing(self) -> bool:
        programme = _text(self.node, "UN_LIST_TYPE")
        return programme in TERROR_PROGRAMMES or (self.reference or "").startswith(TERROR_REFERENCE_PREFIXES)

    def _updates(self) -> list[str]:
        updates = [self._date("LAST_DAY_UPDATED/VALUE", value) for value in _texts(self.node, "LAST_DAY_UPDATED/VALUE")]
        return [date for date in updates if date]

    # -- derived entities ---------------------------------------------------------------

    def _sanction(self, subject: EntityProxy, updates: list[str]) -> EntityProxy:
        node = self.node
        programme = _text(node, "UN_LIST_TYPE")
        sanction = model.make_entity("Sanction")
        sanction.id = _derived_id(subject.id, "sanction", self.reference, programme)
        sanction.add("entity", subject.id)
        sanction.add("authority", AUTHORITY)
        sanction.add("program", programme)
        sanction.add("unscId", self.reference)
        sanction.add("listingDate", self._date("LISTED_ON", _text(node, "LISTED_ON")))
        sanction.add("modifiedAt", updates)
        sanction.add("status", _texts(node, "LIST_TYPE/VALUE"))
        sanction.add("summary", [f"Submitted by {country}" for country in _texts(node, "SUBMITTED_BY")])
        submitted_on = self._date("SUBMITTED_ON", _text(node, "SUBMITTED_ON"))
        if submitted_on:
            sanction.add("summary", f"Submitted on {submitted_on}")
        return sanction

    def _documents(self, subject: EntityProxy) -> Iterator[EntityProxy]:
        for document in self.node.findall("INDIVIDUAL_DOCUMENT"):
            kinds = list(dict.fromkeys(_texts(document, "TYPE_OF_DOCUMENT") + _texts(document, "TYPE_OF_DOCUMENT2")))
            number, note = _text(document, "NUMBER"), _text(document, "NOTE")
            countries = _texts(document, "ISSUING_COUNTRY") + _texts(document, "COUNTRY_OF_ISSUE")
            issued = self._date("INDIVIDUAL_DOCUMENT/DATE_OF_ISSUE", _text(document, "DATE_OF_ISSUE"))
            if number is None:
                # Identification needs a number; a numberless entry is prose ("Tunisian
                # passport number L 191609 issued on ..."), kept as a note on the holder.
                described = _joined(*kinds, note, *countries, issued and f"issued {issued}")
                if described:
                    subject.add("notes", f"Document: {described}")
                continue
            passport = any(PASSPORT_TYPE.search(kind) for kind in kinds)
            entity = model.make_entity("Passport" if passport else "Identification")
            entity.id = _derived_id(subject.id, entity.schema.name, number, *countries, *kinds)
            entity.add("holder", subject.id)
            entity.add("number", number)
            entity.add("type", kinds)
            entity.add("startDate", issued)
            entity.add("authority", _text(document, "CITY_OF_ISSUE"))
            entity.add("description", note)
            for country in countries:
                if not _add_country(entity, "country", country):
                    entity.add("description", f"Country of issue: {country}")
            subject.add("passportNumber" if passport else "idNumber", number)
            yield entity

    def _addresses(self, subject: EntityProxy) -> Iterator[EntityProxy]:
        for address in self.node.findall(f"{self.tag}_ADDRESS"):
            street, city, region, postcode, country, note = (
                _text(address, tag) for tag in ("STREET", "CITY", "STATE_PROVINCE", "ZIP_CODE", "COUNTRY", "NOTE")
            )
            located = _add_country(subject, "country", country)
            if not (street or city or region or postcode):
                # A bare country (or a remark such as "believed to be in Pakistan") is not a
                # place: as a shared Address it would link everyone in that country.
                if note or not located:
                    remark = _joined(note, country)
                    subject.add("notes", remark and f"Address: {remark}")
                continue
            full = _joined(street, city, region, postcode, country)
            entity = model.make_entity("Address")
            entity.id = _derived_id("address", full.casefold())
            entity.add("full", full)
            entity.add("street", street)
            entity.add("city", city)
            entity.add("region", region)
            entity.add("postalCode", postcode)
            _add_country(entity, "country", country)
            subject.add("address", full)
            subject.add("addressEntity", entity.id)
            if note:
                subject.add("notes", f"Address {full}: {note}")
            yield entity

    # -- problems ---------------------------------------------------------------------

    def _date(self, field: str, value: str | None) -> str | None:
        if value is None:
            return None
        cleaned = registry.date.clean(value)
        if cleaned is None:
            self.problems.append((field, f"unparseable date {value!r}"))
        return cleaned

    def _error(self, field: str, message: str) -> RecordError:
        return RecordError(self.path, self.location, field, message)


def _text(node: etree._Element, path: str) -> str | None:
    return _clean(node.findtext(path))


def _texts(node: etree._Element, path: str) -> list[str]:
    return [text for text in (_clean(child.text) for child in node.findall(path)) if text]


def _clean(text: str | None) -> str | None:
    """Whitespace collapsed (the list wraps long values over indented lines); None if empty."""
    collapsed = " ".join((text or "").split())
    return collapsed or None


def _joined(*parts: str | None) -> str:
    return ", ".join(dict.fromkeys(part for part in parts if part))


def _add_country(entity: EntityProxy, prop: str, value: str | None) -> bool:
    """Add a country (as its code); False when the text names no country FtM knows."""
    code = registry.country.clean(value) if value else None
    if code is not None:
        entity.add(prop, code, cleaned=True)
    return code is not None


def _derived_id(*parts: str | None) -> str:
    return f"unsc-{make_entity_id(*(part or '' for part in parts))}"


def _month_in_prose(text: str) -> str | None:
    for form in PROSE_MONTH_FORMATS:
        month = registry.date.clean(text, format=form)
        if month is not None:
            return month
    return None


def _is_year(text: str) -> bool:
    return len(text) == 4 and text.isdigit()


def _is_latin(text: str) -> bool:
    return all(unicodedata.name(char, "").startswith("LATIN") for char in text if char.isalpha())
