-- The edges to export: every edge of the graph, or those touching one of the wanted entities. A tie through a hub
-- (a shared phone, a trip, a company's board) carries the evidence, sources and agencies of every tie through it:
-- its weight and count rest on every member of the hub, not only on its two.
WITH chosen AS (
    SELECT *
    FROM link_edges
    WHERE $everything OR source_id IN (SELECT id FROM wanted_nodes) OR target_id IN (SELECT id FROM wanted_nodes)
),
hubs AS (
    SELECT via, link_type, list_sort(list_distinct(flatten(list(evidence)))) AS evidence,
           list_sort(list_distinct(flatten(list(sources)))) AS sources,
           list_sort(list_distinct(flatten(list(agencies)))) AS agencies
    FROM link_edges
    WHERE via IN (SELECT via FROM chosen)
    GROUP BY via, link_type
)
SELECT c.source_id, c.target_id, c.link_type, c.via, c.currency, c.weight, c.pieces, c.first_date, c.last_date,
       c.amount, c.shared_by, c.classification, coalesce(h.evidence, c.evidence) AS evidence,
       coalesce(h.sources, c.sources) AS sources, coalesce(h.agencies, c.agencies) AS agencies
FROM chosen AS c
LEFT JOIN hubs AS h ON h.via = c.via AND h.link_type = c.link_type
ORDER BY c.source_id, c.target_id, c.link_type, c.via, c.currency
