-- Pairs of records that share a predicted cluster (mapping: entity_id, canonical_id), a
-- true one (truth: entity_id, cluster, side), and both. With $two_sided only pairs
-- across the two sides count (linking two datasets rather than deduplicating one).
WITH joined AS (
  SELECT m.canonical_id AS predicted, t.cluster AS actual, t.side
  FROM mapping m JOIN truth t ON t.entity_id = m.entity_id
),
grouped AS (
  SELECT 'true_positives' AS kind, predicted || chr(0) || actual AS grp, side FROM joined
  UNION ALL SELECT 'predicted' AS kind, predicted AS grp, side FROM joined
  UNION ALL SELECT 'actual' AS kind, actual AS grp, side FROM joined
),
sized AS (
  SELECT kind, grp,
         sum(CASE WHEN side = 0 THEN 1 ELSE 0 END) AS left_n,
         sum(CASE WHEN side = 1 THEN 1 ELSE 0 END) AS right_n,
         count(*) AS n
  FROM grouped
  GROUP BY kind, grp
)
SELECT kind,
       CAST(coalesce(sum(CASE WHEN $two_sided THEN left_n * right_n ELSE n * (n - 1) / 2 END), 0) AS BIGINT) AS pairs
FROM sized
GROUP BY kind
