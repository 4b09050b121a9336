-- The rows of a new delivery (`batch`) that the source's earlier deliveries (`delivered`) hold already: two
-- transactions are one when every field of theirs but the laundering flag agrees. Per such row: its line, its
-- content, how many transactions of that content the earlier deliveries hold (`earlier`) and its place among the
-- batch's rows of that content (`occurrence`, 0 first, in line order): a delivery's first `earlier` rows of a
-- content are the ones delivered before.
WITH rows AS (
    SELECT line, timestamp, from_bank, from_account, to_bank, to_account, amount_received, receiving_currency,
           amount_paid, payment_currency, payment_format
    FROM batch
    UNION ALL
    SELECT NULL, timestamp, from_bank, from_account, to_bank, to_account, amount_received, receiving_currency,
           amount_paid, payment_currency, payment_format
    FROM delivered
    WHERE timestamp BETWEEN (SELECT min(timestamp) FROM batch) AND (SELECT max(timestamp) FROM batch)
),
keyed AS (
    SELECT line, md5(concat_ws('|', CAST(epoch(timestamp) AS BIGINT), from_bank, from_account, to_bank, to_account,
                               coalesce(CAST(amount_received AS VARCHAR), '-'), coalesce(receiving_currency, '-'),
                               CAST(amount_paid AS VARCHAR), payment_currency, coalesce(payment_format, '-'))) AS content
    FROM rows
),
earlier AS (
    SELECT content, count(*) AS earlier FROM keyed WHERE line IS NULL GROUP BY content
)
SELECT k.line, k.content, e.earlier,
       row_number() OVER (PARTITION BY k.content ORDER BY k.line) - 1 AS occurrence
FROM keyed k JOIN earlier e ON k.content = e.content
WHERE k.line IS NOT NULL
ORDER BY k.line
