-- Every entity id the viewer may see with its canonical id: references resolve through it, so a
-- relationship to an entity the viewer may not see leads nowhere. In id order, so a lookup reads one block.
SELECT DISTINCT entity_id, canonical_id FROM statements ORDER BY entity_id
