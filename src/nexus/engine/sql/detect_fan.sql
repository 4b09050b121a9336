-- Fan-out (or fan-in): an account paying (being paid by) at least $min_degree distinct accounts within
-- $window_hours of one of its payments; for each account its densest such window.
WITH t AS (
    SELECT id, timestamp, amount, currency,
           CASE WHEN $outgoing THEN from_account_id ELSE to_account_id END AS account_id,
           CASE WHEN $outgoing THEN from_account ELSE to_account END AS account,
           CASE WHEN $outgoing THEN to_account_id ELSE from_account_id END AS other_id,
           CASE WHEN $outgoing THEN to_account ELSE from_account END AS other
    FROM detect_transfers
),
windows AS (
    SELECT a.id AS anchor, a.account_id, a.account, a.timestamp AS start, b.id, b.other_id, b.other, b.timestamp,
           b.amount, b.currency
    FROM t AS a
    JOIN t AS b ON b.account_id = a.account_id AND b.timestamp >= a.timestamp
        AND b.timestamp < a.timestamp + INTERVAL $window_hours HOUR
),
dense AS (
    SELECT anchor, account_id, any_value(account) AS account, start, count(DISTINCT other_id) AS degree,
           list(id ORDER BY timestamp, id) AS transactions, list_sort(list(DISTINCT other)) AS others, max(timestamp) AS finish,
           sum(amount) AS total, count(DISTINCT currency) AS currencies, min(currency) AS currency
    FROM windows
    GROUP BY anchor, account_id, start
    HAVING count(DISTINCT other_id) >= $min_degree
),
ranked AS (
    SELECT *, row_number() OVER (PARTITION BY account_id ORDER BY degree DESC, start, anchor) AS r FROM dense
)
SELECT account_id, account, start, finish, degree, transactions, others, total,
       CASE WHEN currencies = 1 THEN currency END AS currency
FROM ranked
WHERE r = 1
ORDER BY degree DESC, account_id
