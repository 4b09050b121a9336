-- Fan-out (or fan-in): an account paying (being paid by) at least $min_degree distinct accounts within
-- $window_hours of one of its payments; for each account its densest such window. The windows are counted
-- first; the transactions and counterparties are listed for the chosen window only.
WITH t AS (
    SELECT id, timestamp, amount, currency,
           CASE WHEN $outgoing THEN from_n ELSE to_n END AS account_n,
           CASE WHEN $outgoing THEN from_account_id ELSE to_account_id END AS account_id,
           CASE WHEN $outgoing THEN from_account ELSE to_account END AS account,
           CASE WHEN $outgoing THEN to_n ELSE from_n END AS other_n,
           CASE WHEN $outgoing THEN to_account ELSE from_account END AS other
    FROM detect_transfers
),
busy AS (
    -- only accounts with enough counterparties at all can fan within a window
    SELECT account_n FROM t GROUP BY account_n HAVING count(DISTINCT other_n) >= $min_degree
),
candidates AS (
    SELECT t.*, count(*) OVER (PARTITION BY t.account_n ORDER BY t.timestamp
                               RANGE BETWEEN CURRENT ROW AND INTERVAL $window_hours HOUR FOLLOWING) AS ahead
    FROM t JOIN busy USING (account_n)
),
degrees AS (
    -- only a payment with enough payments (any counterparties) within the window after it can start a fan
    SELECT a.id AS anchor, a.account_n, a.timestamp AS start, count(DISTINCT b.other_n) AS degree
    FROM candidates AS a
    JOIN candidates AS b ON a.ahead >= $min_degree AND b.account_n = a.account_n AND b.timestamp >= a.timestamp
        AND b.timestamp < a.timestamp + INTERVAL $window_hours HOUR
    GROUP BY a.id, a.account_n, a.timestamp
    HAVING count(DISTINCT b.other_n) >= $min_degree
),
chosen AS (
    SELECT * FROM (
        SELECT *, row_number() OVER (PARTITION BY account_n ORDER BY degree DESC, start, anchor) AS r FROM degrees
    ) AS ranked
    WHERE r = 1
)
SELECT any_value(b.account_id) AS account_id, any_value(b.account) AS account, c.start, max(b.timestamp) AS finish, c.degree,
       list(b.id ORDER BY b.timestamp, b.id) AS transactions, list_sort(list(DISTINCT b.other)) AS others,
       sum(b.amount) AS total, CASE WHEN count(DISTINCT b.currency) = 1 THEN min(b.currency) END AS currency
FROM chosen AS c
JOIN candidates AS b ON b.account_n = c.account_n AND b.timestamp >= c.start
    AND b.timestamp < c.start + INTERVAL $window_hours HOUR
GROUP BY c.account_n, c.start, c.degree
ORDER BY c.degree DESC, account_id
