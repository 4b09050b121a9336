"""Statements pivoted to one comparison record per entity, with the derived match keys.

The SQL is generated for one dialect at a time ("duckdb" or "spark") and differs only
where the engines do: the `_replace_all` and `_sorted_set` helpers. Everything else is
the common subset (lower, trim, substr, split_part, regexp_extract, FILTER clauses).

Name-part keys come from `nexus.names` (`token_ascii`, `metaphone`, `skeleton`). They are computed once per *distinct* name part, a vocabulary far smaller
than the record count, and joined back in SQL, so the engine does the per-record work.
"""

from dataclasses import dataclass

import pyarrow as pa

from nexus.names import metaphone, skeleton, token_ascii

PERSON = "Person"
ORGANIZATIONS = ("Company", "Organization", "LegalEntity", "PublicBody")

# FtM properties feeding each record field, in order of preference where one is taken.
_FIELDS: dict[str, tuple[str, ...]] = {
    "name": ("name",),
    "first_name": ("firstName",),
    "last_name": ("lastName",),
    "birth_date": ("birthDate", "incorporationDate"),
    "country": ("nationality", "citizenship", "jurisdiction", "country"),
    "id_number": ("idNumber", "passportNumber", "taxNumber", "registrationNumber", "innCode", "ogrnCode",
                  "documentNumber"),
    "address": ("address",),
    "phone": ("phone",),
    "email": ("email",),
}

# Identity documents FtM keeps as entities of their own (the UN list's passports, a
# partner service's): their number counts as the holder's, under this pseudo-property.
_DOCUMENT_SCHEMATA = ("Passport", "Identification")
_DOCUMENT_NUMBER = "documentNumber"

RECORDS_VIEW = "nx_resolve_records"
NAME_KEYS_VIEW = "nx_resolve_name_keys"
FEATURES_VIEW = "nx_resolve_features"


@dataclass(frozen=True)
class Dialect:
    name: str

    def replace_all(self, expr: str, pattern: str, replacement: str) -> str:
        if self.name == "duckdb":
            return f"regexp_replace({expr}, '{pattern}', '{replacement}', 'g')"
        return f"regexp_replace({expr}, '{pattern}', '{replacement}')"

    def sorted_set(self, expr: str, where: str) -> str:
        """Sorted distinct non-null values of ``expr`` over the group, NULL when there are none."""
        agg = "list" if self.name == "duckdb" else "collect_set"
        distinct = "DISTINCT " if self.name == "duckdb" else ""
        return (
            f"CASE WHEN count({expr}) FILTER (WHERE {where}) = 0 THEN NULL "
            f"ELSE array_sort({agg}({distinct}{expr}) FILTER (WHERE {where} AND {expr} IS NOT NULL)) END"
        )


def _props(field: str) -> str:
    return ", ".join(f"'{p}'" for p in _FIELDS[field])


def records_sql(dialect: Dialect, statements: str = "statements") -> str:
    """One row per Person / organisation entity_id: the raw fields the model compares."""
    scalars = ",\n  ".join(
        f"min(CASE WHEN prop IN ({_props(field)}) THEN trim(value) END) AS {field}" for field in _FIELDS
    )
    kinds = ", ".join(f"'{s}'" for s in (PERSON, *ORGANIZATIONS))
    documents = ", ".join(f"'{s}'" for s in _DOCUMENT_SCHEMATA)
    return f"""
WITH own_and_held AS (
  SELECT entity_id, schema, prop, value FROM {statements} WHERE schema IN ({kinds})
  UNION ALL
  SELECT held.value, NULL, '{_DOCUMENT_NUMBER}', doc.value
  FROM {statements} held
  JOIN {statements} doc ON doc.entity_id = held.entity_id AND doc.prop = 'number'
  WHERE held.schema IN ({documents}) AND held.prop = 'holder'
)
SELECT
  entity_id AS unique_id,
  CASE WHEN min(schema) = '{PERSON}' THEN 'person' ELSE 'organization' END AS kind,
  {scalars},
  {dialect.sorted_set("trim(value)", f"prop IN ({_props('id_number')})")} AS id_numbers
FROM own_and_held
GROUP BY entity_id
HAVING count(schema) > 0
"""


def _first_part(r: str) -> str:
    return f"coalesce({r}.first_name, CASE WHEN {r}.kind = 'person' THEN split_part({r}.name, ' ', 1) END)"


def _last_part(r: str) -> str:
    return (
        f"coalesce({r}.last_name, CASE WHEN {r}.kind = 'person' "
        f"THEN regexp_extract({r}.name, '([^ ]+)$', 1) END)"
    )


