-- The transfers the typologies read: a payment between two different accounts, with a positive amount.
SELECT id, timestamp, from_account_id, from_account, to_account_id, to_account, amount_paid AS amount,
       payment_currency AS currency, payment_format
FROM transactions
WHERE from_account_id <> to_account_id AND amount_paid > 0
