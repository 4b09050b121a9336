"""The UN Security Council Consolidated List: every listing, every field, bad records."""

from collections import Counter
from pathlib import Path

import pytest
from followthemoney import EntityProxy
from followthemoney.types import registry
from lxml import etree
from sqlalchemy import func, select

from nexus.ingest import IngestFailed, ingest
from nexus.model import Labels
from nexus.sources import get_format
from nexus.sources.un_sc import MAX_BIRTH_YEAR_SPAN, UNSCFormat, names_in_note, split_alias
from nexus.store.schema import ingest_errors, statements


@pytest.fixture(scope="module")
def un_path(shared_data) -> Path:
    return shared_data / "sanctions" / "un_consolidated_2017.xml"


@pytest.fixture(scope="module")
def un_tree(un_path) -> etree._ElementTree:
    """The file parsed whole by lxml, for independent XPath counts."""
    return etree.parse(str(un_path))


@pytest.fixture(scope="module")
def records(un_path):
    return list(UNSCFormat().read(un_path))


@pytest.fixture(scope="module")
def entities(records) -> dict[str, EntityProxy]:
    return {entity.id: entity for record in records for entity in record.entities}


def of_schema(entities: dict[str, EntityProxy], schema: str) -> list[EntityProxy]:
    return [entity for entity in entities.values() if entity.schema.name == schema]


def subject(entities: dict[str, EntityProxy], dataid: str) -> EntityProxy:
    return entities[f"unsc-{dataid}"]


def text(node: etree._Element) -> str:
    return " ".join((node.text or "").split())


def test_every_listing_loads_as_one_record(records, un_tree):
    assert [r.position for r in records] == list(range(1021))
    assert [r.error for r in records if r.error] == []
    schemata = Counter(e.schema.name for r in records for e in r.entities)
    assert schemata["Person"] == len(un_tree.xpath("//INDIVIDUAL")) == 650
    assert schemata["Organization"] == len(un_tree.xpath("//ENTITY")) == 371
    assert schemata["Sanction"] == 1021
    for record in records:
        listed, sanction = record.entities[0], record.entities[1]
        assert sanction.get("entity") == [listed.id]
        assert "sanction" in listed.get("topics")


def test_subject_ids_are_the_dataids(entities, un_tree):
    dataids = {text(node) for node in un_tree.xpath("//DATAID")}
    subjects = of_schema(entities, "Person") + of_schema(entities, "Organization")
    assert {entity.id for entity in subjects} == {f"unsc-{dataid}" for dataid in dataids}


def test_reading_twice_gives_the_same_entities(un_path, records):
    again = list(UNSCFormat().read(un_path))
    assert [[e.to_dict() for e in r.entities] for r in again] == [[e.to_dict() for e in r.entities] for r in records]


@pytest.mark.parametrize(
    ("alias", "qualities", "prop"),
    [
        ("INDIVIDUAL_ALIAS", "QUALITY='Good'", "alias"),
        ("INDIVIDUAL_ALIAS", "QUALITY='Low'", "weakAlias"),
        ("ENTITY_ALIAS", "QUALITY='a.k.a.'", "alias"),
        ("ENTITY_ALIAS", "QUALITY='f.k.a.'", "previousName"),
        ("INDIVIDUAL_ALIAS", "normalize-space(QUALITY)=''", "alias"),
    ],
)
def test_alias_quality_decides_the_property(entities, un_tree, alias, qualities, prop):
    nodes = un_tree.xpath(f"//{alias}[{qualities} and normalize-space(ALIAS_NAME)!='']")
    assert nodes or qualities.startswith("normalize")
    for node in nodes:
        listed = subject(entities, text(node.getparent().find("DATAID")))
        names = {registry.name.clean(name) for name in split_alias(text(node.find("ALIAS_NAME")))}
        assert names <= set(listed.get(prop))


