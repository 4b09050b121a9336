"""An FIU's goAML XSD, made readable by a standard XSD 1.1 validator, and the errors it finds.

goAML schemas are written for .NET and JavaScript validators: their patterns anchor with
`^` and `$` (literal characters in XSD regular expressions, so every name fails) and put a
bare `-` after a range inside a class (`[_a-zA-Z0-9-+]`), which strict validators reject.
`load_schema` rewrites those patterns in memory when it loads the FIU's own file; the file
itself is never edited or copied.
"""

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import xmlschema
from lxml import etree

from nexus.sources.base import SourceError

XS = "{http://www.w3.org/2001/XMLSchema}"


@dataclass(frozen=True)
class SchemaError:
    path: str  # the element's path, as /report/transaction/amount_local
    line: int | None
    reason: str
    missing: str | None = None  # the element `path` lacks, when that is the problem

    @property
    def field(self) -> str:
        return self.missing or self.path.rsplit("/", 1)[-1]


def xsd_pattern(pattern: str) -> str:
    """A .NET/JavaScript-style pattern as an XSD regular expression (implicitly anchored)."""
    if pattern.startswith("^"):
        pattern = pattern[1:]
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1]
    return _escape_loose_hyphens(pattern)


def _escape_loose_hyphens(pattern: str) -> str:
    """Escape a `-` inside a character class that does not form a range (after a range, or before `]`)."""
    out, i, in_class, after_range = [], 0, False, False
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            out.append(pattern[i : i + 2])
            i += 2
            after_range = False
            continue
        if not in_class:
            in_class = char == "["
            out.append(char)
            i += 1
            continue
        if char == "]":
            in_class = False
        elif char == "-" and (after_range or pattern[i + 1 : i + 2] == "]" or out[-1] == "["):
            out.append("\\-")
            i += 1
            after_range = False
            continue
        elif pattern[i + 1 : i + 2] == "-" and pattern[i + 2 : i + 3] not in ("", "]"):
            out.append(pattern[i : i + 3])  # a range a-z
            i += 3
            after_range = True
            continue
        out.append(char)
        after_range = False
        i += 1
    return "".join(out)


def load_schema(path: Path) -> xmlschema.XMLSchema11:
    """The FIU's XSD with its patterns rewritten for XSD 1.1 (cached per file and modification time)."""
    try:
        return _load(Path(path).resolve(), Path(path).stat().st_mtime_ns)
    except OSError as exc:
        raise SourceError(f"{path}: the goAML schema cannot be read: {exc.strerror or exc}") from None
    except (etree.XMLSyntaxError, xmlschema.XMLSchemaException) as exc:
        reason = re.sub(r"\s+", " ", getattr(exc, "message", None) or str(exc)).strip()[:300]
        raise SourceError(f"{path}: not a goAML schema (an XSD): {reason}") from None


@lru_cache(maxsize=4)
def _load(path: Path, mtime: int) -> xmlschema.XMLSchema11:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    tree = etree.parse(str(path), parser)
    for facet in tree.iter(f"{XS}pattern"):
        facet.set("value", xsd_pattern(facet.get("value", "")))
    return xmlschema.XMLSchema11(etree.tostring(tree, encoding="unicode"), base_url=str(path.parent))


def _shortened(reason: str, shown: int = 8) -> str:
    """A reason listing a code list ("value must be one of ['AED', 'AFN', …]": 180 currencies) names its first few."""
    found = re.search(r"\[([^\[\]]*)\]", reason)
    if found is None:
        return reason
    values = found.group(1).split(", ")
    if len(values) <= shown:
        return reason
    listed = ", ".join(values[:shown]) + f", … ({len(values):,} in all: see the schema)"
    return reason[:found.start(1)] + listed + reason[found.end(1):]


def schema_errors(schema: xmlschema.XMLSchema11, document: etree._ElementTree) -> list[SchemaError]:
    """Every way ``document`` breaks the schema: element path, line and reason."""
    found = []
    try:
        for error in schema.iter_errors(document):
            element = error.elem if isinstance(error.elem, etree._Element) else None
            reason = _shortened(re.sub(r"\s+", " ", error.reason or str(error)).strip())
            found.append(SchemaError(error.path or "/", element.sourceline if element is not None else None, reason))
    except (ArithmeticError, ValueError) as exc:  # the validator itself fails on some values (a year past 9999)
        found.append(SchemaError(f"/{document.getroot().tag}", None, f"a value the validator cannot read: {exc}"))
    return found
