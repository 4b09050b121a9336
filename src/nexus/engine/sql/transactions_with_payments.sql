-- `transactions`: the ledger's rows the viewer may see (`nx_ledger_visible`) and the statements' payments it does
-- not hold (`nx_payment_transactions`), column by column in the ledger's order and types, each currency in its one
-- spelling ($receiving_currency, $payment_currency: `nexus.model.currencies`), so that "EUR" and "Euro" are one.
SELECT timestamp, from_bank, from_account, to_bank, to_account, amount_received,
       $receiving_currency AS receiving_currency, amount_paid, $payment_currency AS payment_currency, payment_format,
       is_laundering, line, id, from_account_id, to_account_id, source, run_id, agency, classification, releasable_to,
       compartment, orcon, warrant
FROM (
    SELECT timestamp, from_bank, from_account, to_bank, to_account, amount_received, receiving_currency, amount_paid,
           payment_currency, payment_format, is_laundering, line, id, from_account_id, to_account_id, source, run_id,
           agency, classification, releasable_to, compartment, orcon, warrant
    FROM nx_ledger_visible
    UNION ALL
    SELECT timestamp, from_bank, from_account, to_bank, to_account, amount_received, receiving_currency, amount_paid,
           payment_currency, payment_format, is_laundering, line, id, from_account_id, to_account_id, source, run_id,
           agency, classification, releasable_to, compartment, orcon, warrant
    FROM nx_payment_transactions
) AS both_kinds
