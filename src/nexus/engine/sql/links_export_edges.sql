-- The edges to export: every edge of the graph, or those touching one of the wanted entities.
SELECT source_id, target_id, link_type, via, currency, weight, pieces, first_date, last_date, amount, shared_by,
       classification, evidence, sources, agencies
FROM link_edges
WHERE $everything OR source_id IN (SELECT id FROM wanted_nodes) OR target_id IN (SELECT id FROM wanted_nodes)
ORDER BY source_id, target_id, link_type, via, currency
