-- The two ends of a nexus question: entities with a wanted topic (a prefix matches its children:
-- crime.traffick matches crime.traffick.drug) or a wanted id (an entity id or a canonical id).
SELECT DISTINCT t.canonical_id AS id, w.side
FROM link_node_topics AS t
JOIN wanted_topics AS w ON t.topic = w.topic OR t.topic LIKE w.topic || '.%'
UNION
SELECT DISTINCT i.canonical_id AS id, w.side
FROM wanted_ids AS w
JOIN link_ids AS i ON i.entity_id = w.id OR i.canonical_id = w.id
