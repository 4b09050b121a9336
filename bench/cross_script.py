"""Cross-script recall on the UN list: original-script names find their Latin-script listing.

    .venv/bin/python bench/cross_script.py

Every NAME_ORIGINAL_SCRIPT name of the 2017 UN Consolidated List is a query; the index is
the same list with all non-Latin names removed, so a query can only find its listing
through transliteration, phonetic keys and name symbols. The headline is recall@1 at the
default threshold (the right entity first, with a hit at or above SCREEN_THRESHOLD); rank 1
at any score is printed beside it, labelled. Baseline in the same run: plain
transliteration (normality/ICU ascii_text) plus token-sorted Levenshtein similarity,
ranked over all names (it has no threshold). `bench/screen_eval.py` runs the same
queries without a schema, split into dev and held-out halves, beside logic-v2.
"""

from pathlib import Path

from _common import UN_LIST, require, timed
from followthemoney import registry
from lxml import etree
from normality import ascii_text
from rigour.text import levenshtein
from rigour.text.scripts import is_latin

from nexus.screen import SCREEN_THRESHOLD, Query, ScreenIndex, screen_one
from nexus.sources.un_sc import UNSCFormat


def original_script_queries(path: Path) -> list[tuple[str, str, str]]:
    """(entity id, schema, original-script name) for every NAME_ORIGINAL_SCRIPT in the list."""
    out = []
    for tag, schema in (("INDIVIDUAL", "Person"), ("ENTITY", "Organization")):
        for node in etree.parse(str(path)).iter(tag):
            for original in node.iterfind("NAME_ORIGINAL_SCRIPT"):
                if original.text and original.text.strip():
                    out.append((f"unsc-{node.findtext('DATAID').strip()}", schema, original.text.strip()))
    return out


def latin_only(entities):
    for entity in entities:
        for prop in ("name", "alias", "weakAlias", "previousName"):
            if prop in entity.schema.properties:
                values = entity.get(prop)
                entity.set(prop, [v for v in values if is_latin(v)])
        yield entity


def _fold(text: str) -> str:
    return " ".join(sorted(ascii_text(text).lower().replace("-", " ").split()))


def baseline_rank1(queries, entities) -> int:
    names = [(e.id, _fold(n)) for e in entities for n in e.get_type_values(registry.name)]
    correct = 0
    for entity_id, _, text in queries:
        folded = _fold(text)
        best = max(names, key=lambda item: 1 - levenshtein(folded, item[1]) / max(len(folded), len(item[1]), 1))
        correct += best[0] == entity_id
    return correct


def main() -> None:
    path = require(UN_LIST)
    queries = original_script_queries(path)
    entities = [e for record in UNSCFormat().read(path) for e in record.entities]
    listed = [e for e in latin_only(entities) if e.schema.name in ("Person", "Organization")]
    with timed("index"):
        index = ScreenIndex()
        index.add_entities("un-sc", listed)
    found = at_threshold = 0
    with timed(f"nexus, {len(queries)} queries"):
        for entity_id, schema, text in queries:
            hits = screen_one(index, Query(text, schema=schema), threshold=0.0, limit=1)
            found += bool(hits) and hits[0].entity_id == entity_id
            at_threshold += bool(hits) and hits[0].entity_id == entity_id and hits[0].score >= SCREEN_THRESHOLD
    with timed("baseline"):
        baseline = baseline_rank1(queries, listed)
    n = len(queries)
    print(f"\nqueries: {n} original-script names, schema given")
    print(f"nexus.screen recall@1 at the threshold ({SCREEN_THRESHOLD}): {at_threshold / n:.3f}  ({at_threshold}/{n})")
    print(f"  (rank 1 at any score:                 {found / n:.3f}  ({found}/{n}))")
    print(f"baseline (ascii_text + Levenshtein), rank 1: {baseline / n:.3f}  ({baseline}/{n})")


if __name__ == "__main__":
    main()
