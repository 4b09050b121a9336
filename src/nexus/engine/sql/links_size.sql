-- How big the graph is: canonical entities and edges.
SELECT (SELECT count(*) FROM link_nodes) AS nodes, (SELECT count(*) FROM link_edges) AS edges
