-- The ledger's rows the viewer may see (`nx_ledger_visible`) and the statements' payments it does not hold
-- (`nx_payment_transactions`), column by column in the ledger's order and types.
SELECT timestamp, from_bank, from_account, to_bank, to_account, amount_received, receiving_currency, amount_paid,
       payment_currency, payment_format, is_laundering, line, id, from_account_id, to_account_id, source, run_id,
       agency, classification, releasable_to, compartment, orcon, warrant
FROM nx_ledger_visible
UNION ALL
SELECT timestamp, from_bank, from_account, to_bank, to_account, amount_received, receiving_currency, amount_paid,
       payment_currency, payment_format, is_laundering, line, id, from_account_id, to_account_id, source, run_id,
       agency, classification, releasable_to, compartment, orcon, warrant
FROM nx_payment_transactions
