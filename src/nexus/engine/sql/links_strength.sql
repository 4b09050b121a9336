-- Every edge with its strength: its weight discounted by the age of its latest evidence (halved every
-- $half_life years, down to $recency_floor of it).
SELECT *,
       weight * CASE
           WHEN TRY_CAST(substr(last_date, 1, 4) AS INTEGER) IS NULL THEN 1.0
           ELSE greatest($recency_floor, power(0.5, greatest($this_year - TRY_CAST(substr(last_date, 1, 4) AS INTEGER), 0) / $half_life))
       END AS strength
FROM link_edges
WHERE weight > 0
