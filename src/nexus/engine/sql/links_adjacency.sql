-- Both directions of every tie, its types combined (noisy-or of their strengths); the strongest
-- edge names the tie's type and hub.
WITH both_ways AS (
    SELECT source_id AS a, target_id AS b, link_type, via, strength FROM link_strengths
    UNION ALL
    SELECT target_id AS a, source_id AS b, link_type, via, strength FROM link_strengths
)
SELECT a, b, 1 - exp(sum(ln(1 - least(strength, 0.99)))) AS weight,
       arg_max(link_type, strength) AS link_type, arg_max(via, strength) AS via
FROM both_ways
GROUP BY a, b
