-- Two participants of events at the same place (a prison cell) whose spans overlap, e.g. co-detention;
-- a stay without an end date is not over. A place is an Address entity's normalised full address
-- (`link_addresses`, as address hubs name it), or the entity where it has none: one cell written as two
-- Address entities is one place, named by the first of them (`via`).
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
sized AS (
    SELECT place, min(address_id) AS named, count(DISTINCT person) AS size FROM stays GROUP BY place
)
SELECT x.person AS source_id, y.person AS target_id, 'co_location' AS link_type,
       $weight * power(CAST(greatest(z.size - 1, 1) AS DOUBLE), -0.5 * $damping) AS weight,
       z.named AS via, z.size AS shared_by,
       [x.event, y.event] AS evidence, list_distinct([x.source, y.source]) AS sources,
       list_distinct([x.agency, y.agency]) AS agencies,
       greatest(x.start_date, y.start_date) AS first_date, nullif(least(x.end_date, y.end_date), '9999-12-31') AS last_date,
       greatest(x.classification, y.classification) AS classification
FROM stays AS x
JOIN stays AS y ON y.place = x.place AND x.person < y.person
    AND x.start_date <= y.end_date AND y.start_date <= x.end_date
JOIN sized AS z ON z.place = x.place
WHERE z.size <= $max_shared
