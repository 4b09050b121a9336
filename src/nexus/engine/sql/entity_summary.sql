-- One row per canonical entity: schema, first name seen, topics, sources, agencies; in id order, so a
-- lookup by id reads one block.
SELECT
    canonical_id,
    min(schema) AS schema,
    min(CASE WHEN prop = 'name' THEN value END) AS name,
    list_sort(list_distinct(list(CASE WHEN prop = 'topics' THEN value END))) AS topics,
    count(DISTINCT source) AS sources,
    count(DISTINCT agency) AS agencies
FROM statements
GROUP BY canonical_id
ORDER BY canonical_id
