-- The distinct name parts of the resolution records, whose keys the vocabulary computes.
SELECT DISTINCT part FROM (
  SELECT first_part AS part FROM nx_resolve_records
  UNION ALL SELECT last_part AS part FROM nx_resolve_records
  UNION ALL SELECT name AS part FROM nx_resolve_records
) parts
WHERE part IS NOT NULL
ORDER BY part
