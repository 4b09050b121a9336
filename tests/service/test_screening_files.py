"""A screening file with bad rows is refused with every problem of every row, each named by its line."""

import pytest

from nexus.errors import InvalidInput
from nexus.service.screening import read_queries


def refusal(tmp_path, rows: str) -> str:
    path = tmp_path / "queries.csv"
    path.write_text("id,name,birth_date\n" + rows)
    with pytest.raises(InvalidInput) as refused:
        read_queries(path)
    return str(refused.value).replace(f"{path}: ", "")


def test_a_malformed_row_and_a_bad_field_are_refused_together_in_line_order(tmp_path):
    said = refusal(tmp_path, "q1,Ayman al-Zawahiri,1951-06-19\nq2,Someone Else,99999-99-99\n"
                             "q3,Abdul Ghani Baradar,1968,af\nq4,,1970\n")
    problems = said.split("; ")
    assert [p.split(": ")[0] for p in problems] == ["line 3", "line 4", "line 5"]
    assert problems[0].startswith("line 3: query field 'birth_date': not a date: '99999-99-99'")
    assert problems[1:] == ["line 4: 4 fields where the header has 3", "line 5: name: empty"]


def test_a_row_after_a_value_of_two_lines_is_named_by_the_line_it_starts_on(tmp_path):
    said = refusal(tmp_path, 'q1,"Ayman\nal-Zawahiri",1951\nq2,Too,Many,Fields\nq3,,1970\n')
    assert said == "line 4: 4 fields where the header has 3; line 5: name: empty"
