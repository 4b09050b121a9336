"""`analyze_name` over a column of names, with Python work per distinct token instead of per name.

    column = analyze_column(names, [NameType.PERSON] * len(names))   # list or Arrow array
    column.part_ids(row)   # indices into column.parts
    column.name(row)       # the AnalyzedName, equal to analyze_name(names[row], type)

Arrow splits the names into tokens; each distinct token is transliterated, tagged and
keyed once (`make_part`); numpy assigns the family-name role. Names that need a rule
looking beyond one token go through `analyze_name` itself: organisation names (legal
forms spanning words), names with a comma (family name first), apostrophes inside words,
CamelCase, a leading honorific, Arabic compounds (Abd al-, Abu, -ullah, articles), or one
ASCII form reached from two spellings. The result is the same either way; tests compare
the two on names in every script the synthetic world and the lists use.
"""

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from rigour._core import person_name_prefixes_list

from nexus.names.parts import (
    MAX_NAME_CHARS,
    AnalyzedName,
    NameType,
    Part,
    PartKind,
    Role,
    _with_role,
    analyze_name,
    family_positions,
    is_context_token,
    make_part,
    split_token,
)
from nexus.names.similarity import run_ranks
from nexus.names.tokens import split_tokens
from nexus.names.translit import token_ascii

_NEEDS_WHOLE_NAME = r"[,'’‘`ʿʾ]|[a-z][A-Z][a-z]"
SMALL_COLUMN = 16
_TYPES = list(NameType)


@lru_cache(maxsize=1)
def _honorific_heads() -> frozenset[str]:
    """First words of the honorifics `remove_person_prefixes` strips (Dr, His Excellency, …)."""
    return frozenset(re.split(r"\W+", p.casefold())[0] for p in person_name_prefixes_list())


@dataclass(frozen=True, slots=True)
class _Token:
    parts: tuple[Part, ...]
    context: bool  # takes part in a rule spanning tokens (Arabic compounds, articles)
    honorific: bool  # would be stripped as a title if it came first (Dr, His Excellency, …)


@lru_cache(maxsize=200_000)
def _analyze_token(raw: str, name_type: NameType) -> _Token:
    pieces = split_token(raw.casefold())
    kept = [(t, p) for t, p in ((token_ascii(p), p) for p in pieces) if t]
    return _Token(
        parts=tuple(make_part(t, p, name_type) for t, p in kept),
        context=any(is_context_token(t) for t, _ in kept),
        honorific=name_type is NameType.PERSON and bool(pieces) and pieces[0] in _honorific_heads(),
    )


@dataclass
class NameColumn:
    """Analysed names in CSR form: row i's parts are `parts[part_index[offsets[i]:offsets[i + 1]]]`."""

    originals: list[str]
    name_types: list[NameType]
    offsets: np.ndarray
    part_index: np.ndarray
    parts: list[Part]

    def __len__(self) -> int:
        return len(self.originals)

    def part_ids(self, row: int) -> np.ndarray:
        return self.part_index[self.offsets[row] : self.offsets[row + 1]]

    def name(self, row: int) -> AnalyzedName:
        parts = tuple(self.parts[i] for i in self.part_ids(row).tolist())
        return AnalyzedName(self.originals[row], self.name_types[row], parts)

    @classmethod
    def of_names(cls, names: list[AnalyzedName]) -> "NameColumn":
        """A column from names already analysed (a single query and its aliases)."""
        interned = _Interned()
        flat = [interned.id(p) for n in names for p in n.parts]
        return cls([n.original for n in names], [n.name_type for n in names],
                   _offsets(np.asarray([len(n.parts) for n in names], dtype=np.int64)),
                   np.asarray(flat, dtype=np.int64), interned.parts)

    @classmethod
    def concat(cls, columns: list["NameColumn"]) -> "NameColumn":
        """Several columns as one, rows in order."""
        part_starts = np.cumsum([0, *(len(c.parts) for c in columns)])[:-1].tolist()
        row_starts = np.cumsum([0, *(int(c.offsets[-1]) for c in columns)])[:-1].tolist()
        return cls([o for c in columns for o in c.originals], [t for c in columns for t in c.name_types],
                   np.concatenate([[0], *(c.offsets[1:] + start for c, start in zip(columns, row_starts, strict=True))]),
                   np.concatenate([np.zeros(0, np.int64),
                                   *(c.part_index + start for c, start in zip(columns, part_starts, strict=True))]),
                   [p for c in columns for p in c.parts])


class _Interned:
    def __init__(self) -> None:
        self.parts: list[Part] = []
        self._ids: dict[Part, int] = {}

    def id(self, part: Part) -> int:
        found = self._ids.get(part)
        if found is None:
            found = self._ids[part] = len(self.parts)
            self.parts.append(part)
        return found


def _offsets(lengths: np.ndarray) -> np.ndarray:
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return offsets


