-- How often each value of a feature column (`term`, which the caller renames to the
-- column, with `tf_term`) is found on a record other than the one at hand.
-- Splink's own lookup divides a value's whole count by the records, which for a name
-- found only on one person's two records doubles the chance that a stranger carries
-- it; one occurrence is the record itself, so it is left out (but never below one).
-- The total is joined, not a window over everything, so Spark keeps it partitioned.
WITH counted AS (
  SELECT term, count(*) AS n FROM nx_resolve_features WHERE term IS NOT NULL GROUP BY term
),
total AS (
  SELECT sum(n) AS n FROM counted
)
SELECT c.term, CAST(greatest(c.n - 1, 1) AS DOUBLE) / t.n AS tf_term
FROM counted c CROSS JOIN total t
