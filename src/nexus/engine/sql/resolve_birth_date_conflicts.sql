-- Pairs of records put in one cluster (nx_resolve_clusters: entity_id, cluster) whose
-- dates of birth cannot be the same person's: neither is a less precise form of the
-- other and they are more than two keystrokes apart.
WITH members AS (
  SELECT c.entity_id, c.cluster, f.birth_date
  FROM nx_resolve_clusters c JOIN nx_resolve_features f ON f.unique_id = c.entity_id
  WHERE f.birth_date IS NOT NULL
)
SELECT a.cluster, a.entity_id AS left_id, b.entity_id AS right_id
FROM members a JOIN members b ON a.cluster = b.cluster AND a.entity_id < b.entity_id
WHERE substr(a.birth_date, 1, least(length(a.birth_date), length(b.birth_date)))
      <> substr(b.birth_date, 1, least(length(a.birth_date), length(b.birth_date)))
  AND NOT (length(a.birth_date) = 10 AND length(b.birth_date) = 10 AND levenshtein(a.birth_date, b.birth_date) <= 2)
ORDER BY left_id, right_id
