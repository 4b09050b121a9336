-- Cycles: money leaving an account and coming back to it through 1..3 other distinct accounts, each
-- payment later than the one before, all within $window_hours of the first; at most $max_length payments.
-- A cycle is listed once, from its first payment.
WITH t AS (SELECT * FROM detect_transfers),
c2 AS (
    SELECT a.from_account_id AS a0, a.to_account_id AS a1, NULL AS a2, NULL AS a3,
           a.from_account AS n0, a.to_account AS n1, NULL AS n2, NULL AS n3,
           a.id AS t1, b.id AS t2, NULL AS t3, NULL AS t4, a.timestamp AS start, b.timestamp AS finish,
           [a.amount, b.amount] AS amounts, [a.currency, b.currency] AS currencies
    FROM t AS a
    JOIN t AS b ON b.from_account_id = a.to_account_id AND b.to_account_id = a.from_account_id
        AND b.timestamp > a.timestamp AND b.timestamp <= a.timestamp + INTERVAL $window_hours HOUR
),
p2 AS (
    SELECT a.from_account_id AS a0, a.to_account_id AS a1, b.to_account_id AS a2, a.from_account AS n0,
           a.to_account AS n1, b.to_account AS n2, a.id AS t1, b.id AS t2, a.timestamp AS start, b.timestamp AS at2,
           a.amount AS m1, b.amount AS m2, a.currency AS c1, b.currency AS c2
    FROM t AS a
    JOIN t AS b ON b.from_account_id = a.to_account_id AND b.to_account_id <> a.from_account_id
        AND b.timestamp > a.timestamp AND b.timestamp <= a.timestamp + INTERVAL $window_hours HOUR
    WHERE $max_length >= 3
),
c3 AS (
    SELECT p.a0, p.a1, p.a2, NULL AS a3, p.n0, p.n1, p.n2, NULL AS n3, p.t1, p.t2, c.id AS t3, NULL AS t4,
           p.start, c.timestamp AS finish, [p.m1, p.m2, c.amount] AS amounts, [p.c1, p.c2, c.currency] AS currencies
    FROM p2 AS p
    JOIN t AS c ON c.from_account_id = p.a2 AND c.to_account_id = p.a0
        AND c.timestamp > p.at2 AND c.timestamp <= p.start + INTERVAL $window_hours HOUR
),
c4 AS (
    -- two two-payment paths met end to end (a0 → a1 → a2, then a2 → a3 → a0): joined on both their ends,
    -- not by growing every three-payment path first
    SELECT p.a0, p.a1, p.a2, q.a1 AS a3, p.n0, p.n1, p.n2, q.n1 AS n3, p.t1, p.t2, q.t1 AS t3, q.t2 AS t4,
           p.start, q.at2 AS finish, [p.m1, p.m2, q.m1, q.m2] AS amounts, [p.c1, p.c2, q.c1, q.c2] AS currencies
    FROM p2 AS p
    JOIN p2 AS q ON q.a0 = p.a2 AND q.a2 = p.a0 AND q.a1 <> p.a1 AND q.a1 <> p.a0
        AND q.start > p.at2 AND q.at2 <= p.start + INTERVAL $window_hours HOUR
    WHERE $max_length >= 4
)
SELECT * FROM c2
UNION ALL SELECT * FROM c3
UNION ALL SELECT * FROM c4
ORDER BY start, t1, t2, t3, t4