def name_parts_sql() -> str:
    """The distinct name parts whose keys the vocabulary needs."""
    return f"""
SELECT DISTINCT part FROM (
  SELECT {_first_part('r')} AS part FROM {RECORDS_VIEW} r
  UNION ALL SELECT {_last_part('r')} AS part FROM {RECORDS_VIEW} r
  UNION ALL SELECT r.name AS part FROM {RECORDS_VIEW} r
) parts WHERE part IS NOT NULL
"""


def name_keys(parts: pa.Array) -> pa.Table:
    """ASCII form, metaphone and consonant skeleton of every distinct name part.

    Words are transliterated one by one (`token_ascii`) rather than through the full
    `ascii_names` analysis, which costs about 0.1 ms a name: half a minute on the
    vocabulary of a million corrupted records. Phonetic keys of a part with several
    words ("Ben Ali") are those of the words run together.
    """
    ascii_forms = [" ".join(filter(None, map(token_ascii, part.split()))) for part in parts.to_pylist()]
    compact = [form.replace(" ", "") for form in ascii_forms]
    return pa.table(
        {
            "part": parts.cast(pa.string()),
            "ascii": pa.array([form or None for form in ascii_forms], pa.string()),
            "metaphone": pa.array([metaphone(c) or None for c in compact], pa.string()),
            "skeleton": pa.array([skeleton(c) or None for c in compact], pa.string()),
        }
    )


def features_sql(dialect: Dialect) -> str:
    """The records with the keys Splink compares and blocks on."""
    digits = dialect.replace_all("r.phone", "[^0-9]", "")
    address = "trim(" + dialect.replace_all("lower(r.address)", "[^a-z0-9]+", " ") + ")"
    return f"""
SELECT
  r.unique_id,
  r.kind,
  n.ascii AS name_ascii,
  CASE WHEN r.kind = 'organization' THEN n.ascii END AS organization_name,
  f.ascii AS first_ascii,
  f.metaphone AS first_metaphone,
  l.ascii AS last_ascii,
  l.metaphone AS last_metaphone,
  l.skeleton AS last_skeleton,
  f.ascii || ' ' || l.ascii AS full_name,
  r.birth_date,
  substr(r.birth_date, 1, 4) AS birth_year,
  nullif(substr(r.birth_date, 6, 2), '') AS birth_month,
  nullif(substr(r.birth_date, 9, 2), '') AS birth_day,
  lower(r.country) AS country,
  r.id_numbers,
  r.id_number,
  nullif({address}, '') AS address,
  nullif({digits}, '') AS phone,
  lower(r.email) AS email
FROM {RECORDS_VIEW} r
LEFT JOIN {NAME_KEYS_VIEW} n ON n.part = r.name
LEFT JOIN {NAME_KEYS_VIEW} f ON f.part = {_first_part('r')}
LEFT JOIN {NAME_KEYS_VIEW} l ON l.part = {_last_part('r')}
"""


def term_frequencies_sql(column: str) -> str:
    """How often each value of ``column`` is found on a record other than the one at hand.

    Splink's own lookup divides a value's whole count by the records, which for a name
    found only on one person's two records doubles the chance that a stranger carries
    it; one occurrence is the record itself, so it is left out (but never below one).
    """
    return f"""
SELECT {column}, CAST(greatest(count(*) - 1, 1) AS DOUBLE) / sum(count(*)) OVER () AS tf_{column}
FROM {FEATURES_VIEW} WHERE {column} IS NOT NULL GROUP BY {column}
"""


CLUSTERS_VIEW = "nx_resolve_clusters"


def birth_date_conflicts_sql() -> str:
    """Pairs of records put in one cluster (``CLUSTERS_VIEW``: entity_id, cluster) whose
    dates of birth cannot be the same person's: neither is a less precise form of the
    other and they are more than two keystrokes apart."""
    shorter = "least(length(a.birth_date), length(b.birth_date))"
    return f"""
WITH members AS (
  SELECT c.entity_id, c.cluster, f.birth_date
  FROM {CLUSTERS_VIEW} c JOIN {FEATURES_VIEW} f ON f.unique_id = c.entity_id
  WHERE f.birth_date IS NOT NULL
)
SELECT a.cluster, a.entity_id AS left_id, b.entity_id AS right_id
FROM members a JOIN members b ON a.cluster = b.cluster AND a.entity_id < b.entity_id
WHERE substr(a.birth_date, 1, {shorter}) <> substr(b.birth_date, 1, {shorter})
  AND NOT (length(a.birth_date) = 10 AND length(b.birth_date) = 10 AND levenshtein(a.birth_date, b.birth_date) <= 2)
"""
