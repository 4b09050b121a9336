-- Communities with the sides' members in each, those holding both sides first; each lists its most
-- connected members (weighted degree inside the community), at most $shown.
WITH inside AS (
    SELECT x.community, t.a, t.weight
    FROM link_adjacency AS t
    JOIN link_communities AS x ON x.canonical_id = t.a
    JOIN link_communities AS y ON y.canonical_id = t.b AND y.community = x.community
),
degrees AS (
    SELECT community, a AS id, sum(weight) AS degree FROM inside GROUP BY community, a
),
summary AS (
    SELECT c.community, count(DISTINCT c.canonical_id) AS size,
           list(c.canonical_id ORDER BY c.canonical_id) FILTER (WHERE s.side = 'from') AS from_side,
           list(c.canonical_id ORDER BY c.canonical_id) FILTER (WHERE s.side = 'to') AS to_side
    FROM link_communities AS c
    LEFT JOIN link_sides AS s ON s.id = c.canonical_id
    GROUP BY c.community
),
weights AS (
    SELECT community, sum(weight) / 2 AS internal_weight, CAST(count(*) / 2 AS BIGINT) AS ties FROM inside GROUP BY community
),
leading AS (
    SELECT community, list(id ORDER BY degree DESC, id)[1:$shown] AS members FROM degrees GROUP BY community
)
SELECT s.community, s.size, coalesce(s.from_side, []) AS from_side, coalesce(s.to_side, []) AS to_side,
       coalesce(l.members, []) AS members, coalesce(w.internal_weight, 0.0) AS internal_weight,
       coalesce(w.ties, 0) AS ties
FROM summary AS s
LEFT JOIN weights AS w ON w.community = s.community
LEFT JOIN leading AS l ON l.community = s.community
WHERE NOT $both_sides OR (len(coalesce(s.from_side, [])) > 0 AND len(coalesce(s.to_side, [])) > 0)
ORDER BY len(coalesce(s.from_side, [])) > 0 AND len(coalesce(s.to_side, [])) > 0 DESC,
         least(len(coalesce(s.from_side, [])), len(coalesce(s.to_side, []))) DESC, s.size DESC, s.community
LIMIT $limit
