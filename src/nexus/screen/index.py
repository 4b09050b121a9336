"""The in-process screening index: one segment per source, so a changed list is re-indexed alone.

    index = ScreenIndex()
    index.add_entities("un-sc", entities)          # FtM entities
    index.add_statements(snapshot)                 # pyarrow statement rows, one segment per source
    index.remove_source("un-sc")

A segment holds its profiles, their analysed names (parts interned in the shared
`Vocabulary`; weak aliases flagged, as screening weighs them less), and numpy postings
from candidate keys (part text, consonant skeleton, metaphone, given-name symbols, part
pairs) and document numbers to rows. Adding or removing a source builds or drops that
source's segment only.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from followthemoney import EntityProxy, model
from rigour.names import NamePartTag

from nexus.model.matching import NAME_PARTS, WEAK_NAMES
from nexus.names import AnalyzedName, NameType, PartKind
from nexus.names.batch import NameColumn, analyze_column
from nexus.names.dates import birth_years
from nexus.names.parts import role_map, with_roles
from nexus.screen.postings import Postings
from nexus.screen.profiles import Profile, entity_rows, profiles_from_rows
from nexus.screen.vocabulary import Vocabulary

_CONFLICT_KINDS = (PartKind.NUMERIC, PartKind.PATRONYMIC)
_PROPER_KINDS = (PartKind.NAME, PartKind.PATRONYMIC)


def _profile_names(profiles: list[Profile]) -> tuple[list[AnalyzedName], list[int], list[bool]]:
    """Every profile's analysed names (those with parts), the profile row of each and whether it is a weak name.

    Names are analysed as one column; a profile's family-name and patronymic properties
    (lastName, fatherName, …) then set the roles of the parts they name.
    """
    rows = [row for row, p in enumerate(profiles) for _ in p.names]
    types = {p.schema: NameType.of_schema(p.schema) for p in profiles}
    column = analyze_column([n for p in profiles for n in p.names], [types[profiles[row].schema] for row in rows])
    weak = [prop in WEAK_NAMES for p in profiles for prop in p.names.values()]
    roles_of: dict[int, dict] = {}
    names, owners, weak_names = [], [], []
    for i, row in enumerate(rows):
        name = column.name(i)
        if not name.parts:
            continue
        if row not in roles_of:
            roles_of[row] = _profile_roles(profiles[row])
        names.append(with_roles(name, roles_of[row]) if roles_of[row] else name)
        owners.append(row)
        weak_names.append(weak[i])
    return names, owners, weak_names


def _profile_roles(profile: Profile) -> dict:
    """Roles of the parts a profile's family-name and parents'-name properties name (FtM's part tags)."""
    family, parents = [], []
    for prop, values in profile.roles.items():
        tags = NAME_PARTS[prop]
        if tags == (NamePartTag.FAMILY,):
            family.extend(values)
        elif NamePartTag.FAMILY in tags:  # a father's or mother's name: a patronymic, or a second family name
            parents.extend(values)
    return role_map([], family, [], parents) if family or parents else {}


@dataclass(frozen=True)
class Compacts:
    """Names written as one word (`AnalyzedName.compact`): lengths and letter counts, texts on demand."""

    lengths: np.ndarray
    bags: np.ndarray
    text: Callable[[int], str]


@dataclass(frozen=True)
class NameArrays:
    """Analysed names as arrays over the shared vocabulary (CSR part ids), for vectorised scoring."""

    column: NameColumn
    part_ids: np.ndarray
    conflicts: np.ndarray  # the name has a number or patronymic that could contradict the other's
    latin: np.ndarray  # the name is written in Latin script (its first part is)
    compacts: Compacts
    # What is worked out once per name on demand (`candidates._joined_keys`): the arrays never change.
    derived: dict = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def of(cls, vocabulary: Vocabulary, column: NameColumn, compact_texts: list[str] | None = None) -> "NameArrays":
        """Arrays for a column of names; `compact_texts` (their one-word forms) if known, else made on demand."""
        part_ids = vocabulary.part_ids(column.parts)[column.part_index]
        table = vocabulary.table
        kind = table.column("kind")[part_ids]
        conflicting = np.isin(kind, [table.kind_code(k) for k in _CONFLICT_KINDS])
        joined = kind != table.kind_code(PartKind.LEGAL)
        lengths = _row_sums(column.offsets, np.where(joined, table.column("length")[part_ids], 0))
        bags = _row_sums(column.offsets, np.where(joined[:, None], table.column("bag")[part_ids], 0))
        starts = column.offsets[:-1]
        has_parts = column.offsets[1:] > starts  # a name of punctuation alone has none
        latin = np.zeros(len(column), bool)
        latin[has_parts] = table.column("latin")[part_ids[starts[has_parts]]]
        return cls(
            column=column,
            part_ids=part_ids,
            conflicts=_row_sums(column.offsets, conflicting) > 0,
            latin=latin,
            compacts=Compacts(lengths, bags.astype(np.int16),
                              compact_texts.__getitem__ if compact_texts is not None else lambda row: column.name(row).compact),
        )

    @classmethod
    def concat(cls, arrays: list["NameArrays"]) -> "NameArrays":
        """Several name arrays over one vocabulary as one, rows in order."""
        starts = np.cumsum([0, *map(len, arrays)])

        def text(row: int) -> str:
            at = int(np.searchsorted(starts, row, side="right")) - 1
            return arrays[at].compacts.text(row - int(starts[at]))

        return cls(
            column=NameColumn.concat([a.column for a in arrays]),
            part_ids=np.concatenate([np.zeros(0, np.int64), *(a.part_ids for a in arrays)]),
            conflicts=np.concatenate([np.zeros(0, bool), *(a.conflicts for a in arrays)]),
            latin=np.concatenate([np.zeros(0, bool), *(a.latin for a in arrays)]),
            compacts=Compacts(np.concatenate([np.zeros(0, np.int64), *(a.compacts.lengths for a in arrays)]),
                              np.concatenate([a.compacts.bags for a in arrays]), text),
        )

    @property
    def offsets(self) -> np.ndarray:
        return self.column.offsets

    def __len__(self) -> int:
        return len(self.column)

    def name(self, row: int) -> AnalyzedName:
        return self.column.name(row)


#: A skeleton this long tells names apart well enough to count how common a part is by it; a shorter one lumps
#: different names together (Shekau, Sakka and Isaak are all "sk"), so those count by their text.
MIN_SOUND_SKELETON = 3


def sound_keys(vocabulary: Vocabulary, part_ids: np.ndarray) -> np.ndarray:
    """Per part: the key by which how common it is counts (its consonant skeleton; short ones by their text)."""
    table = vocabulary.table
    long = table.column("skeleton_length")[part_ids] >= MIN_SOUND_SKELETON
    return np.where(long, table.column("skeleton")[part_ids], table.column("word_id")[part_ids])


def entity_counts(vocabulary: Vocabulary, names: NameArrays, name_entity: np.ndarray) -> np.ndarray:
    """Per sound key (`sound_keys`): how many entities have a name with a part of that sound."""
    if not len(names.part_ids):
        return np.zeros(0, np.int64)
    keys = sound_keys(vocabulary, names.part_ids).astype(np.int64)
    entity = name_entity[np.repeat(np.arange(len(names)), np.diff(names.offsets))].astype(np.int64)
    width = int(keys.max()) + 1
    distinct = np.unique(entity * width + keys) % width
    return np.bincount(distinct, minlength=width)


def name_information(vocabulary: Vocabulary, names: NameArrays, listed: int, counts: np.ndarray) -> np.ndarray:
    """Per name: the bits its proper parts carry among `listed` entities, log2(listed / entities with the part's sound), summed."""
    part_ids = names.part_ids
    keys = sound_keys(vocabulary, part_ids)
    known = (keys >= 0) & (keys < len(counts))
    carriers = np.ones(len(part_ids))
    carriers[known] = np.maximum(counts[keys[known]], 1)
    proper = np.isin(vocabulary.table.column("kind")[part_ids], [vocabulary.table.kind_code(k) for k in _PROPER_KINDS])
    bits = np.where(proper, np.log2(max(listed, 1) / carriers), 0.0)
    return _row_sums(names.offsets, bits)


def _row_sums(offsets: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Sum of `values` over each CSR row (empty rows sum to zero). Each row is summed on its own: differences of
    a running total would round a name's sum by what came before it in the batch."""
    out = np.zeros((len(offsets) - 1, *values.shape[1:]), dtype=np.result_type(values.dtype, np.int64))
    filled = np.flatnonzero(np.diff(offsets) > 0)
    if len(filled):
        out[filled] = np.add.reduceat(values, offsets[filled], axis=0)
    return out


class Schemata:
    """The schema of each profile of a segment, and which query schemata may match it (FtM `can_match`)."""

    def __init__(self, profiles: list[Profile]) -> None:
        self.names = sorted({p.schema for p in profiles})
        codes = {name: i for i, name in enumerate(self.names)}
        self.of_profile = np.asarray([codes[p.schema] for p in profiles], dtype=np.int64)

    def allow(self, query_schemata: list[str | None], queries: np.ndarray, profiles: np.ndarray) -> np.ndarray:
        """For each (query index, profile row): may a query of that schema match it? A query without one matches any."""
        distinct = sorted({s for s in query_schemata if s is not None})
        if not distinct:
            return np.ones(len(queries), dtype=bool)
        code = {s: i for i, s in enumerate(distinct)}
        query_codes = np.asarray([code[s] if s is not None else len(distinct) for s in query_schemata], dtype=np.int64)
        table = np.ones((len(distinct) + 1, max(len(self.names), 1)), dtype=bool)
        for i, query_schema in enumerate(distinct):
            table[i, : len(self.names)] = [model.get(query_schema).can_match(model.get(name)) for name in self.names]
        return table[query_codes[queries], self.of_profile[profiles]]


@dataclass
class Segment:
    source: str
    profiles: list[Profile]
    names: NameArrays
    name_entity: np.ndarray
    name_weak: np.ndarray  # the name is a weak alias (FtM weakAlias, abbreviation): not sufficient on its own
    entity_latin: np.ndarray  # per profile: the list writes one of its names in Latin script
    entity_other: np.ndarray  # per profile: ... and in another script

    def transliterated(self, queries: NameArrays, q_rows: np.ndarray, r_rows: np.ndarray) -> np.ndarray:
        """Per candidate: the listed name is in another script than the query name, and the entity has a name in the query's."""
        q_latin, r_latin = queries.latin[q_rows], self.names.latin[r_rows]
        entity = self.name_entity[r_rows]
        return np.where(q_latin, ~r_latin & self.entity_latin[entity], r_latin & self.entity_other[entity])
    schemata: Schemata
    singles: Postings
    pairs: Postings
    dated: Postings  # a name's pair tokens with its entity's birth years (`Vocabulary.dated_keys`)
    documents: Postings  # document key → entity row
    sound_entities: np.ndarray  # per sound key (`sound_keys`): how many of the segment's entities carry it


def build_segment(source: str, profiles: list[Profile], vocabulary: Vocabulary) -> Segment:
    names, owners, weak = _profile_names(profiles)
    arrays = NameArrays.of(vocabulary, NameColumn.of_names(names), [n.compact for n in names])
    single_rows, single_keys = vocabulary.single_keys(arrays.offsets, arrays.part_ids, create=True)
    pair_rows, pair_keys = vocabulary.pair_keys(arrays.offsets, arrays.part_ids, create=True)
    owners = np.asarray(owners, dtype=np.int32)
    dated_rows, dated_keys = vocabulary.dated_keys(arrays.offsets, arrays.part_ids, name_years(profiles, owners), create=True)
    entity_latin, entity_other = np.zeros(len(profiles), bool), np.zeros(len(profiles), bool)
    entity_latin[owners[arrays.latin]] = True
    entity_other[owners[~arrays.latin]] = True
    doc_keys = [(vocabulary.key_id(f"d:{d}"), row) for row, p in enumerate(profiles) for d in p.documents if d]
    return Segment(
        source=source,
        profiles=profiles,
        names=arrays,
        name_entity=owners,
        name_weak=np.asarray(weak, dtype=bool),
        entity_latin=entity_latin,
        entity_other=entity_other,
        schemata=Schemata(profiles),
        singles=Postings(single_keys, single_rows),
        pairs=Postings(pair_keys, pair_rows),
        dated=Postings(dated_keys, dated_rows),
        documents=Postings([k for k, _ in doc_keys], [r for _, r in doc_keys]),
        sound_entities=entity_counts(vocabulary, arrays, owners),
    )


def name_years(profiles: list[Profile], owners: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(name row, year) for every birth year (`birth_years`) of each name's profile, by row."""
    years = [birth_years(p.birth_dates) for p in profiles]
    counts = np.asarray([len(years[o]) for o in owners.tolist()], dtype=np.int64)
    flat = np.fromiter((y for o in owners.tolist() for y in years[o]), dtype=np.int64, count=int(counts.sum()))
    return np.repeat(np.arange(len(owners)), counts), flat


class ScreenIndex:
    def __init__(self) -> None:
        self.vocabulary = Vocabulary()
        self.segments: dict[str, Segment] = {}
        # Worked out on demand, dropped when a segment changes:
        self._commonness: tuple[int, np.ndarray] | None = None
        self._all_names: tuple[NameArrays, dict[str, int]] | None = None

    def add_statements(self, table: pa.Table) -> list[str]:
        """Index statement rows (canonical_id, schema, prop, prop_type, value, source); returns the sources (re)built."""
        sources = sorted(s for s in pc.unique(table.column("source")).to_pylist() if s is not None)
        for source in sources:
            rows = table.filter(pc.equal(table.column("source"), source))
            self.segments[source] = build_segment(source, list(profiles_from_rows(rows)), self.vocabulary)
        self._segments_changed()
        return sources

    def add_entities(self, source: str, entities: Iterable[EntityProxy]) -> None:
        """Index (or re-index) one source's FtM entities."""
        self.segments.pop(source, None)
        self.add_statements(entity_rows(entities, source))
        self.segments.setdefault(source, build_segment(source, [], self.vocabulary))
        self._segments_changed()

    def _segments_changed(self) -> None:
        self._commonness = self._all_names = None

    def all_names(self) -> tuple[NameArrays, dict[str, int]]:
        """Every segment's names as one array (a query's candidates in all segments are scored in one pass), and the
        row each segment's names start at."""
        if self._all_names is None:
            names = [s.names for s in self.segments.values()]
            starts = np.cumsum([0, *map(len, names)]).tolist()
            self._all_names = (NameArrays.concat(names), dict(zip(self.segments, starts, strict=False)))
        return self._all_names

    def commonness(self) -> tuple[int, np.ndarray]:
        """(listed entities, per sound key how many of them carry it) over every segment: how common a name part is."""
        if self._commonness is None:
            counts = [s.sound_entities for s in self.segments.values()]
            total = np.zeros(max((len(c) for c in counts), default=0), np.int64)
            for c in counts:
                total[: len(c)] += c
            self._commonness = (len(self), total)
        return self._commonness

    def remove_source(self, source: str) -> None:
        self.segments.pop(source, None)
        self._segments_changed()

    @property
    def sources(self) -> list[str]:
        return sorted(self.segments)

    def __len__(self) -> int:
        return sum(len(s.profiles) for s in self.segments.values())
