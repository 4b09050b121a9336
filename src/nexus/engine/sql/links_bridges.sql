-- Bridges: the pairs of entities, one on each side, that the best paths join, strongest first. A
-- pair joined by several paths is corroborated: its score is the noisy-or of its paths' scores.
-- Each bridge names its best path (`path`, as numbered in `links_brokers`: by score, then ids).
WITH numbered AS (
    SELECT row_number() OVER (ORDER BY score DESC, p0, p1, p2, p3, p4) AS path, p0 AS source_id,
           coalesce(p4, p3, p2, p1) AS target_id, score
    FROM link_paths
)
SELECT source_id, target_id, 1 - exp(sum(ln(1 - least(score, 0.999)))) AS score, count(*) AS paths,
       min(path) AS best_path, list(path ORDER BY path) AS all_paths
FROM numbered
GROUP BY source_id, target_id
ORDER BY score DESC, best_path
LIMIT $limit