def test_alias_counts_by_quality(entities, un_tree):
    counts = Counter(text(q) for q in un_tree.xpath("//INDIVIDUAL_ALIAS[normalize-space(ALIAS_NAME)!='']/QUALITY"))
    assert counts == {"Good": 1423, "Low": 544}
    weak = "INDIVIDUAL_ALIAS[QUALITY='Low' and normalize-space(ALIAS_NAME)!='']"
    noted = "INDIVIDUAL_ALIAS[normalize-space(NOTE)!='']"
    with_weak = {text(n) for n in un_tree.xpath(f"//INDIVIDUAL[{weak}]/DATAID")}
    with_note_names = {text(n.getparent().find("DATAID")) for n in un_tree.xpath(f"//{noted}")
                       if names_in_note(text(n.find("NOTE")))}
    assert {person.id.removeprefix("unsc-") for person in of_schema(entities, "Person")
            if person.has("weakAlias")} == with_weak | with_note_names
    with_previous = un_tree.xpath("count(//ENTITY[ENTITY_ALIAS[QUALITY='f.k.a.']])")
    organizations = of_schema(entities, "Organization")
    assert sum(1 for org in organizations if org.has("previousName")) == with_previous == 9
    assert sum(len(org.get("previousName")) for org in organizations) == 14


def test_original_script_names_are_names(entities, un_tree):
    originals = un_tree.xpath("//NAME_ORIGINAL_SCRIPT[normalize-space()!='']")
    assert len(originals) == 400
    for node in originals:
        assert text(node) in subject(entities, text(node.getparent().find("DATAID"))).get("name")


def test_dates_of_birth_exact_approximate_and_ranges(entities, un_tree):
    approximate = un_tree.xpath("//INDIVIDUAL_DATE_OF_BIRTH[TYPE_OF_DATE='APPROXIMATELY']")
    ranges = un_tree.xpath("//INDIVIDUAL_DATE_OF_BIRTH[TYPE_OF_DATE='BETWEEN']")
    exact = un_tree.xpath("//INDIVIDUAL_DATE_OF_BIRTH[TYPE_OF_DATE='EXACT']")
    assert (len(approximate), len(ranges), len(exact)) == (121, 30, 631)
    for node in approximate + exact:
        person = subject(entities, text(node.getparent().find("DATAID")))
        given = node.findtext("DATE") or node.findtext("YEAR")
        if given is not None:
            assert given[:10] in person.get("birthDate")
    for node in ranges:
        person = subject(entities, text(node.getparent().find("DATAID")))
        first, last = int(node.findtext("FROM_YEAR")), int(node.findtext("TO_YEAR"))
        assert {str(year) for year in range(first, last + 1)} <= set(person.get("birthDate"))


def test_dates_of_birth_given_only_as_prose(entities):
    assert {"1961-08", "1961-07", "1963-04"} <= set(subject(entities, "6908538").get("birthDate"))
    assert subject(entities, "6907996").get("birthDate") == ["1973-11"]
    hijri = subject(entities, "2962519")
    assert "Date of birth: 24/06/1402 (Hijri Calendar)" in hijri.get("notes")


def test_documents_become_passports_and_identifications(entities, un_tree):
    def from_file(passport: bool) -> set[tuple[str, str]]:
        found = set()
        for node in un_tree.xpath("//INDIVIDUAL_DOCUMENT[normalize-space(NUMBER)!='']"):
            kinds = " ".join(text(k) for k in node.xpath("TYPE_OF_DOCUMENT|TYPE_OF_DOCUMENT2")).lower()
            if ("pass" in kinds or "pasap" in kinds) == passport:
                found.add((f"unsc-{text(node.getparent().find('DATAID'))}", text(node.find("NUMBER"))))
        return found

    for schema, passport, number_prop in (("Passport", True, "passportNumber"), ("Identification", False, "idNumber")):
        documents = of_schema(entities, schema)
        loaded = {(doc.first("holder"), doc.first("number")) for doc in documents}
        assert loaded == from_file(passport)
        for holder, number in loaded:
            assert number in entities[holder].get(number_prop)
    assert len(of_schema(entities, "Passport")) == 255


