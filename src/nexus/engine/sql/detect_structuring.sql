-- Structuring: at least $min_count payments from one account just below the reporting threshold (between
-- $low and $threshold, in $currency) within $window_hours of one of them; for each account its densest window.
WITH t AS (
    SELECT * FROM detect_transfers WHERE currency = $currency AND amount >= $low AND amount < $threshold
),
windows AS (
    SELECT a.id AS anchor, a.from_account_id AS account_id, a.from_account AS account, a.timestamp AS start,
           b.id, b.timestamp, b.amount, b.to_account
    FROM t AS a
    JOIN t AS b ON b.from_account_id = a.from_account_id AND b.timestamp >= a.timestamp
        AND b.timestamp < a.timestamp + INTERVAL $window_hours HOUR
),
dense AS (
    SELECT anchor, account_id, any_value(account) AS account, start, max(timestamp) AS finish, count(*) AS payments,
           list(id ORDER BY timestamp, id) AS transactions, list_sort(list(DISTINCT to_account)) AS others, sum(amount) AS total
    FROM windows
    GROUP BY anchor, account_id, start
    HAVING count(*) >= $min_count
),
ranked AS (SELECT *, row_number() OVER (PARTITION BY account_id ORDER BY payments DESC, start, anchor) AS r FROM dense)
SELECT account_id, account, start, finish, payments, transactions, others, total
FROM ranked
WHERE r = 1
ORDER BY payments DESC, account_id
