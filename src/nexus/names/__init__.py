"""Name analysis shared by screening and entity resolution.

Single names:
- `analyze_name(name, NameType.of_schema(schema)) -> AnalyzedName`: parts with ASCII form,
  consonant skeleton, metaphone, rigour symbols and kind (name, patronymic, initial,
  particle, legal form, number); Arabic compounds joined, articles dropped.
- `compare_names(query, result) -> NameComparison`: score 0..1 and per-part explanation;
  names are also compared written as one word (split or joined words).
  `NAME_MATCH_THRESHOLD` is the score at which two names are taken to be the same.

Rigour's symbols (given-name ids, nicknames, legal forms) are remembered per token on
disk (`nexus.names.symbols`, $NEXUS_CACHE_DIR or ~/.cache/nexus), so that a process
whose tokens are known never builds rigour's person-name tagger (10–40 s).
Tuning constants (part scores, weights, penalties, evidence weights) are fields of
`nexus.names.config.SCORING`, one frozen `ScoringConfig`.
- `name_script(name)`, `token_ascii(token)`, `skeleton(token)`, `metaphone(token)`.

A column of names: `nexus.names.batch.analyze_column(names, types) -> NameColumn`, the same
parts as `analyze_name` gives each, with Python work once per distinct token (screening
batches use it).

Columns (lists or Arrow arrays in, Arrow arrays out; work is done once per distinct
value, so millions of rows cost what their distinct names cost):
- `ascii_names(names, schemas=None)`: the comparable ASCII form, parts space-separated;
- `name_part_keys(names, schemas=None)`: list<string> of part texts;
- `phonetic_keys(names, schemas=None)`: list<string> of part skeletons;
- `dob_parts(dates)`: struct<year, month, day, earliest, latest> from FtM dates
  ("1970-03-02", "1970-03", "1970", "1968/1972" ranges).
"""

from nexus.names.config import SCORING, ScoringConfig
from nexus.names.columns import ascii_names, dob_parts, name_part_keys, phonetic_keys
from nexus.names.dates import DateRange, compare_dates, parse_date
from nexus.names.parts import AnalyzedName, NameType, Part, PartKind, Role, analyze_name
from nexus.names.phonetic import metaphone, skeleton
from nexus.names.scripts import name_script, name_scripts
from nexus.names.similarity import NameComparison, compare_names, part_similarity
from nexus.names.translit import token_ascii

NAME_MATCH_THRESHOLD = SCORING.name_match_threshold

__all__ = [
    "NAME_MATCH_THRESHOLD",
    "SCORING",
    "AnalyzedName",
    "DateRange",
    "NameComparison",
    "NameType",
    "Part",
    "PartKind",
    "ScoringConfig",
    "Role",
    "analyze_name",
    "ascii_names",
    "compare_dates",
    "compare_names",
    "dob_parts",
    "metaphone",
    "name_part_keys",
    "name_script",
    "name_scripts",
    "parse_date",
    "part_similarity",
    "phonetic_keys",
    "skeleton",
    "token_ascii",
]
