-- The link graph's edges: every piece of evidence between two canonical entities, one row per
-- (source, target, type, hub, currency); several pieces strengthen a tie (noisy-or of their weights). Its
-- classification is the highest of its evidence: what a chart holding it must be marked. Its
-- strength, what a path's score multiplies, is its weight discounted by the age of its latest
-- evidence (halved every $half_life years before $this_year, down to $recency_floor of it; not at all while a
-- relationship it rests on is ongoing: begun, not ended). first_day and
-- last_day are its span in days since 1970, a date not known to the day standing for any (`link_dates`).
WITH pieces AS (
    SELECT source_id, target_id, link_type, weight, via, currency, [evidence] AS evidence,
           sources, agencies, first_date, last_date, first_day, last_day, amount,
           CAST(NULL AS BIGINT) AS shared_by,
           classification, 1 AS piece_count, ongoing
    FROM link_relationship_edges
    UNION ALL
    SELECT source_id, target_id, link_type, weight, via, NULL, evidence, sources, agencies,
           first_date, last_date, NULL, NULL, CAST(NULL AS DOUBLE), shared_by, classification, 1, ongoing
    FROM link_hub_edges
    UNION ALL
    SELECT source_id, target_id, link_type, weight, via, NULL, evidence, sources, agencies,
           first_date, last_date, NULL, NULL, CAST(NULL AS DOUBLE), shared_by, classification, 1, 0
    FROM link_co_location_edges
    UNION ALL
    SELECT source_id, target_id, link_type, weight, via, currency, evidence, sources, agencies,
           first_date, last_date, first_day, last_day, amount, CAST(NULL AS BIGINT), classification, pieces, 0
    FROM link_ledger_edges
),
tied AS (
SELECT source_id, target_id, link_type, via, currency,
       1 - exp(sum(ln(1 - least(weight, 0.99)))) AS weight,
       CAST(sum(piece_count) AS BIGINT) AS pieces,
       min(first_date) AS first_date, max(last_date) AS last_date,
       min(coalesce(first_day, -100000000)) AS first_day, max(coalesce(last_day, 100000000)) AS last_day,
       sum(amount) AS amount, max(shared_by) AS shared_by,
       max(classification) AS classification, max(ongoing) AS ongoing,
       list_sort(list_distinct(flatten(list(evidence)))) AS evidence,
       list_sort(list_distinct(flatten(list(sources)))) AS sources,
       list_sort(list_distinct(flatten(list(agencies)))) AS agencies
FROM pieces
GROUP BY source_id, target_id, link_type, via, currency
)
SELECT * EXCLUDE (ongoing),
       weight * CASE
           WHEN ongoing = 1 OR TRY_CAST(substr(last_date, 1, 4) AS INTEGER) IS NULL THEN 1.0
           ELSE greatest($recency_floor, power(0.5, greatest($this_year - TRY_CAST(substr(last_date, 1, 4) AS INTEGER), 0) / $half_life))
       END AS strength
FROM tied
WHERE weight > 0
