-- Entity-valued statements (a relationship's ends, an event's participants, an address) pointing at canonical ids.
SELECT s.canonical_id AS holder, s.schema, s.prop, t.canonical_id AS target, s.id AS statement_id,
       s.source, s.agency, s.classification
FROM statements AS s
JOIN link_ids AS t ON t.entity_id = s.value
WHERE s.prop_type = 'entity' AND s.canonical_id <> t.canonical_id
