-- The transactions behind red-flag hits: each wanted account's payments in and out, in its currency and
-- window, as the features counted them (what a rule alert cites), each with its amount in that currency, in time
-- order, with the account as the source gives it, the counterparty's account id and whether the run's transfers
-- count it as cash drawn near a conflict zone. Two equi-joins (in, out), not one join on an OR, so that the engine
-- hashes rather than compares every pair.
SELECT cited.subject, cited.id, cited.timestamp, cited.account_as_given, cited.counterparty_id, cited.incoming,
       cited.amount, coalesce(r.cash_near_conflict, FALSE) AS near_conflict
FROM (
    SELECT w.subject, t.id, t.timestamp, t.line, t.to_account AS account_as_given, w.account AS account_id,
           t.from_account_id AS counterparty_id, TRUE AS incoming, t.amount_received AS amount
    FROM transactions AS t
    JOIN wanted_accounts AS w ON t.to_account_id = w.account AND t.receiving_currency = w.currency
    WHERE t.from_account_id <> t.to_account_id AND t.amount_paid > 0
      AND t.timestamp >= CAST(w.window_start AS TIMESTAMP) AND t.timestamp < CAST(w.window_end AS TIMESTAMP)
    UNION ALL
    SELECT w.subject, t.id, t.timestamp, t.line, t.from_account AS account_as_given, w.account AS account_id,
           t.to_account_id AS counterparty_id, FALSE AS incoming, t.amount_paid AS amount
    FROM transactions AS t
    JOIN wanted_accounts AS w ON t.from_account_id = w.account AND t.payment_currency = w.currency
    WHERE t.amount_paid > 0 AND (t.from_account_id <> t.to_account_id OR t.payment_format = 'Cash')
      AND t.timestamp >= CAST(w.window_start AS TIMESTAMP) AND t.timestamp < CAST(w.window_end AS TIMESTAMP)
) AS cited
LEFT JOIN red_flag_transfers AS r ON r.id = cited.id AND r.from_account_id = cited.account_id
ORDER BY cited.subject, cited.timestamp, cited.line
