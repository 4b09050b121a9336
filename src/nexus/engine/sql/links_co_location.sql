-- Two participants of events at the same place (a prison cell) whose spans overlap, e.g. co-detention;
-- a stay without an end date is not over. A place is an Address entity's normalised full address
-- (`link_addresses`, as address hubs name it), or the entity where it has none: one cell written as two
-- Address entities is one place, named by the first of them (`via`). A tie is down-weighted by how many were
-- at the place while the two were (a dormitory is not a cell), classified as the most classified of those stays
-- (its weight and count rest on them all), and past max_shared of them binds no one. A place more than
-- $max_ever ever stayed at (a whole prison, a city) is no place to pair everyone over (the pairs would explode).
WITH stays AS (
    SELECT p.target AS person, coalesce('address:' || l.shared, a.target) AS place, a.target AS address_id,
           p.holder AS event, d.first_date AS start_date, coalesce(d.end_date, '9999-12-31') AS end_date, p.source,
           p.agency,
           greatest(p.classification, a.classification, d.classification, coalesce(l.classification, 0)) AS classification
    FROM link_refs AS p
    JOIN hub_participants AS k ON k.schema = p.schema AND k.prop = p.prop
    JOIN link_refs AS a ON a.holder = p.holder AND a.prop = 'addressEntity'
    JOIN link_dates AS d ON d.holder = p.holder
    LEFT JOIN link_addresses AS l ON l.address_id = a.target
    WHERE d.first_date IS NOT NULL
),
places AS (
    SELECT place, min(address_id) AS named FROM stays GROUP BY place HAVING count(DISTINCT person) <= $max_ever
),
pairs AS (
    SELECT x.person AS source_id, y.person AS target_id, x.place, z.named, x.event AS source_event,
           y.event AS target_event, x.source AS source_source, y.source AS target_source, x.agency AS source_agency,
           y.agency AS target_agency, greatest(x.start_date, y.start_date) AS first_date,
           least(x.end_date, y.end_date) AS last_date
    FROM stays AS x
    JOIN places AS z ON z.place = x.place
    JOIN stays AS y ON y.place = x.place AND x.person < y.person
        AND x.start_date <= y.end_date AND y.start_date <= x.end_date
),
crowds AS (
    SELECT p.source_id, p.target_id, p.place, p.source_event, p.target_event, count(DISTINCT s.person) AS size,
           max(s.classification) AS classification
    FROM pairs AS p
    JOIN stays AS s ON s.place = p.place AND s.start_date <= p.last_date AND p.first_date <= s.end_date
    GROUP BY p.source_id, p.target_id, p.place, p.source_event, p.target_event
)
SELECT p.source_id, p.target_id, 'co_location' AS link_type,
       $weight * power(CAST(c.size - 1 AS DOUBLE), -0.5 * $damping) AS weight,
       p.named AS via, c.size AS shared_by,
       [p.source_event, p.target_event] AS evidence, list_distinct([p.source_source, p.target_source]) AS sources,
       list_distinct([p.source_agency, p.target_agency]) AS agencies,
       p.first_date, nullif(p.last_date, '9999-12-31') AS last_date, c.classification
FROM pairs AS p
JOIN crowds AS c ON c.source_id = p.source_id AND c.target_id = p.target_id AND c.place = p.place
    AND c.source_event = p.source_event AND c.target_event = p.target_event
WHERE c.size <= $max_shared
