-- The wanted transactions as the viewer may see them, in time order, with what an FtM Payment of each needs: its
-- accounts' entity ids, both amounts and currencies, the payment format, its source and its security labels.
SELECT t.id, t.source, t.timestamp, t.from_bank, t.from_account, t.from_account_id, t.to_bank, t.to_account,
       t.to_account_id, t.amount_paid, t.payment_currency, t.amount_received, t.receiving_currency, t.payment_format,
       t.agency, t.classification, t.releasable_to, t.compartment, t.orcon, t.warrant
FROM transactions AS t
JOIN wanted_transactions AS w ON w.id = t.id
ORDER BY t.timestamp, t.line
