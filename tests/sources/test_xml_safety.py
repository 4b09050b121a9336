"""The shared XML reader refuses hostile, malformed and oversized input, and streams."""

import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from nexus.ingest import ingest
from nexus.model import Labels
from nexus.sources import SourceError, get_format
from nexus.sources.limits import MAX_XML_DEPTH
from nexus.sources.xml import iter_elements
from nexus.store.schema import statements

LISTING = "<INDIVIDUAL><DATAID>1</DATAID><FIRST_NAME>SAFE NAME</FIRST_NAME></INDIVIDUAL>"

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE CONSOLIDATED_LIST [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<CONSOLIDATED_LIST><INDIVIDUALS>
<INDIVIDUAL><DATAID>1</DATAID><FIRST_NAME>&lol9;</FIRST_NAME></INDIVIDUAL>
</INDIVIDUALS></CONSOLIDATED_LIST>
"""


def external_entity(url: str) -> str:
    return f"""<?xml version="1.0"?>
<!DOCTYPE CONSOLIDATED_LIST [<!ENTITY xxe SYSTEM "{url}">]>
<CONSOLIDATED_LIST><INDIVIDUALS>
<INDIVIDUAL><DATAID>1</DATAID><FIRST_NAME>&xxe;</FIRST_NAME></INDIVIDUAL>
</INDIVIDUALS></CONSOLIDATED_LIST>
"""


HOSTILE = {
    "billion-laughs": (BILLION_LAUGHS, "10 entities (lol, lol1, lol2, lol3, lol4 and 5 more)"),
    "xxe-file": (external_entity("file:///etc/passwd"), "1 entity (xxe)"),
    "xxe-http": (external_entity("http://127.0.0.1:9/evil.dtd"), "1 entity (xxe)"),
    "parameter-entity": (
        '<?xml version="1.0"?>\n<!DOCTYPE CONSOLIDATED_LIST [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>\n'
        f"<CONSOLIDATED_LIST>{LISTING}</CONSOLIDATED_LIST>",
        "1 entity (p)",
    ),
    "external-subset": (
        '<?xml version="1.0"?>\n<!DOCTYPE CONSOLIDATED_LIST SYSTEM "http://127.0.0.1:9/list.dtd">\n'
        f"<CONSOLIDATED_LIST>{LISTING}</CONSOLIDATED_LIST>",
        "external subset (http://127.0.0.1:9/list.dtd)",
    ),
}


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_doctype_is_refused_quickly_before_any_element(tmp_path, case):
    text, refused = HOSTILE[case]
    path = write(tmp_path, f"{case}.xml", text)
    started = time.perf_counter()
    elements = iter_elements(path, {"INDIVIDUAL"})
    with pytest.raises(SourceError) as caught:
        next(elements)
    assert time.perf_counter() - started < 0.5
    message = str(caught.value)
    assert str(path) in message
    assert "refused DOCTYPE" in message
    assert refused in message


def test_doctype_without_entities_is_read(tmp_path):
    path = write(
        tmp_path,
        "plain-doctype.xml",
        f"<!DOCTYPE CONSOLIDATED_LIST [<!ELEMENT DATAID (#PCDATA)>]><CONSOLIDATED_LIST>{LISTING}</CONSOLIDATED_LIST>",
    )
    assert [e.findtext("FIRST_NAME") for e, _, _ in iter_elements(path, {"INDIVIDUAL"})] == ["SAFE NAME"]


@pytest.mark.parametrize("case", ["billion-laughs", "xxe-file", "xxe-http"])
def test_hostile_list_reaches_nothing_in_the_store(store, tmp_path, case):
    path = write(tmp_path, f"{case}.xml", HOSTILE[case][0])
    store.register_source("un", "un-sc", Labels(agency="UN"))
    with pytest.raises(SourceError, match="refused DOCTYPE"):
        ingest(store, "un", path, get_format("un-sc").read(path))
    with store.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(statements)).scalar() == 0


def test_excessive_depth_is_refused_with_its_line(tmp_path):
    depth = MAX_XML_DEPTH + 1
    body = "".join(f"<n{i}>\n" for i in range(depth)) + "".join(f"</n{i}>" for i in reversed(range(depth)))
    path = write(tmp_path, "deep.xml", body)
    refused = rf"line {depth}: <n{depth - 1}> is nested deeper than the limit of {MAX_XML_DEPTH}"
    with pytest.raises(SourceError, match=refused):
        list(iter_elements(path, {"n1"}))


def test_depth_at_the_limit_is_read(tmp_path):
    body = "".join(f"<n{i}>" for i in range(MAX_XML_DEPTH)) + "".join(
        f"</n{i}>" for i in reversed(range(MAX_XML_DEPTH))
    )
    path = write(tmp_path, "deep-enough.xml", body)
    assert [e.tag for e, _, _ in iter_elements(path, {f"n{MAX_XML_DEPTH - 1}"})] == [f"n{MAX_XML_DEPTH - 1}"]


def test_malformed_xml_names_file_and_line_after_earlier_elements(tmp_path):
    path = write(
        tmp_path,
        "broken.xml",
        f"<CONSOLIDATED_LIST>\n{LISTING}\n<INDIVIDUAL><DATAID>2</DATAID>\n"
        "<FIRST_NAME>OPEN</INDIVIDUAL>\n</CONSOLIDATED_LIST>",
    )
    seen = []
    with pytest.raises(SourceError) as caught:
        for element, _, _ in iter_elements(path, {"INDIVIDUAL"}):
            seen.append(element.findtext("DATAID"))
    assert seen == ["1"]
    assert str(caught.value).startswith(f"{path}: line 4: malformed XML")


def test_undeclared_entity_is_malformed(tmp_path):
    path = write(tmp_path, "undeclared.xml", "<CONSOLIDATED_LIST>\n<INDIVIDUAL>&xxe;</INDIVIDUAL></CONSOLIDATED_LIST>")
    with pytest.raises(SourceError, match=r"line 2: malformed XML: Entity 'xxe' not defined"):
        list(iter_elements(path, {"INDIVIDUAL"}))


def test_missing_and_oversized_files_are_refused(tmp_path, monkeypatch):
    with pytest.raises(SourceError, match="no such file"):
        list(iter_elements(tmp_path / "absent.xml", {"INDIVIDUAL"}))
    path = write(tmp_path, "big.xml", f"<CONSOLIDATED_LIST>{LISTING}</CONSOLIDATED_LIST>")
    monkeypatch.setattr("nexus.sources.limits.MAX_FILE_BYTES", 10)
    with pytest.raises(SourceError, match="larger than the limit of 10"):
        list(iter_elements(path, {"INDIVIDUAL"}))


def test_positions_locations_and_nested_matches(tmp_path):
    path = write(
        tmp_path,
        "mixed.xml",
        "<R>\n<A><B>x</B></A>\n<B>y</B>\n<A><B>z</B></A>\n</R>",
    )
    found = [(e.tag, "".join(e.itertext()), pos, loc) for e, pos, loc in iter_elements(path, ["A", "B"])]
    assert found == [
        ("B", "x", 0, "B #1 line 2"),
        ("A", "x", 1, "A #1 line 2"),
        ("B", "y", 2, "B #2 line 3"),
        ("B", "z", 3, "B #3 line 4"),
        ("A", "z", 4, "A #2 line 4"),
    ]


def test_handled_elements_are_released_so_memory_stays_flat(tmp_path):
    count = 20_000
    body = "".join(f"<ITEM><V>{i}</V></ITEM>\n" for i in range(count))
    path = write(tmp_path, "long.xml", f"<LIST><OTHER/>{body}</LIST>")
    handled_still_held, held = [], []
    values = []
    for element, _, _ in iter_elements(path, {"ITEM"}):
        values.append(element.findtext("V"))
        handled_still_held.append(sum(1 for _ in element.itersiblings(preceding=True)))
        held.append(len(element.getparent()))
    assert values == [str(i) for i in range(count)]
    assert max(handled_still_held) <= 1  # only the one released last, removed on the next step
    # What remains is the parser's read-ahead (one input chunk), not the file so far.
    assert max(held) < count / 10
