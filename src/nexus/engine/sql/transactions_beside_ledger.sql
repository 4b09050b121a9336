-- The statements' payments (`nx_payment_transactions`, from `transactions_from_payments`) that the ledger's rows the
-- viewer may see (`nx_ledger_visible`) do not hold already: a payment between the same two account numbers (compared
-- without case, spaces or punctuation, whatever the banks are called), on the same day, for the same amount to the
-- cent, is the ledger's (a bank's goAML report of its own transactions, a file's copy of the feed) and is left out,
-- so that no typology counts it twice. Payments between parties (no account number) are all kept.
WITH ledger_keys AS (
    SELECT DISTINCT regexp_replace(upper(from_account), '[^A-Z0-9]', '', 'g') AS from_key,
           regexp_replace(upper(to_account), '[^A-Z0-9]', '', 'g') AS to_key,
           CAST(timestamp AS DATE) AS day, CAST(round(amount_paid * 100) AS BIGINT) AS cents
    FROM nx_ledger_visible
)
SELECT p.*
FROM nx_payment_transactions AS p
LEFT JOIN ledger_keys AS k
    ON k.from_key = p.from_key AND k.to_key = p.to_key AND k.day = p.day AND k.cents = p.cents
WHERE k.from_key IS NULL