def test_sanction_programmes_references_and_terror_topics(entities, un_tree):
    sanctions = of_schema(entities, "Sanction")
    assert Counter(s.first("program") for s in sanctions) == Counter(text(n) for n in un_tree.xpath("//UN_LIST_TYPE"))
    assert {s.first("unscId") for s in sanctions} == {text(n) for n in un_tree.xpath("//REFERENCE_NUMBER")}
    assert {s.first("authority") for s in sanctions} == {"United Nations Security Council"}
    subjects = of_schema(entities, "Person") + of_schema(entities, "Organization")
    terror = [e for e in subjects if "crime.terror" in e.get("topics")]
    expected = un_tree.xpath("count(//*[UN_LIST_TYPE='Al-Qaida' or UN_LIST_TYPE='Taliban'])")
    assert len(terror) == expected == 327 + 140
    assert {e.id for e in terror} == {
        f"unsc-{text(n.getparent().find('DATAID'))}"
        for n in un_tree.xpath("//REFERENCE_NUMBER")
        if text(n)[:2] in ("QD", "TA")
    }


def test_dprk_official_field_by_field(entities):
    person = subject(entities, "6908555")
    assert person.schema.name == "Person"
    assert person.get("name") == ["RI WON HO"]
    assert (person.get("firstName"), person.get("secondName")) == (["RI"], ["WON HO"])
    assert person.get("birthDate") == ["1964-07-17"]
    assert person.get("nationality") == ["kp"]
    assert person.get("position") == ["DPRK Ministry of State Security Official"]
    assert person.get("passportNumber") == ["381310014"]
    assert person.get("topics") == ["sanction"]
    assert person.get("notes") == [
        "Ri Won Ho is a DPRK Ministry of State Security Official stationed in Syria supporting KOMID."
    ]
    (sanction,) = [e for e in entities.values() if e.schema.name == "Sanction" and e.first("entity") == person.id]
    assert sanction.first("program") == "DPRK"
    assert sanction.first("unscId") == "KPi.033"
    assert sanction.first("listingDate") == "2016-11-30"
    assert sanction.first("status") == "UN List"


def test_al_nusrah_leader_field_by_field(entities):
    person = subject(entities, "3020633")
    assert set(person.get("name")) == {"ABU MOHAMMED AL-JAWLANI", "أبو محمد الجولاني"}
    assert set(person.get("alias")) == {"Abu Mohamed al-Jawlani", "Amjad Muzaffar Hussein Ali al-Naimi"}
    # The Arabic comma separates two names; the notes' transliterations are weak aliases.
    assert set(person.get("weakAlias")) == {
        "شيخ الفاتح", "الفاتح", "Abu Ashraf", "Shaykh al-Fatih", "Al Fatih",
        "Abu Muhammad al-Jawlani", "Abu Mohammed al-Julani", "Abu Mohammed al-Golani",
        "Abu Muhammad al-Golani", "Abu Muhammad Aljawlani", "Muhammad al-Jawlani",
    }
    # 1975-1979 from the BETWEEN range, 1980 from the alias's own date of birth
    assert set(person.get("birthDate")) == {"1975", "1976", "1977", "1978", "1979", "1980"}
    assert person.get("birthCountry") == ["sy"]
    assert person.get("nationality") == ["sy"]
    assert set(person.get("topics")) == {"sanction", "crime.terror"}
    assert set(person.get("modifiedAt")) == {"2014-06-02", "2015-12-10"}
    assert "Address: Active in Syria as at Jun. 2013" in person.get("notes")
    assert not person.has("addressEntity")


