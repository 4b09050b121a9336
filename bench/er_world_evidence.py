"""How much relational evidence the synthetic world holds for the person pairs resolution misses.

For each kind of evidence two person records can share — an identity-document number
(the record's own or a Passport / Identification entity it holds), a phone, an e-mail,
an address (`address` text or the full text of its `addressEntity`), a neighbour (an
entity both are tied to by the same kind of relationship entity: Ownership,
Directorship, Membership, Payment, Family, Trip, …; not places) — counts the pairs of
person records that share it, how many of those are the same person, and how many of
the true pairs `nexus.resolve` leaves apart share it. Neighbours are compared by their *true* identity
(an upper bound: resolution could do no better).

    .venv/bin/python bench/er_world_evidence.py [--size small|medium] [--seed 7] [--keep DIR]
"""

import sys
from pathlib import Path

import duckdb

from nexus.resolve import resolve
from nexus.synth.evaluate import record_truth

from _common import run_on_world
from er_world import SNAPSHOT, build

SHARED_SQL = """
CREATE TEMP TABLE shared AS
WITH s AS (SELECT entity_id, schema, prop, prop_type, value FROM read_parquet($statements)),
people AS (SELECT id FROM truth WHERE schema = 'Person'),
relationship_refs AS (
  SELECT entity_id AS relationship, schema, value AS ref FROM s
  WHERE prop_type = 'entity' AND schema NOT IN ('Person', 'Company', 'Organization', 'LegalEntity')
    AND prop NOT IN ('startLocation', 'endLocation')  -- airports: hubs, not neighbours
),
kinds AS (
  SELECT entity_id AS record, 'identity document' AS kind,
         upper(regexp_replace(value, '[^A-Za-z0-9]', '', 'g')) AS value
  FROM s WHERE schema = 'Person' AND prop IN ('passportNumber', 'idNumber')
  UNION ALL
  SELECT held.value, 'identity document', upper(regexp_replace(doc.value, '[^A-Za-z0-9]', '', 'g'))
  FROM s held JOIN s doc ON doc.entity_id = held.entity_id AND doc.prop = 'number'
  WHERE held.schema IN ('Passport', 'Identification') AND held.prop = 'holder'
  UNION ALL
  SELECT entity_id, 'phone', regexp_replace(value, '[^0-9]', '', 'g') FROM s WHERE schema = 'Person' AND prop = 'phone'
  UNION ALL
  SELECT entity_id, 'e-mail', lower(value) FROM s WHERE schema = 'Person' AND prop = 'email'
  UNION ALL
  SELECT entity_id, 'address', lower(regexp_replace(value, '[^A-Za-z0-9]+', ' ', 'g'))
  FROM s WHERE schema = 'Person' AND prop = 'address'
  UNION ALL
  SELECT p.entity_id, 'address', lower(regexp_replace(a.value, '[^A-Za-z0-9]+', ' ', 'g'))
  FROM s p JOIN s a ON a.entity_id = p.value AND a.prop = 'full'
  WHERE p.schema = 'Person' AND p.prop = 'addressEntity'
  UNION ALL
  SELECT a.ref, 'neighbour', a.schema || ':' || coalesce(t.true_id, b.ref)
  FROM relationship_refs a JOIN relationship_refs b ON a.relationship = b.relationship AND a.ref <> b.ref
  LEFT JOIN truth t ON t.id = b.ref
)
SELECT DISTINCT * FROM kinds WHERE record IN (SELECT id FROM people) AND value <> ''
"""

EVIDENCE_SQL = """
CREATE TEMP TABLE evidence AS
SELECT DISTINCT a.kind, a.record AS left_id, b.record AS right_id
FROM shared a JOIN shared b ON a.kind = b.kind AND a.value = b.value AND a.record < b.record
"""

TRUE_PAIRS_SQL = """
CREATE TEMP TABLE true_pairs AS
SELECT a.id AS left_id, b.id AS right_id FROM truth a JOIN truth b ON a.true_id = b.true_id AND a.id < b.id
WHERE a.schema = 'Person' AND b.schema = 'Person'
"""

MISSED_SQL = """
CREATE TEMP TABLE missed AS
SELECT p.* FROM true_pairs p
JOIN mapping l ON l.entity_id = p.left_id JOIN mapping r ON r.entity_id = p.right_id
WHERE l.canonical_id <> r.canonical_id
"""

REPORT_SQL = """
SELECT kind, count(*) AS pairs, count(t.left_id) AS same_person, count(m.left_id) AS missed_sharing
FROM evidence e
LEFT JOIN true_pairs t ON t.left_id = e.left_id AND t.right_id = e.right_id
LEFT JOIN missed m ON m.left_id = e.left_id AND m.right_id = e.right_id
GROUP BY kind ORDER BY kind
"""


def run(folder: Path, size: str, seed: int) -> None:
    statements = folder / SNAPSHOT
    if not statements.is_file():
        statements = build(folder, size, seed)
    mapping = resolve(statements).mapping
    with duckdb.connect() as conn:
        conn.register("truth", record_truth(folder / "world"))
        conn.register("resolved", mapping)
        # A table, not the Arrow view: DuckDB guesses an Arrow scan at one row and would
        # join the mapping to itself first (160,000² rows on the medium world).
        conn.execute("CREATE TEMP TABLE mapping AS SELECT * FROM resolved")
        conn.execute(SHARED_SQL, {"statements": str(statements)})
        for sql in (EVIDENCE_SQL, TRUE_PAIRS_SQL, MISSED_SQL):
            conn.execute(sql)
        rows = conn.execute(REPORT_SQL).fetchall()
        true_pairs, missed = (conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("true_pairs", "missed"))
    print(f"{true_pairs:,} true person pairs; nexus.resolve leaves {missed:,} apart")
    print("| evidence shared | person pairs | same person | missed true pairs sharing it |\n|---|---|---|---|")
    for kind, pairs, same, missed_sharing in rows:
        print(f"| {kind} | {pairs:,} | {same:,} ({same / pairs:.3f}) | {missed_sharing:,} |")


def main() -> int:
    run_on_world(__doc__.splitlines()[0], run)
    return 0


if __name__ == "__main__":
    sys.exit(main())
