-- Every edge from both ends (`a` the entity whose tie it is, `b` the other), in order of `a`: an
-- entity's neighbourhood is read from one block, not from a scan of every edge. `forward` says whether a
-- relationship runs from `a` to `b` as its evidence states it (the payer, owner or director first); a shared
-- identifier, hub or stay has no direction (NULL).
SELECT * FROM (
    SELECT source_id AS a, target_id AS b, * EXCLUDE (source_id, target_id, first_day, last_day),
           CASE WHEN via IS NULL AND link_type <> 'co_location' THEN TRUE END AS forward
    FROM link_edges
    UNION ALL
    SELECT target_id AS a, source_id AS b, * EXCLUDE (source_id, target_id, first_day, last_day),
           CASE WHEN via IS NULL AND link_type <> 'co_location' THEN FALSE END AS forward
    FROM link_edges
) AS ties
ORDER BY a, b