def test_taliban_spokesman_with_passport(entities):
    person = subject(entities, "111110")
    assert person.get("title") == ["Maulavi"]
    assert set(person.get("alias")) == {"Abdul Haq son of M. Anwar Khan", "عبد الحق ولد محمد انور خان"}
    assert set(person.get("birthPlace")) == {
        "Shinkalai village, Nad-e-Ali District, Helmand Province, Afghanistan",
        "Zabul Province, Afghanistan",
    }
    assert person.get("birthDate") == ["1973"]
    (passport,) = [e for e in entities.values() if e.schema.name == "Passport" and e.first("holder") == person.id]
    assert passport.first("number") == "OA462456"
    assert passport.get("country") == ["af"]
    assert passport.first("startDate") == "2012-01-31"
    assert passport.first("description") == "issued under the name of Abdul Haq"


def test_company_with_former_name_and_shared_addresses(entities):
    company = subject(entities, "690751")
    assert company.schema.name == "Organization"
    assert company.get("previousName") == ["LYONGAKSAN GENERAL TRADING CORPORATION"]
    assert company.get("alias") == ["KOREA YONBONG GENERAL CORPORATION"]
    assert company.get("country") == ["kp"]
    addresses = [entities[i] for i in company.get("addressEntity")]
    assert {(a.first("street"), a.first("city"), a.first("country")) for a in addresses} == {
        ("Pot’onggang District", "Pyongyang", "kp"),
        ("Rakwon-dong, Pothonggang District", "Pyongyang", "kp"),
    }
    assert set(company.get("address")) == {a.first("full") for a in addresses}


@pytest.mark.parametrize(
    ("alias", "names"),
    [
        ("Abdul Rehman; Abd Ur-Rehman; Abdur Rahman", ["Abdul Rehman", "Abd Ur-Rehman", "Abdur Rahman"]),
        ("حسن غول (Hassan Ghul; Hassan Gul; Hasan Gul)", ["حسن غول", "Hassan Ghul", "Hassan Gul", "Hasan Gul"]),
        ("Abu Muhammad (original script: Абу Мухаммад)", ["Abu Muhammad", "Абу Мухаммад"]),
        (
            "Akhter Mohmad son of Noor Mohmad (اختر محمد ولد نور محمد ), ",
            ["Akhter Mohmad son of Noor Mohmad", "اختر محمد ولد نور محمد"],
        ),
        ("AL-HARAMAIN FOUNDATION (INDONESIA)", ["AL-HARAMAIN FOUNDATION (INDONESIA)"]),
        ("El Para (combat name)", ["El Para (combat name)"]),
        ("شيخ الفاتح ، الفاتح", ["شيخ الفاتح", "الفاتح"]),
        (None, []),
    ],
)
def test_split_alias(alias, names):
    assert split_alias(alias) == names


@pytest.mark.parametrize(
    ("note", "names"),
    [
        ("(Abu Du’a; Abu Duaa’) prominently known by this nom de guerre", ["Abu Du’a", "Abu Duaa’"]),
        ("original script: Абу Банат", ["Абу Банат"]),
        ("Previously listed as. In Arabic: أبوبكر الجزائري", ["أبوبكر الجزائري"]),
        ("transliterations: Shaykh al-Fatih; Al Fatih ) (Translation: The Conqueror) (Nom de guerre",
         ["Shaykh al-Fatih", "Al Fatih"]),
        ("Abu Muhammad al-Jawlani, Abu Mohammed al-Julani (transliterations of original script name)",
         ["Abu Muhammad al-Jawlani", "Abu Mohammed al-Julani"]),
        # Prose, dates, documents and single phrases hold no names.
        ("previously listed as", []),
        ("nom de guerre", []),
        ("The Moroccan", []),
        ("born in 1973 in Shabwa, Yemen, nationality: Yemeni", []),
        ("in Baghdad, Iraq (Nationality - Iraq)", []),
        ("(Mother’s name: Fatma Ali Majour. Address: Mosul, Souq al-Nabi Yunis", []),
        ("Passport number: B0515260; DOB: 1948; POB: Anefif (Kidal), Mali", []),
        (None, []),
    ],
)
def test_names_in_alias_notes(note, names):
    assert names_in_note(note) == names


