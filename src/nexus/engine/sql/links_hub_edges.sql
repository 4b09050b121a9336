-- Two members of a hub are one hop apart through it; a hub shared by many (a hostel, a formation
-- agent's address, a switchboard) is down-weighted by how many share it, and past max_shared is no bond.
-- A tie's weight and count rest on every member of its hub, so it is classified as the most classified of
-- them: a viewer who may not see one member's evidence gets no tie, count or mark that reveals it. Its evidence
-- is the two members' own; the others' are those of the hub's other ties (`via`).
WITH members AS (
    SELECT member, hub, link_type, max(weight) AS weight, min(first_date) AS first_date, max(last_date) AS last_date,
           list(DISTINCT evidence) AS evidence, list(DISTINCT source) AS sources, list(DISTINCT agency) AS agencies,
           max(classification) AS classification, max(ongoing) AS ongoing
    FROM hub_members
    GROUP BY member, hub, link_type
),
sized AS (
    SELECT hub, link_type, count(*) AS size, max(classification) AS classification
    FROM members
    GROUP BY hub, link_type
    HAVING count(*) BETWEEN 2 AND $max_shared
)
SELECT x.member AS source_id, y.member AS target_id, x.link_type,
       x.weight * power(CAST(z.size - 1 AS DOUBLE), -0.5 * $damping) AS weight, x.hub AS via, z.size AS shared_by,
       list_distinct(list_concat(x.evidence, y.evidence)) AS evidence,
       list_distinct(list_concat(x.sources, y.sources)) AS sources,
       list_distinct(list_concat(x.agencies, y.agencies)) AS agencies,
       least(x.first_date, y.first_date) AS first_date, greatest(x.last_date, y.last_date) AS last_date,
       z.classification,
       least(x.ongoing, y.ongoing) AS ongoing  -- both still hold it (co-directors both still directors)
FROM members AS x
JOIN sized AS z ON z.hub = x.hub AND z.link_type = x.link_type
JOIN members AS y ON y.hub = x.hub AND y.link_type = x.link_type AND x.member < y.member
