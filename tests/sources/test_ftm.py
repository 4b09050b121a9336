"""FtM JSON lines: a value longer than FtM allows its type is dropped and named by line and field, and the rest of
the entity loads."""

import orjson

from nexus.sources import get_format


def test_a_value_longer_than_its_type_allows_is_dropped_and_named(tmp_path):
    path = tmp_path / "people.ftm.json"
    entities = [{"id": "ok", "schema": "Person", "properties": {"name": ["A" * 384]}},
                {"id": "huge", "schema": "Person", "properties": {"name": ["A" * 200_000, "Short Name"],
                                                                  "notes": ["N" * 60_000]}}]
    path.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in entities))
    first, second = get_format("ftm").read(path)
    assert first.error is None and first.entities[0].get("name") == ["A" * 384]
    (entity,) = second.entities
    assert entity.get("name") == ["Short Name"] and len(entity.get("notes")[0]) == 60_000
    assert (second.error.location, second.error.field) == ("line 2", "properties.name")
    assert "200,000 characters, longer than a name may be (384), was dropped" in second.error.message
