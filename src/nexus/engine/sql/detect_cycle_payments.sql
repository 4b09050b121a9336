-- The cycles `detect_cycles` found (`cycle_keys`: their payments' numbers), with their accounts, payments,
-- times, amounts and currencies.
WITH x AS (
    -- the payments found, picked out in one pass over every payment
    SELECT * FROM detect_transfers
    WHERE k IN (SELECT k1 FROM cycle_keys UNION SELECT k2 FROM cycle_keys UNION SELECT k3 FROM cycle_keys
                UNION SELECT k4 FROM cycle_keys)
)
SELECT x1.from_account_id AS a0, x1.to_account_id AS a1,
       CASE WHEN x3.k IS NOT NULL THEN x2.to_account_id END AS a2,
       CASE WHEN x4.k IS NOT NULL THEN x3.to_account_id END AS a3,
       x1.from_account AS n0, x1.to_account AS n1,
       CASE WHEN x3.k IS NOT NULL THEN x2.to_account END AS n2,
       CASE WHEN x4.k IS NOT NULL THEN x3.to_account END AS n3,
       x1.id AS t1, x2.id AS t2, x3.id AS t3, x4.id AS t4,
       x1.timestamp AS start, coalesce(x4.timestamp, x3.timestamp, x2.timestamp) AS finish,
       CASE WHEN x4.k IS NOT NULL THEN [x1.amount, x2.amount, x3.amount, x4.amount]
            WHEN x3.k IS NOT NULL THEN [x1.amount, x2.amount, x3.amount]
            ELSE [x1.amount, x2.amount] END AS amounts,
       CASE WHEN x4.k IS NOT NULL THEN [x1.currency, x2.currency, x3.currency, x4.currency]
            WHEN x3.k IS NOT NULL THEN [x1.currency, x2.currency, x3.currency]
            ELSE [x1.currency, x2.currency] END AS currencies
FROM cycle_keys AS found
JOIN x AS x1 ON x1.k = found.k1
JOIN x AS x2 ON x2.k = found.k2
LEFT JOIN x AS x3 ON x3.k = found.k3
LEFT JOIN x AS x4 ON x4.k = found.k4
ORDER BY start, t1, t2, t3, t4
