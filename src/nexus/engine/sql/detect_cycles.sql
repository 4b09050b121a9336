-- Cycles: money leaving an account and coming back to it through 1..3 other distinct accounts, each
-- payment later than the one before, all within $window_hours of the first; at most $max_length payments.
-- A cycle is listed once, from its first payment, by its payments' numbers (k1..k4; materialised as
-- `cycle_keys`, which `detect_cycle_payments` looks up): the search joins payment and account numbers only.
WITH t AS (SELECT k, from_n AS f, to_n AS g, timestamp AS at FROM detect_transfers),
c2 AS (
    SELECT a.k AS k1, b.k AS k2, CAST(NULL AS BIGINT) AS k3, CAST(NULL AS BIGINT) AS k4
    FROM t AS a
    JOIN t AS b ON b.f = a.g AND b.g = a.f AND b.at > a.at AND b.at <= a.at + INTERVAL $window_hours HOUR
),
p2 AS (
    -- `ends` packs the first and last account numbers into one integer, `back` the two reversed: the key c4 joins on
    SELECT a.f AS a0, a.g AS a1, b.g AS a2, a.k AS k1, b.k AS k2, a.at AS start, b.at AS at2,
           a.f * 4294967296 + b.g AS ends, b.g * 4294967296 + a.f AS back
    FROM t AS a
    JOIN t AS b ON b.f = a.g AND b.g <> a.f AND b.at > a.at AND b.at <= a.at + INTERVAL $window_hours HOUR
    WHERE $max_length >= 3
),
c3 AS (
    SELECT p.k1, p.k2, c.k AS k3, CAST(NULL AS BIGINT) AS k4
    FROM p2 AS p
    JOIN t AS c ON c.f = p.a2 AND c.g = p.a0 AND c.at > p.at2 AND c.at <= p.start + INTERVAL $window_hours HOUR
),
c4 AS (
    -- two two-payment paths met end to end (a0 → a1 → a2, then a2 → a3 → a0): joined on both their ends,
    -- not by growing every three-payment path first
    SELECT p.k1, p.k2, q.k1 AS k3, q.k2 AS k4
    FROM p2 AS p
    JOIN p2 AS q ON q.ends = p.back AND q.a1 <> p.a1 AND q.a1 <> p.a0
        AND q.start > p.at2 AND q.at2 <= p.start + INTERVAL $window_hours HOUR
    WHERE $max_length >= 4
)
SELECT * FROM c2
UNION ALL SELECT * FROM c3
UNION ALL SELECT * FROM c4
