-- The rows of a new delivery's batch (`batch_keys`: line, content) whose content the source's earlier deliveries
-- hold (`delivered_keys`: a row per transaction of theirs), each with how many transactions of that content they
-- hold (`earlier`) and its place among the batch's rows of that content (`occurrence`, 0 first, in line order):
-- a delivery's first `earlier` rows of a content are the ones delivered before.
WITH earlier AS (
    SELECT content, count(*) AS earlier
    FROM delivered_keys
    WHERE content IN (SELECT content FROM batch_keys)
    GROUP BY content
)
SELECT b.line, b.content, e.earlier, row_number() OVER (PARTITION BY b.content ORDER BY b.line) - 1 AS occurrence
FROM batch_keys AS b
JOIN earlier AS e ON e.content = b.content
ORDER BY b.line
