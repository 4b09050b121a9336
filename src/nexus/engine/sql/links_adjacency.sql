-- Both directions of every tie, its types combined (noisy-or of their strengths); the strongest edge
-- (by strength, then type, then hub, a plain relationship first) names the tie's type and hub, as
-- `links_path_edges` orders them, so a path walks the hub it shows. (The weight still combines every tie
-- between the two, so a hub behind a weaker tie can weigh on two hops of one path; and a hop named after a
-- hub refuses a next hop through it even where a weaker relationship alone would carry the first: one row
-- per pair and hub would end both.) `b_penalty` is -ln(sqrt(d - 1))
-- for `b` with d ties: a path through a busy company or account is less telling than one through
-- someone with few ties.
WITH both_ways AS (
    SELECT source_id AS a, target_id AS b, link_type, via, strength FROM link_edges
    UNION ALL
    SELECT target_id AS a, source_id AS b, link_type, via, strength FROM link_edges
),
strongest AS (
    SELECT a, b, link_type, via FROM (
        SELECT a, b, link_type, via,
               row_number() OVER (PARTITION BY a, b ORDER BY strength DESC, link_type, via NULLS FIRST) AS r
        FROM both_ways
    ) AS ranked
    WHERE r = 1
),
combined AS (
    SELECT a, b, 1 - exp(sum(ln(1 - least(strength, 0.99)))) AS weight FROM both_ways GROUP BY a, b
)
SELECT c.a, c.b, c.weight, s.link_type, s.via, -0.5 * ln(greatest(count(*) OVER (PARTITION BY c.b) - 1, 1)) AS b_penalty
FROM combined AS c
JOIN strongest AS s ON s.a = c.a AND s.b = c.b
