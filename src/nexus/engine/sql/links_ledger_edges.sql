-- The ledger's money between accounts the viewer may see, one tie per ordered pair of accounts and currency
-- (amounts are summed only within one currency; `via` is left for shared hubs), weighed as that many FtM
-- Payments would be (noisy-or, one piece each): the total, the first and last day, the highest
-- classification among its payments. Its evidence is, for each distinct set of security labels among those
-- payments, the first and the last of them: an alert on the tie cites every kind of data its figures rest
-- on, so no one who may not see all of them sees the alert.
WITH payments AS (
    SELECT i.canonical_id AS source_id, j.canonical_id AS target_id, t.payment_currency AS currency, t.id,
           CAST(t.timestamp AS VARCHAR) || '/' || lpad(CAST(t.line AS VARCHAR), 12, '0') AS position,
           t.timestamp, t.amount_paid, t.source, t.agency, t.classification, t.releasable_to, t.compartment,
           t.orcon, t.warrant
    FROM transactions AS t
    JOIN link_ids AS i ON i.entity_id = t.from_account_id
    JOIN link_ids AS j ON j.entity_id = t.to_account_id
    WHERE t.from_account_id <> t.to_account_id AND t.amount_paid > 0 AND i.canonical_id <> j.canonical_id
),
labelled AS (
    SELECT source_id, target_id, currency,
           ['transaction:' || arg_min(id, position), 'transaction:' || arg_max(id, position)] AS evidence,
           list_distinct(list(source)) AS sources, list_distinct(list(agency)) AS agencies,
           min(timestamp) AS first_time, max(timestamp) AS last_time, sum(amount_paid) AS amount,
           max(classification) AS classification, count(*) AS payments
    FROM payments
    GROUP BY source_id, target_id, currency, agency, classification, releasable_to, compartment, orcon, warrant
)
SELECT source_id, target_id, 'Payment' AS link_type, 1 - power(1 - $weight, sum(payments)) AS weight,
       CAST(NULL AS VARCHAR) AS via, currency, CAST(sum(payments) AS BIGINT) AS pieces,
       list_sort(list_distinct(flatten(list(evidence)))) AS evidence,
       list_sort(list_distinct(flatten(list(sources)))) AS sources,
       list_sort(list_distinct(flatten(list(agencies)))) AS agencies,
       substr(CAST(min(first_time) AS VARCHAR), 1, 10) AS first_date,
       substr(CAST(max(last_time) AS VARCHAR), 1, 10) AS last_date,
       coalesce(date_diff('day', DATE '1970-01-01', CAST(min(first_time) AS DATE)), -100000000) AS first_day,
       coalesce(date_diff('day', DATE '1970-01-01', CAST(max(last_time) AS DATE)), 100000000) AS last_day,
       sum(amount) AS amount, max(classification) AS classification
FROM labelled
GROUP BY source_id, target_id, currency
