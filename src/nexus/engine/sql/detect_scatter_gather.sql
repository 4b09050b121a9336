-- Scatter-gather: money leaving one account for at least $min_middles distinct intermediaries, each of which
-- pays one and the same destination later, all within $window_hours of the first payment. Each payment's
-- amount counts once, however many legs it is part of.
WITH t AS (SELECT * FROM detect_transfers),
hops AS (
    SELECT a.from_n AS source_n, a.to_n AS middle_n, b.to_n AS target_n
    FROM t AS a
    JOIN t AS b ON b.from_n = a.to_n AND b.to_n <> a.from_n
        AND b.timestamp > a.timestamp AND b.timestamp <= a.timestamp + INTERVAL $window_hours HOUR
),
wide AS (
    -- counted first, on account numbers, without lists: only the few pairs through enough intermediaries are listed
    SELECT source_n, target_n FROM hops GROUP BY source_n, target_n HAVING count(DISTINCT middle_n) >= $min_middles
),
legs AS (
    SELECT a.from_account_id AS source_id, a.from_account AS source, a.to_account_id AS middle_id, a.to_account AS middle,
           b.to_account_id AS target_id, b.to_account AS target, a.id AS out_id, b.id AS in_id,
           a.timestamp AS sent, b.timestamp AS gathered, a.amount AS out_amount, b.amount AS in_amount,
           a.currency AS out_currency, b.currency AS in_currency
    FROM wide AS w
    JOIN t AS a ON a.from_n = w.source_n
    JOIN t AS b ON b.from_n = a.to_n AND b.to_n = w.target_n
        AND b.timestamp > a.timestamp AND b.timestamp <= a.timestamp + INTERVAL $window_hours HOUR
),
pairs AS (
    SELECT source_id, target_id, any_value(source) AS source, any_value(target) AS target,
           count(DISTINCT middle_id) AS middles, list_sort(list(DISTINCT middle)) AS middle_accounts,
           list_sort(list(DISTINCT out_id)) AS outgoing, list_sort(list(DISTINCT in_id)) AS incoming,
           min(sent) AS start, max(gathered) AS finish,
           CASE WHEN count(DISTINCT out_currency) = 1 AND count(DISTINCT in_currency) = 1
                     AND min(out_currency) = min(in_currency) THEN min(out_currency) END AS currency
    FROM legs
    GROUP BY source_id, target_id
),
scattered AS (
    SELECT source_id, target_id, sum(out_amount) AS scattered
    FROM (SELECT DISTINCT source_id, target_id, out_id, out_amount FROM legs) AS outs
    GROUP BY source_id, target_id
),
gathered AS (
    SELECT source_id, target_id, sum(in_amount) AS gathered_total
    FROM (SELECT DISTINCT source_id, target_id, in_id, in_amount FROM legs) AS ins
    GROUP BY source_id, target_id
)
SELECT p.*, s.scattered, g.gathered_total
FROM pairs AS p
JOIN scattered AS s USING (source_id, target_id)
JOIN gathered AS g USING (source_id, target_id)
WHERE p.finish <= p.start + INTERVAL $window_hours HOUR
ORDER BY p.middles DESC, p.source_id, p.target_id
