"""What a file released from Nexus says about what it holds, and text made safe for the format it is in.

Each entity carries its provenance (sources, agencies, the highest classification of its statements, first and
last seen), a file the highest classification it holds; text written to XML holds only what XML 1.0 allows, and
a CSV cell a spreadsheet would run as a formula is quoted.
"""

import re
from collections.abc import Iterable, Iterator
from itertools import groupby
from operator import attrgetter

from followthemoney import EntityProxy

from nexus.model.labels import Classification
from nexus.service.entities import merge

#: What XML 1.0's Char production leaves out: C0 controls but tab, LF and CR; surrogates; U+FFFE and U+FFFF.
XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
#: A cell starting with one of these is a formula to a spreadsheet (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def xml_text(value: str) -> str:
    """``value`` with each character XML forbids replaced by U+FFFD, so a reader sees that one was there."""
    return XML_FORBIDDEN.sub("\ufffd", value)


def csv_cell(value):
    """A text cell a spreadsheet would run as a formula, behind an apostrophe (OWASP's advice); any other as it is."""
    return f"'{value}" if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


def provenance(rows: Iterable) -> dict:
    """Where statement rows come from and how they are marked; rows need source, agency, classification,
    first_seen and last_seen."""
    rows = list(rows)
    return {"sources": sorted({r.source for r in rows}), "agencies": sorted({r.agency for r in rows}),
            "classification": Classification(max(r.classification for r in rows)).name,
            "first_seen": min(r.first_seen for r in rows), "last_seen": max(r.last_seen for r in rows)}


def marked_entities(rows: Iterable) -> Iterator[EntityProxy]:
    """Statement rows ordered by canonical id, merged into entities that carry their rows' provenance beside their
    properties (in the entity's context, which FtM writes into its JSON and reads back)."""
    for canonical_id, group in groupby(rows, key=attrgetter("canonical_id")):
        its_rows = list(group)
        entity = merge(canonical_id, its_rows)
        if entity is not None:
            entity.context.update(provenance(its_rows))
            yield entity


def highest(classifications: Iterable[str | None]) -> str:
    """The highest of classifications by name (UNCLASSIFIED for none): what a file holding them is marked."""
    return max((Classification[c] for c in classifications if c), default=Classification.UNCLASSIFIED).name