def analyze_column(names: list[str | None] | pa.Array, name_types: list[NameType]) -> NameColumn:
    """Every name analysed as `analyze_name(name, type)` would (None counts as an empty name).

    Fewer than `SMALL_COLUMN` names (a server's single queries) go through `analyze_name` one by one: the column's
    Arrow calls cost more than they save below that."""
    if len(names) < SMALL_COLUMN:
        texts = names.to_pylist() if isinstance(names, (pa.Array, pa.ChunkedArray)) else names
        return NameColumn.of_names([analyze_name(text or "", t) for text, t in zip(texts, name_types, strict=True)])
    array = names.cast(pa.string()) if isinstance(names, pa.Array) else pa.array(names, pa.string())
    array = pc.fill_null(array, "")
    originals = array.to_pylist()
    array = pc.utf8_slice_codeunits(array, 0, MAX_NAME_CHARS)
    row_type = np.asarray([_TYPES.index(t) for t in name_types], dtype=np.int64)
    fast = ~pc.match_substring_regex(array, _NEEDS_WHOLE_NAME).to_numpy(zero_copy_only=False)
    fast &= row_type != _TYPES.index(NameType.ORGANIZATION)

    tokens = split_tokens(array)
    raw = pc.list_flatten(tokens)
    token_row = np.repeat(np.arange(len(array)), np.diff(tokens.offsets.to_numpy()))
    non_empty = pc.not_equal(raw, "").to_numpy(zero_copy_only=False)
    raw, token_row = raw.filter(pa.array(non_empty)), token_row[non_empty]
    distinct = pc.unique(raw)
    codes = pc.index_in(raw, distinct).to_numpy().astype(np.int64) * len(_TYPES) + row_type[token_row]
    keys, token_of = np.unique(codes, return_inverse=True)
    texts = distinct.to_pylist()
    analysed = [_analyze_token(texts[k // len(_TYPES)], _TYPES[k % len(_TYPES)]) for k in keys.tolist()]

    context = np.asarray([a.context for a in analysed], dtype=bool)[token_of]
    first = np.r_[True, token_row[1:] != token_row[:-1]] if len(token_row) else np.empty(0, bool)
    context |= first & np.asarray([a.honorific for a in analysed], dtype=bool)[token_of]
    fast[token_row[context]] = False
    person = row_type == _TYPES.index(NameType.PERSON)
    return _assemble(originals, list(name_types), fast, person, token_of, token_row, analysed)


def _assemble(originals, name_types, fast, person, token_of, token_row, analysed: list[_Token]) -> NameColumn:
    interned = _Interned()
    # Per distinct token: its parts as ids, and the id each would have as a family name.
    counts = np.asarray([len(a.parts) for a in analysed], dtype=np.int64)
    plain = np.asarray([interned.id(p) for a in analysed for p in a.parts], dtype=np.int64)
    family = np.asarray([interned.id(_with_role(p, Role.FAMILY)) for a in analysed for p in a.parts], dtype=np.int64)

    keep = fast[token_row]
    token_of, per = token_of[keep], counts[token_of[keep]]
    owner = np.repeat(token_row[keep], per)
    position = np.repeat(np.cumsum(counts)[token_of] - per, per) + run_ranks(per)
    is_name = np.asarray([p.kind is PartKind.NAME for p in interned.parts], dtype=bool)
    flat = _assume_family(plain[position], family[position], owner, is_name, person)
    # One ASCII form from two spellings: analyze_name gives both the last spelling's symbols.
    fast[_repeated_parts(plain[position], owner, interned.parts)] = False

    lengths = np.bincount(owner, minlength=len(originals))
    lengths[~fast] = 0
    slow = {row: [interned.id(p) for p in analyze_name(originals[row], name_types[row]).parts] for row in np.flatnonzero(~fast).tolist()}
    for row, ids in slow.items():
        lengths[row] = len(ids)
    offsets = _offsets(lengths)
    part_index = np.empty(int(offsets[-1]), dtype=np.int64)
    in_fast = fast[owner]
    part_index[np.repeat(offsets[:-1][fast], lengths[fast]) + run_ranks(lengths[fast])] = flat[in_fast]
    for row, ids in slow.items():
        part_index[offsets[row] : offsets[row] + len(ids)] = ids
    return NameColumn(originals, name_types, offsets, part_index, interned.parts)


def _repeated_parts(flat: np.ndarray, owner: np.ndarray, parts: list[Part]) -> np.ndarray:
    """Rows in which two parts have the same text."""
    text_ids: dict[str, int] = {}
    text_of = np.asarray([text_ids.setdefault(p.text, len(text_ids)) for p in parts], dtype=np.int64)
    codes = np.sort(owner.astype(np.int64) * max(len(text_ids), 1) + text_of[flat])
    return np.unique(codes[1:][codes[1:] == codes[:-1]] // max(len(text_ids), 1))


def _assume_family(flat: np.ndarray, family_flat: np.ndarray, owner: np.ndarray, is_name: np.ndarray, person: np.ndarray) -> np.ndarray:
    """In person names, the family name `parts.family_positions` picks takes the family role (no comma here: first names first)."""
    out = flat.copy()
    at = family_positions(is_name[flat] & person[owner], owner, np.zeros(len(person), dtype=bool))
    out[at] = family_flat[at]
    return out
