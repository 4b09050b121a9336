-- Both directions of every tie, its types combined (noisy-or of their strengths); the strongest edge
-- names the tie's type and hub. `b_penalty` is -ln(sqrt(d - 1)) for `b` with d ties: a path through
-- a busy company or account is less telling than one through someone with few ties.
WITH both_ways AS (
    SELECT source_id AS a, target_id AS b, link_type, via, strength FROM link_edges
    UNION ALL
    SELECT target_id AS a, source_id AS b, link_type, via, strength FROM link_edges
),
combined AS (
    SELECT a, b, 1 - exp(sum(ln(1 - least(strength, 0.99)))) AS weight,
           arg_max(link_type, strength) AS link_type, arg_max(via, strength) AS via
    FROM both_ways
    GROUP BY a, b
)
SELECT *, -0.5 * ln(greatest(count(*) OVER (PARTITION BY b) - 1, 1)) AS b_penalty
FROM combined
