-- The transactions behind red-flag hits: each wanted account's payments in and out, in its currency and
-- window (what a rule alert cites), in time order, with the account as the source gives it.
SELECT w.subject, t.id, t.timestamp,
       CASE WHEN t.from_account_id = w.account THEN t.from_account ELSE t.to_account END AS account_as_given
FROM transactions AS t
JOIN wanted_accounts AS w
  ON ((t.to_account_id = w.account AND t.from_account_id <> t.to_account_id AND t.receiving_currency = w.currency)
      OR (t.from_account_id = w.account AND t.payment_currency = w.currency))
 AND t.timestamp >= CAST(w.window_start AS TIMESTAMP) AND t.timestamp < CAST(w.window_end AS TIMESTAMP)
 AND t.amount_paid > 0
ORDER BY w.subject, t.timestamp, t.line
