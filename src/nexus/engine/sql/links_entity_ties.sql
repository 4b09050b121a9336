-- The ties of each entity asked for (`wanted_nodes`), one row per hub they go through (NULL: none) and type, with
-- whom they reach and their evidence: what a path's score rests on beside its own ties. An inner entity's ties
-- make its number of neighbours (its degree factor); a member's ties through a hub reach every other member, whose
-- number a tie through the hub weighs and counts.
SELECT a AS id, via, link_type, list_distinct(list(b)) AS neighbours,
       list_sort(list_distinct(flatten(list(evidence)))) AS evidence
FROM link_ties
WHERE a IN (SELECT id FROM wanted_nodes)
GROUP BY a, via, link_type
