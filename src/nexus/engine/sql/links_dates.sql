-- The span of each entity's dates (a relationship's start and end, an event's, a payment's), its end as
-- stated (an interval without one, a stay not yet over, is open: `ongoing`), its largest amount, its currency (none where
-- its sources disagree), and the highest classification of the statements that say so (a tie that shows them
-- is marked no lower). The span also as day numbers (days since 1970), where a date not known to the day
-- stands for any day: -10^8 as the first, 10^8 as the last (as strings, '2024-03' would sort before
-- '2024-03-15' and hide that it may be later).
SELECT canonical_id AS holder,
       min(CASE WHEN prop_type = 'date' THEN value END) AS first_date,
       max(CASE WHEN prop_type = 'date' THEN value END) AS last_date,
       min(CASE WHEN prop_type = 'date' THEN coalesce(day, -100000000) END) AS first_day,
       max(CASE WHEN prop_type = 'date' THEN coalesce(day, 100000000) END) AS last_day,
       max(CASE WHEN prop = 'endDate' THEN value END) AS end_date,
       -- an interval begun and not ended (a directorship, an ownership) holds now: its age is no reason to doubt it
       CASE WHEN max(CASE WHEN prop = 'startDate' THEN 1 ELSE 0 END) = 1
                 AND max(CASE WHEN prop = 'endDate' THEN 1 ELSE 0 END) = 0 THEN 1 ELSE 0 END AS ongoing,
       max(CASE WHEN prop = 'amount' THEN TRY_CAST(value AS DOUBLE) END) AS amount,
       CASE WHEN count(DISTINCT CASE WHEN prop = 'currency' THEN value END) = 1
            THEN max(CASE WHEN prop = 'currency' THEN value END) END AS currency,
       max(classification) AS classification
FROM (
    SELECT canonical_id, prop, prop_type, value, classification,
           CASE WHEN prop_type = 'date' AND length(value) >= 10
                THEN date_diff('day', DATE '1970-01-01', TRY_CAST(substr(value, 1, 10) AS DATE)) END AS day
    FROM statements
    WHERE prop_type = 'date' OR prop IN ('amount', 'currency')
) AS dated
GROUP BY canonical_id
