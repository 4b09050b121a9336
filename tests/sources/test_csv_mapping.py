from pathlib import Path

import pytest
from openpyxl import Workbook

from nexus.ingest import ingest
from nexus.model import Labels
from nexus.sources import SourceError, get_format

MAPPING = """
queries:
  - entities:
      inmate:
        schema: Person
        keys: [inmate_id]
        properties:
          name: {column: name}
          birthDate: {column: dob}
          nationality: {column: nationality}
      prison:
        schema: Address
        keys: [prison]
        properties:
          full: {column: prison}
"""


@pytest.fixture
def mapping(tmp_path) -> Path:
    path = tmp_path / "roster.yml"
    path.write_text(MAPPING)
    return path


def read(path, mapping):
    return list(get_format("csv").read(path, mapping=mapping))


def test_rows_map_to_entities_and_bad_fields_are_named(tmp_path, mapping):
    data = tmp_path / "roster.csv"
    data.write_text(
        "inmate_id,name,dob,nationality,prison\n"
        "17,Ivan Petrov,1980-02-03,ru,HMP Belmarsh\n"
        "18,Omar Khalil,31/31/1999,sy,HMP Belmarsh\n"
        ",Nobody,1970,fr,\n"
    )
    first, second, third = read(data, mapping)
    person = first.entities[0]
    assert person.schema.name == "Person" and person.get("nationality") == ["ru"]
    assert person.get("birthDate") == ["1980-02-03"]
    assert first.entities[1].get("full") == ["HMP Belmarsh"]
    assert second.error.location == "line 3" and second.error.field == "Person:birthDate"
    assert second.entities and second.entities[0].get("name") == ["Omar Khalil"]
    assert third.error.location == "line 4" and not third.entities
    assert "inmate_id" in third.error.field


def test_excel_workbooks_use_the_same_mapping(tmp_path, mapping):
    book = Workbook()
    sheet = book.active
    sheet.append(["inmate_id", "name", "dob", "nationality", "prison"])
    sheet.append([5, "Aslan Maskhadov", "1975", "ru", "Cell block C"])
    path = tmp_path / "roster.xlsx"
    book.save(path)
    (record,) = read(path, mapping)
    assert record.entities[0].get("name") == ["Aslan Maskhadov"]
    assert record.entities[0].get("birthDate") == ["1975"]


def test_broken_mapping_is_one_clear_error(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text("queries:\n  - entities:\n      x: {schema: Nope, keys: [a]}\n")
    data = tmp_path / "d.csv"
    data.write_text("a\n1\n")
    with pytest.raises(SourceError, match=r"bad.yml: queries\[0\]"):
        read(data, bad)


def test_csv_ingest_is_idempotent(store, tmp_path, mapping):
    data = tmp_path / "roster.csv"
    data.write_text("inmate_id,name,dob,nationality,prison\n17,Ivan Petrov,1980,ru,HMP Belmarsh\n")
    store.register_source("prisons", "csv", Labels(agency="PRISONS"))
    records = lambda: get_format("csv").read(data, mapping=mapping)  # noqa: E731
    first = ingest(store, "prisons", data, records())
    again = ingest(store, "prisons", data, records(), force=True)
    assert first.entities == again.entities == 2
    assert first.statements == again.statements
