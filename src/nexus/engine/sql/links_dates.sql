-- The span of each entity's dates (a relationship's start and end, an event's, a payment's), its end as
-- stated (an interval without one, a stay not yet over, is open), its largest amount, and the highest
-- classification of the statements that say so (a tie that shows them is marked no lower).
SELECT canonical_id AS holder,
       min(CASE WHEN prop_type = 'date' THEN value END) AS first_date,
       max(CASE WHEN prop_type = 'date' THEN value END) AS last_date,
       max(CASE WHEN prop = 'endDate' THEN value END) AS end_date,
       max(CASE WHEN prop = 'amount' THEN TRY_CAST(value AS DOUBLE) END) AS amount,
       max(classification) AS classification
FROM statements
WHERE prop_type = 'date' OR prop = 'amount'
GROUP BY canonical_id
