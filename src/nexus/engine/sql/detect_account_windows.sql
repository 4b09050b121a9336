-- What red-flag rules are written over: per account, currency and window of `red_flag_transfers`, one row per
-- subject (`red_flag_windows`, a view: `detect_account_features` keeps the candidates and lays them out long).
-- Windows are $window_days long, counted from the Unix epoch plus $offset_seconds, so they do not move with the data
-- loaded or the viewer. Money in is counted in the receiving currency, money out in the paying one.
-- The distinct counterparties and the most paid to one payee are the costly part: each is counted only
-- when a rule of the run uses it ($count_payers, $count_payees, $top_payee; else it is 0). A holder's
-- departure (`holder_departures`) counts for the windows it falls in and for those ending less than
-- $departure_days before it: money moved just before a trip. A payer shares a contact when one of its holders
-- shares a phone, e-mail or address (`account_contacts`) with another person holding an account that paid the
-- account in the window: money swept from accounts one controller opened in other people's names.
WITH t AS (
    SELECT *, CAST(floor((seconds - $offset_seconds) / (86400 * $window_days)) AS BIGINT) AS bucket
    FROM red_flag_transfers
),
incoming AS (
    SELECT to_account_id AS account, receiving_currency AS currency, bucket, count(*) AS inflows,
           sum(amount_received) AS inflow_total,
           count(DISTINCT CASE WHEN $count_payers THEN from_account_id END) AS distinct_payers,
           sum(CASE WHEN amount_received <= $small_amount THEN 1 ELSE 0 END) AS small_inflows,
           sum(CASE WHEN amount_received <= $small_amount THEN amount_received ELSE 0 END) AS small_inflow_total,
           sum(CASE WHEN payment_format = 'Cash' THEN 1 ELSE 0 END) AS cash_inflows,
           sum(CASE WHEN payment_format = 'Cash' THEN amount_received ELSE 0 END) AS cash_inflow_total,
           sum(CASE WHEN from_listed THEN amount_received ELSE 0 END) AS listed_in
    FROM t
    WHERE from_account_id <> to_account_id
    GROUP BY to_account_id, receiving_currency, bucket
),
outgoing AS (
    SELECT from_account_id AS account, payment_currency AS currency, bucket, count(*) AS outflows,
           sum(amount_paid) AS outflow_total,
           count(DISTINCT CASE WHEN $count_payees AND to_account_id <> from_account_id THEN to_account_id END)
               AS distinct_payees,
           sum(CASE WHEN payment_format = 'Cash' THEN amount_paid ELSE 0 END) AS cash_out,
           sum(CASE WHEN high_risk THEN amount_paid ELSE 0 END) AS high_risk_out,
           sum(CASE WHEN payment_format = 'Cash' OR high_risk THEN amount_paid ELSE 0 END) AS cash_or_high_risk_out,
           sum(CASE WHEN cash_near_conflict THEN amount_paid ELSE 0 END) AS cash_near_conflict,
           sum(CASE WHEN cash_near_conflict THEN 1 ELSE 0 END) AS cash_near_conflict_count,
           sum(CASE WHEN to_listed THEN amount_paid ELSE 0 END) AS listed_out,
           sum(CASE WHEN via_listed THEN amount_paid ELSE 0 END) AS listed_one_hop_out,
           max(CASE WHEN from_listed THEN 1 ELSE 0 END) AS account_listed
    FROM t
    GROUP BY from_account_id, payment_currency, bucket
),
to_each AS (
    SELECT from_account_id AS account, payment_currency AS currency, bucket, to_account_id, sum(amount_paid) AS paid
    FROM t
    WHERE $top_payee AND from_account_id <> to_account_id
    GROUP BY from_account_id, payment_currency, bucket, to_account_id
),
top_payee AS (
    SELECT account, currency, bucket, max(paid) AS top_payee_out FROM to_each GROUP BY account, currency, bucket
),
paid_by AS (
    SELECT DISTINCT t.to_account_id AS account, t.receiving_currency AS currency, t.bucket, c.contact, c.holder_id,
           t.from_account_id AS payer
    FROM t
    JOIN account_contacts AS c ON c.account_id = t.from_account_id
    WHERE t.from_account_id <> t.to_account_id
),
sharing AS (
    -- payers one of whose holders shares a contact with another person holding a paying account
    SELECT p.account, p.currency, p.bucket, p.payer, p.holder_id
    FROM paid_by AS p
    JOIN (SELECT account, currency, bucket, contact FROM paid_by GROUP BY account, currency, bucket, contact
          HAVING count(DISTINCT holder_id) >= 2) AS b
        ON b.account = p.account AND b.currency = p.currency AND b.bucket = p.bucket AND b.contact = p.contact
),
shared_in AS (
    SELECT t.to_account_id AS account, t.receiving_currency AS currency, t.bucket,
           sum(t.amount_received) AS shared_contact_in
    FROM t
    JOIN (SELECT DISTINCT account, currency, bucket, payer FROM sharing) AS s
        ON s.account = t.to_account_id AND s.currency = t.receiving_currency AND s.bucket = t.bucket
        AND s.payer = t.from_account_id
    WHERE t.from_account_id <> t.to_account_id
    GROUP BY t.to_account_id, t.receiving_currency, t.bucket
),
shared_people AS (
    SELECT account, currency, bucket, count(DISTINCT holder_id) AS shared_contact_holders
    FROM sharing
    GROUP BY account, currency, bucket
),
accounts AS (
    SELECT coalesce(i.account, o.account) AS account, coalesce(i.currency, o.currency) AS currency,
           coalesce(i.bucket, o.bucket) AS bucket,
           coalesce(i.inflows, 0) AS inflows, coalesce(i.inflow_total, 0) AS inflow_total,
           coalesce(i.distinct_payers, 0) AS distinct_payers, coalesce(i.small_inflows, 0) AS small_inflows,
           coalesce(i.small_inflow_total, 0) AS small_inflow_total,
           coalesce(i.cash_inflows, 0) AS cash_inflows, coalesce(i.cash_inflow_total, 0) AS cash_inflow_total,
           coalesce(p.top_payee_out, 0) AS top_payee_out, coalesce(o.outflows, 0) AS outflows,
           coalesce(o.outflow_total, 0) AS outflow_total, coalesce(o.distinct_payees, 0) AS distinct_payees,
           coalesce(o.cash_out, 0) AS cash_out, coalesce(o.high_risk_out, 0) AS high_risk_out,
           coalesce(o.cash_or_high_risk_out, 0) AS cash_or_high_risk_out,
           coalesce(o.cash_near_conflict, 0) AS cash_near_conflict,
           coalesce(o.cash_near_conflict_count, 0) AS cash_near_conflict_count, coalesce(i.listed_in, 0) AS listed_in,
           coalesce(o.listed_out, 0) AS listed_out, coalesce(o.listed_one_hop_out, 0) AS listed_one_hop_out,
           coalesce(o.account_listed, 0) AS account_listed
    FROM incoming AS i
    FULL OUTER JOIN outgoing AS o ON o.account = i.account AND o.currency = i.currency AND o.bucket = i.bucket
    LEFT JOIN top_payee AS p ON p.account = o.account AND p.currency = o.currency AND p.bucket = o.bucket
),
departing AS (
    -- the holder's departures within the window or less than $departure_days after it (a tiny table: joined to
    -- the windows of the accounts it names only)
    SELECT w.account, w.bucket, count(DISTINCT h.departure) AS holder_departs
    FROM (
        SELECT from_account_id AS account, bucket FROM t
        WHERE from_account_id IN (SELECT account_id FROM holder_departures)
        UNION
        SELECT to_account_id, bucket FROM t
        WHERE to_account_id IN (SELECT account_id FROM holder_departures)
    ) AS w
    JOIN holder_departures AS h ON h.account_id = w.account
    WHERE epoch(CAST(h.departure AS TIMESTAMP)) >= w.bucket * 86400 * $window_days + $offset_seconds
      AND epoch(CAST(h.departure AS TIMESTAMP))
          < (w.bucket + 1) * 86400 * $window_days + $offset_seconds + 86400 * $departure_days
    GROUP BY w.account, w.bucket
)
SELECT a.account || '|' || a.currency || '|' || CAST(a.bucket AS VARCHAR) AS subject, a.*,
       CASE WHEN inflow_total > 0 THEN least(outflow_total / inflow_total, 10.0) END AS out_in_ratio,
       CASE WHEN inflow_total > 0 THEN cash_out / inflow_total END AS cash_out_share,
       CASE WHEN outflow_total > 0 THEN high_risk_out / outflow_total END AS high_risk_out_share,
       CASE WHEN inflow_total > 0 THEN cash_or_high_risk_out / inflow_total END AS cash_or_high_risk_out_share,
       CASE WHEN small_inflow_total > 0 THEN least(cash_or_high_risk_out / small_inflow_total, 10.0) END
           AS cash_or_high_risk_out_of_small,
       CASE WHEN inflows > 0 THEN CAST(small_inflows AS DOUBLE) / inflows END AS small_inflow_share,
       CASE WHEN cash_inflow_total > 0 THEN least(top_payee_out / cash_inflow_total, 10.0) END AS top_payee_of_cash_in,
       listed_in + listed_out + listed_one_hop_out AS listed_money, outflow_total - inflow_total AS net_outflow,
       coalesce(d.holder_departs, 0) AS holder_departs,
       coalesce(sp.shared_contact_holders, 0) AS shared_contact_holders,
       coalesce(si.shared_contact_in, 0) AS shared_contact_in
FROM accounts AS a
LEFT JOIN departing AS d ON d.account = a.account AND d.bucket = a.bucket
LEFT JOIN shared_in AS si ON si.account = a.account AND si.currency = a.currency AND si.bucket = a.bucket
LEFT JOIN shared_people AS sp ON sp.account = a.account AND sp.currency = a.currency AND sp.bucket = a.bucket
