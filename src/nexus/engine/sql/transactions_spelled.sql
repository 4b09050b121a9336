-- `transactions`: the viewer's transactions (`nx_transactions_unspelled`), each currency in its one spelling
-- ($receiving_currency, $payment_currency: `nexus.model.currencies`), so that "EUR" and "Euro" are one currency to
-- the detectors and the link graph.
SELECT timestamp, from_bank, from_account, to_bank, to_account, amount_received,
       $receiving_currency AS receiving_currency, amount_paid, $payment_currency AS payment_currency, payment_format,
       is_laundering, line, id, from_account_id, to_account_id, source, run_id, agency, classification, releasable_to,
       compartment, orcon, warrant
FROM nx_transactions_unspelled
