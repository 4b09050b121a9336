-- What red-flag rules are written over: per account, currency and window ($window_days days, tiled from
-- $from_time) of the viewer's transactions in [$from_time, $to_time), one row per subject (materialised
-- once as `red_flag_windows`; `detect_account_features` gives it in long form). Money in is counted in the receiving currency, money out in the paying one; cash withdrawals
-- may be an account's payments to itself. A counterparty's country is its IBAN's (an account number of IBAN
-- shape and length: its first two letters)
-- or its bank's (`bank_countries`); `high_risk` lists the jurisdictions configured as high-risk.
WITH t AS (
    SELECT id, timestamp, from_account_id, to_account_id, from_account, to_account, to_bank, amount_received,
           receiving_currency, amount_paid, payment_currency, payment_format,
           CAST(floor(date_diff('second', CAST($from_time AS TIMESTAMP), timestamp) / (86400 * $window_days))
                AS BIGINT) AS bucket
    FROM transactions
    WHERE timestamp >= CAST($from_time AS TIMESTAMP) AND timestamp < CAST($to_time AS TIMESTAMP)
      AND amount_paid > 0 AND (from_account_id <> to_account_id OR payment_format = 'Cash')
),
incoming AS (
    SELECT to_account_id AS account, receiving_currency AS currency, bucket, count(*) AS inflows,
           sum(amount_received) AS inflow_total, count(DISTINCT from_account_id) AS distinct_payers,
           sum(CASE WHEN amount_received <= $small_amount THEN 1 ELSE 0 END) AS small_inflows,
           sum(CASE WHEN payment_format = 'Cash' THEN 1 ELSE 0 END) AS cash_inflows
    FROM t
    WHERE from_account_id <> to_account_id
    GROUP BY to_account_id, receiving_currency, bucket
),
outgoing AS (
    SELECT t.from_account_id AS account, t.payment_currency AS currency, t.bucket, count(*) AS outflows,
           sum(t.amount_paid) AS outflow_total, count(DISTINCT t.to_account_id) AS distinct_payees,
           sum(CASE WHEN t.payment_format = 'Cash' THEN t.amount_paid ELSE 0 END) AS cash_out,
           sum(CASE WHEN h.country IS NOT NULL THEN t.amount_paid ELSE 0 END) AS high_risk_out
    FROM t
    LEFT JOIN bank_countries AS b ON b.bank = t.to_bank
    LEFT JOIN high_risk AS h ON h.country = coalesce(
        CASE WHEN length(t.to_account) BETWEEN 15 AND 34 AND TRY_CAST(substr(t.to_account, 3, 2) AS INTEGER) IS NOT NULL
             THEN substr(t.to_account, 1, 2) END, b.country)
    GROUP BY t.from_account_id, t.payment_currency, t.bucket
),
accounts AS (
    SELECT coalesce(i.account, o.account) AS account, coalesce(i.currency, o.currency) AS currency,
           coalesce(i.bucket, o.bucket) AS bucket,
           coalesce(i.inflows, 0) AS inflows, coalesce(i.inflow_total, 0) AS inflow_total,
           coalesce(i.distinct_payers, 0) AS distinct_payers, coalesce(i.small_inflows, 0) AS small_inflows,
           coalesce(i.cash_inflows, 0) AS cash_inflows, coalesce(o.outflows, 0) AS outflows,
           coalesce(o.outflow_total, 0) AS outflow_total, coalesce(o.distinct_payees, 0) AS distinct_payees,
           coalesce(o.cash_out, 0) AS cash_out, coalesce(o.high_risk_out, 0) AS high_risk_out
    FROM incoming AS i
    FULL OUTER JOIN outgoing AS o ON o.account = i.account AND o.currency = i.currency AND o.bucket = i.bucket
),
final AS (
    SELECT account || '|' || currency || '|' || CAST(bucket AS VARCHAR) AS subject, *,
           CASE WHEN inflow_total > 0 THEN least(outflow_total / inflow_total, 10.0) END AS out_in_ratio,
           CASE WHEN inflow_total > 0 THEN cash_out / inflow_total END AS cash_out_share,
           CASE WHEN outflow_total > 0 THEN high_risk_out / outflow_total END AS high_risk_out_share,
           CASE WHEN inflow_total > 0 THEN (cash_out + high_risk_out) / inflow_total END AS cash_or_high_risk_out_share,
           CASE WHEN inflows > 0 THEN CAST(small_inflows AS DOUBLE) / inflows END AS small_inflow_share
    FROM accounts
)
SELECT * FROM final
