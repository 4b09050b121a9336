-- An entity's ties, strongest first, at most $per_type of each type (with how many more there are),
-- filtered by type, date, source and the highest classification of their evidence; `forward`: the relationship runs
-- from the entity to the neighbour as stated (it paid, owns, directs), False the other way, NULL no direction.
-- An event or trip has no tie to those who took part in it (they are tied to each other through it), but its
-- neighbourhood lists them (`link_memberships`), however many. A tie without dates (a shared phone) is in any window.
WITH ties AS (
    SELECT b AS neighbour, link_type, via, currency, weight,
           pieces, first_date, last_date, amount, shared_by, evidence, sources, agencies, classification, forward
    FROM link_ties
    WHERE a = $id
    UNION ALL
    SELECT member, link_type, hub, CAST(NULL AS VARCHAR), weight, 1, first_date, last_date, CAST(NULL AS DOUBLE),
           shared_by, evidence, sources, agencies, classification, CAST(NULL AS BOOLEAN)
    FROM link_memberships
    WHERE hub = $id
),
chosen AS (
    SELECT *
    FROM ties
    WHERE ($any_type OR link_type IN $types)
      AND ($since = '' OR coalesce(last_date, '9999') >= $since)
      AND ($until = '' OR substr(coalesce(first_date, '0000'), 1, 10) <= $until)  -- the day, whatever its time
      AND ($source = '' OR list_contains(sources, $source))
      AND classification <= $max_classification
),
ranked AS (
    SELECT *, row_number() OVER (PARTITION BY link_type ORDER BY weight DESC, neighbour) AS r,
           count(*) OVER (PARTITION BY link_type) AS of_type
    FROM chosen
)
SELECT neighbour, link_type, via, currency, weight, pieces, first_date, last_date, amount, shared_by, evidence, sources, agencies,
       classification, forward, of_type - least(of_type, $per_type) AS more_of_type
FROM ranked
WHERE r <= $per_type
ORDER BY weight DESC, link_type, neighbour
