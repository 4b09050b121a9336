"""FollowTheMoney JSON lines (OpenSanctions, Aleph and ``nexus export ftm`` output)."""

from collections.abc import Iterator
from pathlib import Path

import orjson
from followthemoney import model
from followthemoney.exc import InvalidData

from nexus.sources.base import Record, RecordError
from nexus.sources.limits import MAX_LINE_BYTES, open_text_lines


class FtMFormat:
    name = "ftm"

    def read(self, path: Path, **options: object) -> Iterator[Record]:
        for position, (lineno, line) in enumerate(open_text_lines(path)):
            if not line.strip():
                yield Record(position)
                continue

            def error(message: str, field: str | None = None) -> Record:
                return Record(position, error=RecordError(str(path), f"line {lineno}", field, message))

            if len(line) > MAX_LINE_BYTES:
                yield error(f"line longer than {MAX_LINE_BYTES} bytes")
                continue
            try:
                data = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                yield error(f"invalid JSON: {exc}")
                continue
            if not isinstance(data, dict):
                yield error("expected a JSON object")
                continue
            if not isinstance(data.get("id"), str) or not data["id"]:
                yield error("missing entity id", "id")
                continue
            schema = data.get("schema")
            if not isinstance(schema, str) or model.get(schema) is None:
                yield error(f"unknown schema {schema!r}", "schema")
                continue
            properties = data.get("properties", {})
            if not isinstance(properties, dict):
                yield error("properties must be an object", "properties")
                continue
            bad = [p for p, v in properties.items() if not isinstance(v, list)]
            if bad:
                yield error("property values must be a list", f"properties.{bad[0]}")
                continue
            try:
                proxy = model.make_entity(schema)
                proxy.id = data["id"]
                for prop, values in properties.items():
                    if prop not in proxy.schema.properties:
                        raise InvalidData(f"unknown property {prop!r} for schema {schema}")
                    proxy.add(prop, [v for v in values if isinstance(v, str)], cleaned=False)
            except InvalidData as exc:
                yield error(str(exc), "properties")
                continue
            yield Record(position, [proxy])
