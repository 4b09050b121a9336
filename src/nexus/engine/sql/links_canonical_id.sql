-- The canonical id an entity id (or a canonical id) stands for in the viewer's graph.
SELECT min(canonical_id) AS canonical_id FROM link_ids WHERE entity_id = $id OR canonical_id = $id HAVING count(*) > 0
