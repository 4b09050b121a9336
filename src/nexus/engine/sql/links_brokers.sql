-- Entities that bridge the two sides: every inner entity of the best paths, scored by the paths
-- through it, with its Gould–Fernandez role on each path from the sides of the entities before
-- and after it (liaison: from one side to the other; representative, gatekeeper: one end on a
-- side, the other an inner entity; coordinator: both inner).
WITH numbered AS (
    SELECT row_number() OVER (ORDER BY score DESC, p0, p1, p2, p3, p4) AS path, * FROM link_paths
),
steps AS (
    SELECT path, p1 AS node, p0 AS prev, p2 AS next, score FROM numbered WHERE p2 IS NOT NULL
    UNION ALL
    SELECT path, p2, p1, p3, score FROM numbered WHERE p3 IS NOT NULL
    UNION ALL
    SELECT path, p3, p2, p4, score FROM numbered WHERE p4 IS NOT NULL
),
roles AS (
    SELECT s.path, s.node, s.score,
           CASE
               WHEN p.id IS NOT NULL AND n.id IS NOT NULL THEN 'liaison'
               WHEN p.id IS NOT NULL THEN 'gatekeeper'
               WHEN n.id IS NOT NULL THEN 'representative'
               ELSE 'coordinator'
           END AS role
    FROM steps AS s
    LEFT JOIN (SELECT DISTINCT id FROM link_sides) AS p ON p.id = s.prev
    LEFT JOIN (SELECT DISTINCT id FROM link_sides) AS n ON n.id = s.next
)
SELECT node, sum(score) AS brokerage, count(DISTINCT path) AS paths,
       count(DISTINCT CASE WHEN role = 'liaison' THEN path END) AS liaison,
       count(DISTINCT CASE WHEN role = 'gatekeeper' THEN path END) AS gatekeeper,
       count(DISTINCT CASE WHEN role = 'representative' THEN path END) AS representative,
       count(DISTINCT CASE WHEN role = 'coordinator' THEN path END) AS coordinator
FROM roles
GROUP BY node
ORDER BY brokerage DESC, node
LIMIT $limit
