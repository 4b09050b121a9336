-- entity_id -> canonical_id for clustered records (members: entity_id, label). A
-- singleton keeps its own id; a cluster is named $prefix + a hash of its sorted member
-- ids, so the same cluster gets the same id on every run.
WITH named AS (
  SELECT label, count(*) AS size, min(entity_id) AS first_id,
         $prefix || substr(sha256(string_agg(entity_id, chr(10) ORDER BY entity_id)), 1, 32) AS cluster_id
  FROM members
  GROUP BY label
)
SELECT m.entity_id, CASE WHEN n.size = 1 THEN n.first_id ELSE n.cluster_id END AS canonical_id
FROM members m JOIN named n USING (label)
ORDER BY m.entity_id
