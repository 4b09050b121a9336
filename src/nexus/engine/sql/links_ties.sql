-- Every edge from both ends (`a` the entity whose tie it is, `b` the other), in order of `a`: an
-- entity's neighbourhood is read from one block, not from a scan of every edge.
SELECT * FROM (
    SELECT source_id AS a, target_id AS b, * EXCLUDE (source_id, target_id, first_day, last_day) FROM link_edges
    UNION ALL
    SELECT target_id AS a, source_id AS b, * EXCLUDE (source_id, target_id, first_day, last_day) FROM link_edges
) AS ties
ORDER BY a, b
