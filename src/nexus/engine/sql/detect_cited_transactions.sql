-- The wanted transactions as the viewer may see them, in time order: what an alert's report lists.
SELECT t.id, t.timestamp, t.from_bank, t.from_account, t.to_bank, t.to_account, t.amount_paid, t.payment_currency,
       t.amount_received, t.receiving_currency, t.payment_format
FROM transactions AS t
JOIN wanted_transactions AS w ON w.id = t.id
ORDER BY t.timestamp, t.line
