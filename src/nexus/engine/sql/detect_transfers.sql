-- The transfers the typologies read: a payment between two different accounts, with a positive amount.
-- Each has its accounts' numbers (`from_n`, `to_n`, in the order of their ids) and a number of its own (`k`:
-- its payer's number and its place among the payer's payments, so no sort of every payment makes it), so
-- that queries joining many payments to many (cycles, scatter-gather, bipartite, fans) join and carry
-- integers and look the text up only for what they find.
WITH kept AS (
    SELECT id, timestamp, from_account_id, from_account, to_account_id, to_account, amount_paid AS amount,
           payment_currency AS currency, payment_format
    FROM transactions
    WHERE from_account_id <> to_account_id AND amount_paid > 0
),
accounts AS (
    SELECT id, row_number() OVER (ORDER BY id) AS n
    FROM (SELECT from_account_id AS id FROM kept UNION SELECT to_account_id FROM kept) AS ids
)
SELECT kept.*, f.n * 4294967296 + row_number() OVER (PARTITION BY f.n ORDER BY kept.timestamp, kept.id) AS k,
       f.n AS from_n, g.n AS to_n
FROM kept
JOIN accounts AS f ON f.id = kept.from_account_id
JOIN accounts AS g ON g.id = kept.to_account_id