def test_alias_notes_add_weak_aliases(entities):
    listed = subject(entities, "2975516")  # QDi.299
    assert listed.caption == "IBRAHIM AWWAD IBRAHIM ALI AL-BADRI AL-SAMARRAI"
    weak = set(listed.get("weakAlias"))
    assert {"Abu Du’a", "Abu Duaa’", "Abu Bakr al-Baghdadi", "Ibrahim ‘Awad Ibrahim al-Badri al-Samarrai"} <= weak
    # A name the listing already holds as a name or alias is not repeated as a weak alias.
    assert not weak & set(listed.get("alias")) and not weak & set(listed.get("name"))


# -- small files written by the tests -----------------------------------------------------


def listing(dataid: str | None, first_name: str = "TEST PERSON", extra: str = "") -> str:
    dataid_xml = f"<DATAID>{dataid}</DATAID>" if dataid is not None else ""
    return (
        f"<INDIVIDUAL>{dataid_xml}<FIRST_NAME>{first_name}</FIRST_NAME><UN_LIST_TYPE>Al-Qaida</UN_LIST_TYPE>"
        f"<REFERENCE_NUMBER>QDi.9{dataid or '00'}</REFERENCE_NUMBER><LISTED_ON>2016-11-30</LISTED_ON>"
        f"{extra}</INDIVIDUAL>\n"
    )


def write_list(path: Path, *individuals: str) -> Path:
    path.write_text(
        f'<?xml version="1.0" encoding="UTF-8"?>\n<CONSOLIDATED_LIST>\n<INDIVIDUALS>\n{"".join(individuals)}'
        "</INDIVIDUALS>\n<ENTITIES/>\n</CONSOLIDATED_LIST>\n",
        encoding="utf-8",
    )
    return path


def test_unknown_alias_quality_is_kept_as_alias(tmp_path):
    path = write_list(
        tmp_path / "quality.xml",
        listing(
            "1", extra="<INDIVIDUAL_ALIAS><QUALITY>Medium</QUALITY><ALIAS_NAME>Abu Test</ALIAS_NAME></INDIVIDUAL_ALIAS>"
        ),
    )
    (record,) = UNSCFormat().read(path)
    assert record.error is None
    assert record.entities[0].get("alias") == ["Abu Test"]


def test_dates_with_a_time_zone_keep_their_day(tmp_path):
    path = write_list(
        tmp_path / "tz.xml",
        listing(
            "1",
            extra="<INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>EXACT</TYPE_OF_DATE>"
            "<DATE>1960-01-01-05:00</DATE></INDIVIDUAL_DATE_OF_BIRTH>",
        ),
    )
    (record,) = UNSCFormat().read(path)
    assert record.entities[0].get("birthDate") == ["1960-01-01"]


def test_impossible_year_range_is_a_field_error(tmp_path):
    path = write_list(
        tmp_path / "range.xml",
        listing(
            "1",
            extra="<INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>BETWEEN</TYPE_OF_DATE><FROM_YEAR>1900</FROM_YEAR>"
            f"<TO_YEAR>{1901 + MAX_BIRTH_YEAR_SPAN}</TO_YEAR></INDIVIDUAL_DATE_OF_BIRTH>",
        ),
    )
    (record,) = UNSCFormat().read(path)
    assert record.error.field == "INDIVIDUAL_DATE_OF_BIRTH/FROM_YEAR"
    assert not record.entities[0].has("birthDate")


BAD_DATE = (
    "<INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>EXACT</TYPE_OF_DATE><DATE>1961-02-30</DATE></INDIVIDUAL_DATE_OF_BIRTH>"
)


