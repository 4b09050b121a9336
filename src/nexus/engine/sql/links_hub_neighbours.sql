-- The members of a shared identifier or address ($hub, as paths name it), at most $per_type of each type (with
-- how many more there are), filtered by type, source and the highest classification of their evidence.
WITH members AS (
    SELECT member AS neighbour, link_type, hub AS via, evidence, sources, agencies, classification, shared_by, weight
    FROM link_memberships
    WHERE hub = $hub
      AND ($any_type OR link_type IN $types)
      AND ($source = '' OR list_contains(sources, $source))
      AND classification <= $max_classification
),
ranked AS (
    SELECT *, row_number() OVER (PARTITION BY link_type ORDER BY neighbour) AS r,
           count(*) OVER (PARTITION BY link_type) AS of_type
    FROM members
)
SELECT neighbour, link_type, via, evidence, sources, agencies, classification, shared_by, weight,
       of_type - least(of_type, $per_type) AS more_of_type
FROM ranked
WHERE r <= $per_type
ORDER BY link_type, neighbour
