-- Every tie once (a < b) with its combined strength: the input of community detection.
SELECT a, b, weight FROM link_adjacency WHERE a < b AND weight > 0 ORDER BY a, b
