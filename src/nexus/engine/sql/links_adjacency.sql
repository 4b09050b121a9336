-- Both directions of every tie between two entities, all its evidence combined (noisy-or of the strengths
-- of its edges): what communities weigh. `b_penalty` is -ln(sqrt(d - 1)) for `b` with d neighbours: a
-- path through a busy company or account is less telling than one through someone with few ties.
WITH both_ways AS (
    SELECT source_id AS a, target_id AS b, strength FROM link_edges
    UNION ALL
    SELECT target_id AS a, source_id AS b, strength FROM link_edges
),
combined AS (
    SELECT a, b, 1 - exp(sum(ln(1 - least(strength, 0.99)))) AS weight FROM both_ways GROUP BY a, b
)
SELECT a, b, weight, -0.5 * ln(greatest(count(*) OVER (PARTITION BY b) - 1, 1)) AS b_penalty
FROM combined
