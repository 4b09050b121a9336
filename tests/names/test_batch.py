"""analyze_column must give exactly what analyze_name gives, name by name, in every script."""

import csv
import itertools

import pyarrow as pa
import pytest

from nexus.names import NameType, analyze_name
from nexus.names.batch import SMALL_COLUMN, NameColumn, analyze_column
from nexus.sources.un_sc import UNSCFormat
from nexus.synth.names import CULTURES

TRICKY = [
    "Dr John Smith", "  Mr. Bean", "His Excellency Abu Bakr al-Baghdadi", "Abdul Rahman Yasin", "Abd al-Rahman",
    "Atiq Allah", "Hans Müller Muller", "VladimirPutin", "SMITH, John", "", "Ma'ruf Ali", "O’Neil", "İbrahim Straße",
    "Владимир Владимирович Путин", "محمد بن سلمان", "عبد الرحمن ياسين", "Général de Gaulle", "John 5th", "Fräulein Maria",
    "Dott.sr Rossi", "Brigade Forty-Four", "Ig0r Sech1n", "ប៉ុល ពត", "मोदी", "习近平", "Kim Jong-un", "SiemensAG",
    "A.B.C. Trading Ltd", "AT&T", "Salman bin Abdulaziz", "Mohamed ould Abdel Aziz", "___", "--Smith--",
]


def _all_spellings(part: str) -> list[str]:
    latin, _, other = part.partition("=")
    return latin.split("|") + ([other] if other else [])


def _synthetic_names() -> list[str]:
    names = []
    for culture in CULTURES:
        givens = [s for p in (*culture.male[:6], *culture.female[:4]) for s in _all_spellings(p)]
        families = [s for p in culture.family[:8] for s in _all_spellings(p)]
        names += [f"{g} {f}" for g, f in itertools.islice(itertools.product(givens, families), 60)]
    return names


def assert_same(names: list[str | None], types: list[NameType]) -> None:
    column = analyze_column(pa.array(names, pa.string()), types)
    for row, (name, name_type) in enumerate(zip(names, types, strict=True)):
        assert column.name(row) == analyze_name(name or "", name_type), (name, name_type)


@pytest.mark.parametrize("name_type", list(NameType))
def test_tricky_names_and_synthetic_names_in_every_script(name_type):
    names = [*TRICKY, None, *_synthetic_names()]
    assert_same(names, [name_type] * len(names))


def test_labelled_name_pairs(shared_data):
    with open(shared_data / "names" / "name_bench_cases.csv", newline="", encoding="utf-8") as fh:
        cases = list(csv.DictReader(fh))
    names = [c[key] for c in cases for key in ("name1", "name2")]
    types = [NameType.of_schema(c["schema"]) for c in cases for _ in range(2)]
    assert_same(names, types)


def test_un_list_names_with_their_schemas(shared_data):
    entities = [e for r in UNSCFormat().read(shared_data / "sanctions" / "un_consolidated_2017.xml") for e in r.entities]
    pairs = [(n, NameType.of_schema(e.schema.name)) for e in entities if e.schema.is_a("LegalEntity")
             for prop in ("name", "alias", "firstName", "lastName") for n in e.get(prop, quiet=True)]
    assert len(pairs) > 2000
    assert_same([n for n, _ in pairs], [t for _, t in pairs])


def test_a_column_of_names_already_analysed_keeps_them():
    names = [analyze_name(n, NameType.PERSON) for n in ("Vladimir Putin", "Putin, Vladimir", "")]
    column = NameColumn.of_names(names)
    assert [column.name(i) for i in range(len(column))] == names
    assert len(column.parts) == len({p for n in names for p in n.parts})


def test_a_few_names_are_analysed_one_by_one_with_the_same_result(monkeypatch):
    def no_column(*args):
        raise AssertionError("a few names were split as a column")

    monkeypatch.setattr("nexus.names.batch.split_tokens", no_column)
    names = ["SMITH, John", None, "محمد بن سلمان", "A.B.C. Trading Ltd"]
    types = [NameType.PERSON, NameType.PERSON, NameType.PERSON, NameType.ORGANIZATION]
    assert len(names) < SMALL_COLUMN
    assert_same(names, types)
    column = analyze_column(pa.chunked_array([names[:2], names[2:]], pa.string()), types)
    assert [column.name(i) for i in range(len(names))] == [analyze_name(n or "", t) for n, t in zip(names, types)]
