-- The two ends of a nexus question: entities with a wanted topic (a prefix matches its children:
-- crime.traffick matches crime.traffick.drug) or a wanted id (an entity id or a canonical id),
-- less those with a topic the side excludes (matched the same way).
WITH chosen AS (
    SELECT t.canonical_id AS id, w.side
    FROM link_node_topics AS t
    JOIN wanted_topics AS w ON t.topic = w.topic OR t.topic LIKE w.topic || '.%'
    UNION
    SELECT i.canonical_id AS id, w.side
    FROM wanted_ids AS w
    JOIN link_ids AS i ON i.entity_id = w.id OR i.canonical_id = w.id
),
refused AS (
    SELECT DISTINCT t.canonical_id AS id, x.side
    FROM link_node_topics AS t
    JOIN excluded_topics AS x ON t.topic = x.topic OR t.topic LIKE x.topic || '.%'
)
SELECT DISTINCT c.id, c.side
FROM chosen AS c
LEFT JOIN refused AS r ON r.id = c.id AND r.side = c.side
WHERE r.id IS NULL
