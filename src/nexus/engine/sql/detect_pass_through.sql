-- Rapid pass-through: an account that sends on between $share and all of a payment it received, in the
-- same currency, within $window_hours; each incoming payment with its first such onward payment.
WITH t AS (SELECT * FROM detect_transfers),
pairs AS (
    SELECT i.to_account_id AS account_id, i.to_account AS account, i.id AS incoming, o.id AS outgoing,
           i.from_account AS source, o.to_account AS destination, i.timestamp AS start, o.timestamp AS finish,
           i.amount AS received, o.amount AS sent, i.currency,
           row_number() OVER (PARTITION BY i.id ORDER BY o.timestamp, o.id) AS r
    FROM t AS i
    JOIN t AS o ON o.from_account_id = i.to_account_id AND o.currency = i.currency
        AND o.timestamp >= i.timestamp AND o.timestamp <= i.timestamp + INTERVAL $window_hours HOUR
        AND o.amount >= $share * i.amount AND o.amount <= i.amount AND o.to_account_id <> i.from_account_id
)
SELECT account_id, account, incoming, outgoing, source, destination, start, finish, received, sent, currency
FROM pairs
WHERE r = 1
ORDER BY start, incoming