def malformed_list(tmp_path: Path) -> Path:
    return write_list(
        tmp_path / "malformed.xml",
        listing("101", "GOOD ONE"),
        listing(None, "NO DATAID"),
        listing("103", "BAD BIRTHDAY", extra=BAD_DATE),
        listing("104", "GOOD TWO"),
    )


def test_malformed_records_name_element_and_field(tmp_path):
    path = malformed_list(tmp_path)
    records = list(UNSCFormat().read(path))
    assert [r.position for r in records] == [0, 1, 2, 3]
    missing, bad_date = records[1].error, records[2].error
    assert missing.location == "INDIVIDUAL #2 line 5 (REFERENCE_NUMBER=QDi.900)"
    assert missing.field == "DATAID"
    assert records[1].entities == []
    assert str(bad_date).startswith(
        f"{path}: INDIVIDUAL #3 line 6 (DATAID=103, REFERENCE_NUMBER=QDi.9103), "
        "field INDIVIDUAL_DATE_OF_BIRTH/DATE: unparseable date '1961-02-30'"
    )
    # The bad date is dropped; the sanctioned person is not.
    person = records[2].entities[0]
    assert person.get("name") == ["BAD BIRTHDAY"]
    assert not person.has("birthDate")
    assert records[0].error is None and records[3].error is None


def count_statements(store) -> int:
    with store.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(statements)).scalar()


def load(store, path, **options):
    return ingest(store, "un", path, get_format("un-sc").read(path), **options)


@pytest.fixture
def un_source(store):
    store.register_source("un", "un-sc", Labels(agency="UN"), is_list=True)
    return store


def test_ingest_whole_list_and_reingest_is_idempotent(un_source, un_path, records):
    first = load(un_source, un_path)
    assert first.records == 1021
    assert first.entities == sum(len(r.entities) for r in records)
    assert first.errors == []
    rows = count_statements(un_source)
    assert rows > 20_000
    assert load(un_source, un_path).skipped_unchanged
    forced = load(un_source, un_path, force=True)
    assert forced.records == 1021 and forced.retired == 0
    assert count_statements(un_source) == rows


def test_ingest_keeps_good_records_and_logs_bad_ones(un_source, tmp_path):
    path = malformed_list(tmp_path)
    result = load(un_source, path)
    assert [(e.location.split(" (")[0], e.field) for e in result.errors] == [
        ("INDIVIDUAL #2 line 5", "DATAID"),
        ("INDIVIDUAL #3 line 6", "INDIVIDUAL_DATE_OF_BIRTH/DATE"),
    ]
    with un_source.engine.connect() as conn:
        logged = conn.execute(select(ingest_errors.c.field).order_by(ingest_errors.c.id)).scalars().all()
        people = set(
            conn.execute(select(statements.c.entity_id).where(statements.c.prop == "name")).scalars()
        )
    assert logged == ["DATAID", "INDIVIDUAL_DATE_OF_BIRTH/DATE"]
    assert people == {"unsc-101", "unsc-103", "unsc-104"}


def test_strict_ingest_of_a_bad_list_loads_nothing(un_source, tmp_path):
    path = malformed_list(tmp_path)
    with pytest.raises(IngestFailed, match="field DATAID"):
        load(un_source, path, strict=True)
    assert count_statements(un_source) == 0


@pytest.mark.parametrize(
    ("individual", "field", "message"),
    [
        (listing("12x"), "DATAID", "DATAID '12x' is not a number"),
        (listing("7", first_name=""), "FIRST_NAME", "the listing has no name"),
    ],
)
def test_listing_without_id_or_name_is_a_record_error(tmp_path, individual, field, message):
    (record,) = UNSCFormat().read(write_list(tmp_path / "bad.xml", individual))
    assert (record.error.field, record.error.message) == (field, message)
    assert record.entities == []
