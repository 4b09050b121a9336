"""FollowTheMoney JSON lines (OpenSanctions, Aleph and ``nexus export ftm`` output).

FtM JSON carries values already cleaned by the producer, so free-text types (names,
addresses, e-mails, phones …) are only sanitised. Types with a syntax or a closed
vocabulary (dates, countries, topics, genders, languages, entity references …) are
checked, memoised per value because they repeat; a value that fails is dropped and
reported as a field error while the rest of the entity loads.
"""

from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

import orjson
from followthemoney import EntityProxy, model, registry
from followthemoney.exc import InvalidData
from followthemoney.util import sanitize_text

from nexus.sources.base import Record, RecordError
from nexus.sources.limits import MAX_LINE_BYTES, open_text_lines


class FtMFormat:
    name = "ftm"

    def read(self, path: Path, **options: object) -> Iterator[Record]:
        source = str(path)
        for position, (lineno, line) in enumerate(open_text_lines(path)):
            if not line.strip():
                yield Record(position)
                continue
            try:
                proxy, dropped = parse_entity(line)
            except BadLine as exc:
                yield Record(position, error=RecordError(source, f"line {lineno}", exc.field, exc.message))
                continue
            error = RecordError(source, f"line {lineno}", *dropped) if dropped else None
            yield Record(position, [proxy], error)


class BadLine(Exception):
    def __init__(self, message: str, field: str | None = None):
        self.message, self.field = message, field


def parse_entity(line: str) -> tuple[EntityProxy, tuple[str, str] | None]:
    """One JSON line to an entity, plus a field error if some values were dropped."""
    if len(line) > MAX_LINE_BYTES:
        raise BadLine(f"line longer than {MAX_LINE_BYTES} bytes")
    try:
        data = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        raise BadLine(f"invalid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise BadLine("expected a JSON object")
    if not isinstance(data.get("id"), str) or not data["id"]:
        raise BadLine("missing entity id", "id")
    schema = data.get("schema")
    if not isinstance(schema, str) or model.get(schema) is None:
        raise BadLine(f"unknown schema {schema!r}", "schema")
    properties = data.get("properties", {})
    if not isinstance(properties, dict):
        raise BadLine("properties must be an object", "properties")
    proxy = model.make_entity(schema)
    try:
        proxy.id = data["id"]
    except InvalidData as exc:
        raise BadLine(str(exc), "id") from None
    rejected: list[str] = []
    too_long: list[tuple[str, str]] = []
    for name, values in properties.items():
        prop = proxy.schema.properties.get(name)
        if prop is None or prop.stub:
            raise BadLine(f"unknown property for schema {schema}", f"properties.{name}")
        if not isinstance(values, list):
            raise BadLine("property values must be a list", f"properties.{name}")
        for raw in values:
            value = clean_value(prop.type.name, raw) if isinstance(raw, str) else None
            if value is None:
                rejected.append(name)
            elif len(value) > prop.type.max_length:  # FtM's own bound on a value of the type
                too_long.append((name, f"a value of {len(value):,} characters, longer than a {prop.type.name} may be "
                                       f"({prop.type.max_length:,}), was dropped"))
            else:
                proxy.unsafe_add(prop, value, cleaned=True)
    if too_long:
        more = f"; {len(too_long) + len(rejected) - 1} more value(s) dropped" if len(too_long) + len(rejected) > 1 else ""
        return proxy, (f"properties.{too_long[0][0]}", too_long[0][1] + more)
    if rejected:
        return proxy, (f"properties.{rejected[0]}", f"{len(rejected)} value(s) not valid for their type were dropped")
    return proxy, None


CHECKED_TYPES = frozenset(
    t.name
    for t in (registry.date, registry.country, registry.topic, registry.gender, registry.language,
              registry.entity, registry.number, registry.checksum, registry.ip, registry.url)
)


@lru_cache(maxsize=32_768)
def clean_value(type_name: str, value: str) -> str | None:
    text = sanitize_text(value)
    if text is None or type_name not in CHECKED_TYPES:
        return text
    return registry.get(type_name).clean_text(text)
