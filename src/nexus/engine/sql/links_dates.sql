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
       -- a relationship begun and not ended (a directorship, an ownership, a membership) holds now: its age is no
       -- reason to doubt it; a payment, an event or a trip with no end stated is no more recent for that
       CASE WHEN max(lasting) = 1 AND max(CASE WHEN prop = 'startDate' THEN 1 ELSE 0 END) = 1
                 AND max(CASE WHEN prop = 'endDate' THEN 1 ELSE 0 END) = 0 THEN 1 ELSE 0 END AS ongoing,
       max(CASE WHEN prop = 'amount' THEN TRY_CAST(value AS DOUBLE) END) AS amount,
       CASE WHEN count(DISTINCT CASE WHEN prop = 'currency' THEN value END) = 1
            THEN max(CASE WHEN prop = 'currency' THEN value END) END AS currency,
       max(classification) AS classification
FROM (
    SELECT s.canonical_id, s.prop, s.prop_type, s.value, s.classification,
           CASE WHEN s.prop_type = 'date' AND length(s.value) >= 10
                THEN date_diff('day', DATE '1970-01-01', TRY_CAST(substr(s.value, 1, 10) AS DATE)) END AS day,
           CASE WHEN k.schema IS NOT NULL THEN 1 ELSE 0 END AS lasting
    FROM statements AS s
    LEFT JOIN (SELECT schema FROM link_schemas WHERE link_type <> 'Payment') AS k ON k.schema = s.schema
    WHERE s.prop_type = 'date' OR s.prop IN ('amount', 'currency')
) AS dated
GROUP BY canonical_id
