"""The in-process screening index: one segment per source, so a changed list is re-indexed alone.

    index = ScreenIndex()
    index.add_entities("un-sc", entities)          # FtM entities
    index.add_statements(snapshot)                 # pyarrow statement rows, one segment per source
    index.remove_source("un-sc")

A segment holds its profiles, their analysed names (parts interned in the shared
`Vocabulary`), and numpy postings from candidate keys (part text, consonant skeleton,
metaphone, given-name symbols, part pairs) and document numbers to rows. Adding or
removing a source builds or drops that source's segment only.
"""

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from followthemoney import EntityProxy

from nexus.names import AnalyzedName, NameType, PartKind, analyze_name
from nexus.names.part_table import letter_counts
from nexus.names.parts import Role, role_map, with_roles
from nexus.screen.postings import Postings
from nexus.screen.profiles import Profile, entity_rows, profiles_from_rows
from nexus.screen.vocabulary import Vocabulary, pair_keys

_CONFLICT_KINDS = frozenset({PartKind.NUMERIC, PartKind.PATRONYMIC})


def name_arrays(vocabulary: Vocabulary, names: list[AnalyzedName]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CSR offsets and flat part ids of analysed names, and whether each can hold a number/patronymic conflict."""
    lengths = np.fromiter((len(n.parts) for n in names), dtype=np.int64, count=len(names))
    offsets = np.zeros(len(names) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    flat = np.fromiter((vocabulary.part_id(p) for n in names for p in n.parts), dtype=np.int64, count=int(offsets[-1]))
    conflicts = np.fromiter((any(p.kind in _CONFLICT_KINDS for p in n.parts) for n in names), dtype=bool, count=len(names))
    return offsets, flat, conflicts


def _profile_names(profile: Profile) -> list[AnalyzedName]:
    name_type = NameType.of_schema(profile.schema)
    roles = role_map(
        profile.roles.get("firstName", []),
        profile.roles.get("lastName", []),
        profile.roles.get("middleName", []),
        profile.roles.get("fatherName", []) + profile.roles.get("patronymic", []),
    )
    roles = {text: role for text, role in roles.items() if role is Role.FAMILY or role is Role.PATRONYMIC}
    names = [analyze_name(n, name_type) for n in profile.names]
    return [with_roles(n, roles) if roles else n for n in names if n.parts]


@dataclass(frozen=True)
class Compacts:
    """Names written as one word (`AnalyzedName.compact`), with their lengths and letter counts."""

    texts: list[str]
    lengths: np.ndarray
    bags: np.ndarray

    @classmethod
    def of(cls, names: list[AnalyzedName]) -> "Compacts":
        texts = [n.compact for n in names]
        lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
        return cls(texts, lengths, letter_counts(texts))


@dataclass
class Segment:
    source: str
    profiles: list[Profile]
    names: list[AnalyzedName]
    name_entity: np.ndarray
    part_offsets: np.ndarray
    part_ids: np.ndarray
    name_conflicts: np.ndarray
    compacts: Compacts
    singles: Postings
    pairs: Postings
    documents: Postings  # document key → entity row


def build_segment(source: str, profiles: list[Profile], vocabulary: Vocabulary) -> Segment:
    names: list[AnalyzedName] = []
    owners: list[int] = []
    for row, profile in enumerate(profiles):
        for name in _profile_names(profile):
            names.append(name)
            owners.append(row)
    offsets, flat, conflicts = name_arrays(vocabulary, names)
    single_keys: list[int] = []
    single_rows: list[int] = []
    pair_keys_: list[int] = []
    pair_rows: list[int] = []
    for row, name in enumerate(names):
        keys = {k for pid in flat[offsets[row] : offsets[row + 1]].tolist() for k in vocabulary.keys_of_part(pid)}
        single_keys.extend(keys)
        single_rows.extend([row] * len(keys))
        pairs = {vocabulary.key_id(k) for k in pair_keys(name)}
        pair_keys_.extend(pairs)
        pair_rows.extend([row] * len(pairs))
    doc_keys = [(vocabulary.key_id(f"d:{d}"), row) for row, p in enumerate(profiles) for d in p.documents if d]
    return Segment(
        source=source,
        profiles=profiles,
        names=names,
        name_entity=np.asarray(owners, dtype=np.int32),
        part_offsets=offsets,
        part_ids=flat,
        name_conflicts=conflicts,
        compacts=Compacts.of(names),
        singles=Postings(single_keys, single_rows),
        pairs=Postings(pair_keys_, pair_rows),
        documents=Postings([k for k, _ in doc_keys], [r for _, r in doc_keys]),
    )


class ScreenIndex:
    def __init__(self) -> None:
        self.vocabulary = Vocabulary()
        self.segments: dict[str, Segment] = {}

    def add_statements(self, table: pa.Table) -> list[str]:
        """Index statement rows (canonical_id, schema, prop, prop_type, value, source); returns the sources (re)built."""
        sources = sorted(s for s in pc.unique(table.column("source")).to_pylist() if s is not None)
        for source in sources:
            rows = table.filter(pc.equal(table.column("source"), source))
            self.segments[source] = build_segment(source, list(profiles_from_rows(rows)), self.vocabulary)
        return sources

    def add_entities(self, source: str, entities: Iterable[EntityProxy]) -> None:
        """Index (or re-index) one source's FtM entities."""
        self.segments.pop(source, None)
        self.add_statements(entity_rows(entities, source))
        self.segments.setdefault(source, build_segment(source, [], self.vocabulary))

    def remove_source(self, source: str) -> None:
        self.segments.pop(source, None)

    @property
    def sources(self) -> list[str]:
        return sorted(self.segments)

    def __len__(self) -> int:
        return sum(len(s.profiles) for s in self.segments.values())
