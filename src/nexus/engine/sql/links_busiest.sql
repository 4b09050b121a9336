-- The entity with the most ties: the hub whose neighbourhood a benchmark opens.
SELECT a AS id, count(*) AS ties FROM link_adjacency GROUP BY a ORDER BY ties DESC, a LIMIT 1
