-- The canonical id an entity id (or a canonical id) stands for in the viewer's graph.
-- (Two lookups, each on a table in id order, rather than one scan for either id.)
SELECT min(canonical_id) AS canonical_id
FROM (
    SELECT canonical_id FROM link_ids WHERE entity_id = $id
    UNION ALL
    SELECT canonical_id FROM link_nodes WHERE canonical_id = $id
) AS found
HAVING count(*) > 0
