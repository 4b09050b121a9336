-- What the learned layer knows of each positive payment (GFP-style graph features, one row per transaction):
-- its amount and format; how busy its payer and payee were within $window_days days either side (payments
-- and counterparties in and out, summed over days); how many counterparties each has over the whole ledger;
-- how much of it the payee sent on that day and the next, and how much the payer had received that day and
-- the day before (pass-through); how far its amount is from the payer's usual one; and which typologies and
-- red-flag rules cite it (`pattern_members`: id, name). Counterparties are counted per day, so one seen on
-- two days counts twice: a measure of activity, not of distinct people. Self-payments (cash withdrawals)
-- count in no account's activity.
WITH t AS (
    SELECT id, timestamp, CAST(floor(epoch(timestamp) / 86400) AS BIGINT) AS day, from_account_id AS payer,
           to_account_id AS payee, from_account AS payer_account, to_account AS payee_account, amount_paid AS amount, payment_currency, receiving_currency, payment_format,
           from_bank, to_bank, coalesce(is_laundering, false) AS is_laundering
    FROM transactions
    WHERE amount_paid > 0
),
between_two AS (
    SELECT * FROM t WHERE payer <> payee
),
active AS (
    -- per account and day it paid or was paid (a self-payment's day too, with nothing counted)
    SELECT account, day, sum(out_payments) AS out_payments, sum(out_parties) AS out_parties, sum(out_total) AS out_total,
           sum(in_payments) AS in_payments, sum(in_parties) AS in_parties, sum(in_total) AS in_total
    FROM (
        SELECT payer AS account, day, count(*) AS out_payments, count(DISTINCT payee) AS out_parties,
               sum(amount) AS out_total, 0 AS in_payments, 0 AS in_parties, 0.0 AS in_total
        FROM between_two
        GROUP BY payer, day
        UNION ALL
        SELECT payee, day, 0, 0, 0.0, count(*), count(DISTINCT payer), sum(amount)
        FROM between_two
        GROUP BY payee, day
        UNION ALL
        SELECT DISTINCT payer, day, 0, 0, 0.0, 0, 0, 0.0 FROM t WHERE payer = payee
    ) AS sides
    GROUP BY account, day
),
windows AS (
    SELECT account, day,
           CAST(sum(out_payments) OVER (PARTITION BY account ORDER BY day RANGE BETWEEN $window_days PRECEDING AND $window_days FOLLOWING) AS DOUBLE) AS out_payments,
           CAST(sum(out_parties) OVER (PARTITION BY account ORDER BY day RANGE BETWEEN $window_days PRECEDING AND $window_days FOLLOWING) AS DOUBLE) AS out_parties,
           CAST(sum(in_payments) OVER (PARTITION BY account ORDER BY day RANGE BETWEEN $window_days PRECEDING AND $window_days FOLLOWING) AS DOUBLE) AS in_payments,
           CAST(sum(in_parties) OVER (PARTITION BY account ORDER BY day RANGE BETWEEN $window_days PRECEDING AND $window_days FOLLOWING) AS DOUBLE) AS in_parties,
           CAST(sum(out_total) OVER (PARTITION BY account ORDER BY day RANGE BETWEEN CURRENT ROW AND 1 FOLLOWING) AS DOUBLE) AS sent_on,
           CAST(sum(in_total) OVER (PARTITION BY account ORDER BY day RANGE BETWEEN 1 PRECEDING AND CURRENT ROW) AS DOUBLE) AS received
    FROM active
),
out_ever AS (
    SELECT payer AS account, count(DISTINCT payee) AS parties, avg(ln(amount + 1)) AS usual_amount
    FROM between_two
    GROUP BY payer
),
in_ever AS (
    SELECT payee AS account, count(DISTINCT payer) AS parties FROM between_two GROUP BY payee
),
pairs AS (
    -- how often the payer paid this payee over the whole ledger, and before this payment
    SELECT id, count(*) OVER (PARTITION BY payer, payee) AS pair_payments,
           row_number() OVER (PARTITION BY payer, payee ORDER BY timestamp, id) - 1 AS pair_before
    FROM between_two
),
active_days AS (
    SELECT account, count(*) AS days FROM active GROUP BY account
),
patterns AS (
    SELECT id,
           max(CASE WHEN name = 'fan-out' THEN 1 ELSE 0 END) AS in_fan_out,
           max(CASE WHEN name = 'fan-in' THEN 1 ELSE 0 END) AS in_fan_in,
           max(CASE WHEN name = 'cycle' THEN 1 ELSE 0 END) AS in_cycle,
           max(CASE WHEN name = 'scatter-gather' THEN 1 ELSE 0 END) AS in_scatter_gather,
           max(CASE WHEN name = 'gather-scatter' THEN 1 ELSE 0 END) AS in_gather_scatter,
           max(CASE WHEN name = 'structuring' THEN 1 ELSE 0 END) AS in_structuring,
           max(CASE WHEN name = 'pass-through' THEN 1 ELSE 0 END) AS in_pass_through,
           max(CASE WHEN name = 'bipartite' THEN 1 ELSE 0 END) AS in_bipartite,
           max(CASE WHEN name = 'stack' THEN 1 ELSE 0 END) AS in_stack,
           max(CASE WHEN name = 'rule' THEN 1 ELSE 0 END) AS in_rule,
           count(*) AS patterns
    FROM pattern_members
    GROUP BY id
)
SELECT t.id, t.timestamp, t.day, t.payer, t.payee, t.payer_account, t.payee_account, t.is_laundering,
       ln(t.amount + 1) AS log_amount,
       CASE WHEN t.payment_format = 'Cash' THEN 1 ELSE 0 END AS by_cash,
       CASE WHEN t.payment_format = 'Wire' THEN 1 ELSE 0 END AS by_wire,
       CASE WHEN t.payment_format = 'ACH' THEN 1 ELSE 0 END AS by_ach,
       CASE WHEN t.payment_format = 'Cheque' THEN 1 ELSE 0 END AS by_cheque,
       CASE WHEN t.payment_format = 'Credit Card' THEN 1 ELSE 0 END AS by_card,
       CASE WHEN t.payment_format = 'Bitcoin' THEN 1 ELSE 0 END AS by_bitcoin,
       CASE WHEN t.payment_currency <> t.receiving_currency THEN 1 ELSE 0 END AS cross_currency,
       CASE WHEN t.from_bank <> t.to_bank THEN 1 ELSE 0 END AS cross_bank,
       CASE WHEN t.payer = t.payee THEN 1 ELSE 0 END AS self_payment,
       p.out_payments AS payer_payments_out, p.out_parties AS payer_payees, p.in_payments AS payer_payments_in,
       p.in_parties AS payer_payers, q.in_payments AS payee_payments_in, q.in_parties AS payee_payers,
       q.out_payments AS payee_payments_out, q.out_parties AS payee_payees,
       q.sent_on / t.amount AS payee_sent_on, p.received / t.amount AS payer_received,
       coalesce(pe.parties, 0) AS payer_payees_ever, coalesce(qe.parties, 0) AS payee_payers_ever,
       ln(t.amount + 1) - coalesce(pe.usual_amount, ln(t.amount + 1)) AS amount_from_usual,
       coalesce(r.pair_payments, 0) AS pair_payments, coalesce(r.pair_before, 0) AS pair_before,
       pd.days AS payer_active_days, qd.days AS payee_active_days,
       coalesce(m.in_fan_out, 0) AS in_fan_out, coalesce(m.in_fan_in, 0) AS in_fan_in,
       coalesce(m.in_cycle, 0) AS in_cycle, coalesce(m.in_scatter_gather, 0) AS in_scatter_gather,
       coalesce(m.in_gather_scatter, 0) AS in_gather_scatter, coalesce(m.in_structuring, 0) AS in_structuring,
       coalesce(m.in_pass_through, 0) AS in_pass_through, coalesce(m.in_bipartite, 0) AS in_bipartite,
       coalesce(m.in_stack, 0) AS in_stack, coalesce(m.in_rule, 0) AS in_rule, coalesce(m.patterns, 0) AS patterns
FROM t
JOIN windows AS p ON p.account = t.payer AND p.day = t.day
JOIN windows AS q ON q.account = t.payee AND q.day = t.day
LEFT JOIN out_ever AS pe ON pe.account = t.payer
LEFT JOIN in_ever AS qe ON qe.account = t.payee
LEFT JOIN pairs AS r ON r.id = t.id
JOIN active_days AS pd ON pd.account = t.payer
JOIN active_days AS qd ON qd.account = t.payee
LEFT JOIN patterns AS m ON m.id = t.id
ORDER BY t.timestamp, t.id
