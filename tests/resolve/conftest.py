"""Hand-written people for the resolution tests, as statement rows in the store's shape."""

from datetime import date

import pyarrow as pa
import pytest
from followthemoney import model

from nexus.model.labels import Classification, Labels
from nexus.model.statements import STATEMENT_COLUMNS, entity_statements

LABELS = Labels(agency="fiu", classification=Classification.RESTRICTED)
SEEN = "2026-01-01T00:00:00.000000"

# (entity id, source, properties). Clear duplicates share an "a"/"b"/"c" group; the
# lookalike pairs ("d", "e") share names but not dates of birth.
PEOPLE = [
    ("a1", "bank", {"firstName": "Jonathan", "lastName": "Smithson", "birthDate": "1975-03-14",
                    "nationality": "gb", "idNumber": "P1234567"}),
    ("a2", "police", {"name": "Jonathon Smithson", "birthDate": "1975-03-14", "nationality": "gb"}),
    ("a3", "customs", {"firstName": "Jonathan", "lastName": "Smithsen", "birthDate": "1975-03-14",
                       "idNumber": "P1234567", "email": "J.Smithson@example.org"}),
    ("b1", "bank", {"firstName": "Мария", "lastName": "Иванова", "birthDate": "1988-11-02", "nationality": "ru",
                    "phone": "+7 495 123-45-67"}),
    ("b2", "police", {"firstName": "Maria", "lastName": "Ivanova", "birthDate": "1988-11-02", "nationality": "ru",
                      "phone": "+74951234567"}),
    ("c1", "bank", {"firstName": "Ahmed", "lastName": "Benali", "birthDate": "1969-07-30",
                    "address": "12 Rue de la Paix, Paris"}),
    ("c2", "customs", {"firstName": "Ahmad", "lastName": "Ben Ali", "birthDate": "1969-07-30",
                       "address": "12 rue de la paix paris"}),
    ("d1", "bank", {"firstName": "Peter", "lastName": "Novak", "birthDate": "1990-01-05", "nationality": "cz"}),
    ("d2", "police", {"firstName": "Peter", "lastName": "Novak", "birthDate": "1961-09-22", "nationality": "cz"}),
    ("e1", "bank", {"firstName": "Li", "lastName": "Wei", "birthDate": "1980-02-02"}),
    ("e2", "customs", {"firstName": "Li", "lastName": "Wei", "birthDate": "1992-12-19"}),
    ("f1", "bank", {"firstName": "Oksana", "lastName": "Kovalenko", "birthDate": "1979-05-09"}),
    ("g1", "police", {"firstName": "Marco", "lastName": "Rossi", "birthDate": "1983-04-11"}),
]


def person_rows(people=PEOPLE, schema: str = "Person") -> list[tuple]:
    rows: list[tuple] = []
    for entity_id, source, props in people:
        proxy = model.make_entity(schema)
        proxy.id = entity_id
        for prop, value in props.items():
            proxy.add(prop, value)
        rows.extend(entity_statements(proxy, source, LABELS, SEEN, date(2030, 1, 1)))
    return rows


def statements_table(rows: list[tuple]) -> pa.Table:
    columns = list(zip(*rows))
    return pa.table({name: pa.array(list(col)) for name, col in zip(STATEMENT_COLUMNS, columns)})


@pytest.fixture
def people_rows() -> list[tuple]:
    return person_rows()


@pytest.fixture
def people() -> pa.Table:
    return statements_table(person_rows())


@pytest.fixture
def make_table():
    return statements_table


@pytest.fixture
def make_people():
    """(entity id, source, properties) triples -> a statement table; ``passports`` the same for Passport entities."""
    return lambda people, passports=(): statements_table(person_rows(people) + person_rows(passports, "Passport"))

