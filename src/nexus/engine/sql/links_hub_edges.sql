-- Two members of a hub are one hop apart through it; a hub shared by many (a hostel, a formation
-- agent's address, a switchboard) is down-weighted by how many share it, and past max_shared is no bond.
WITH members AS (
    SELECT member, hub, min(link_type) AS link_type, max(weight) AS weight,
           list(DISTINCT evidence) AS evidence, list(DISTINCT source) AS sources, list(DISTINCT agency) AS agencies
    FROM hub_members
    GROUP BY member, hub
),
sized AS (
    SELECT hub, count(*) AS size FROM members GROUP BY hub HAVING count(*) BETWEEN 2 AND $max_shared
)
SELECT x.member AS source_id, y.member AS target_id, x.link_type,
       x.weight * power(CAST(z.size - 1 AS DOUBLE), -0.5 * $damping) AS weight, x.hub AS via, z.size AS shared_by,
       list_distinct(list_concat(x.evidence, y.evidence)) AS evidence,
       list_distinct(list_concat(x.sources, y.sources)) AS sources,
       list_distinct(list_concat(x.agencies, y.agencies)) AS agencies
FROM members AS x
JOIN sized AS z ON z.hub = x.hub
JOIN members AS y ON y.hub = x.hub AND x.member < y.member
