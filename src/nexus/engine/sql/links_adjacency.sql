-- Both directions of every tie, its types combined (noisy-or) after each edge is discounted by the
-- age of its latest evidence; the strongest edge names the tie's type and hub.
WITH scored AS (
    SELECT source_id, target_id, link_type, via,
           weight * CASE
               WHEN TRY_CAST(substr(last_date, 1, 4) AS INTEGER) IS NULL THEN 1.0
               ELSE greatest($recency_floor, power(0.5, greatest($this_year - TRY_CAST(substr(last_date, 1, 4) AS INTEGER), 0) / $half_life))
           END AS strength
    FROM link_edges
    WHERE weight > 0
),
both_ways AS (
    SELECT source_id AS a, target_id AS b, link_type, via, strength FROM scored
    UNION ALL
    SELECT target_id AS a, source_id AS b, link_type, via, strength FROM scored
)
SELECT a, b, 1 - exp(sum(ln(1 - least(strength, 0.99)))) AS weight,
       arg_max(link_type, strength) AS link_type, arg_max(via, strength) AS via
FROM both_ways
GROUP BY a, b
