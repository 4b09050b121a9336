-- Every entity id the viewer may see with its canonical id (materialised as `entity_ids` by the stages that
-- resolve references through it): a reference to an entity the viewer may not see leads nowhere. In id order,
-- so a lookup reads one block.
SELECT DISTINCT entity_id, canonical_id FROM statements ORDER BY entity_id
