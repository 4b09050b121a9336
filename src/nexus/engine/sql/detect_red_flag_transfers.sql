-- The payments red-flag rules count, once per run (materialised as `red_flag_transfers`): in
-- [$from_time, $to_time), positive, between two accounts or a cash withdrawal (an account's Cash payment
-- to itself; no other self-payment counts), with their time in epoch seconds and whether they go to a
-- high-risk jurisdiction: a counterparty's country is its IBAN's, where its account number has an IBAN's
-- shape and length (two letters, two digits), or else its bank's (`bank_countries`); `high_risk` lists
-- the jurisdictions configured as high-risk. Whether it is cash paid out in or beside a conflict zone
-- (`conflict_zones`) to an account held elsewhere: cash is paid out where the paying bank is, so its place
-- is the receiving bank's country before the IBAN's, and the account's home is its own IBAN's or bank's.
-- And whether it comes from or goes to an account on a
-- sanctions list (`listed_accounts`), or to one that paid a listed account on within $onward_days.
WITH t AS (
    SELECT id, timestamp, from_account_id, to_account_id, from_bank, to_bank, amount_received, receiving_currency,
           amount_paid, payment_currency, payment_format, upper(from_account) AS from_account,
           upper(to_account) AS to_account
    FROM transactions
    WHERE timestamp >= CAST($from_time AS TIMESTAMP) AND timestamp < CAST($to_time AS TIMESTAMP)
      AND amount_paid > 0 AND (from_account_id <> to_account_id OR payment_format = 'Cash')
),
shaped AS (
    -- the country an account number's IBAN shape names, if it has one
    SELECT t.*,
           CASE WHEN length(t.to_account) BETWEEN 15 AND 34
                     AND substr(t.to_account, 1, 1) BETWEEN 'A' AND 'Z' AND substr(t.to_account, 2, 1) BETWEEN 'A' AND 'Z'
                     AND substr(t.to_account, 3, 1) BETWEEN '0' AND '9' AND substr(t.to_account, 4, 1) BETWEEN '0' AND '9'
                THEN substr(t.to_account, 1, 2) END AS to_iban_country,
           CASE WHEN length(t.from_account) BETWEEN 15 AND 34
                     AND substr(t.from_account, 1, 1) BETWEEN 'A' AND 'Z' AND substr(t.from_account, 2, 1) BETWEEN 'A' AND 'Z'
                     AND substr(t.from_account, 3, 1) BETWEEN '0' AND '9' AND substr(t.from_account, 4, 1) BETWEEN '0' AND '9'
                THEN substr(t.from_account, 1, 2) END AS from_iban_country
    FROM t
),
countries AS (
    SELECT s.*, coalesce(s.to_iban_country, tb.country) AS country,
           CASE WHEN s.payment_format = 'Cash' THEN coalesce(tb.country, s.to_iban_country) END AS cash_place,
           coalesce(s.from_iban_country, fb.country) AS home
    FROM shaped AS s
    LEFT JOIN (SELECT DISTINCT bank, country FROM bank_countries) AS tb ON tb.bank = s.to_bank
    LEFT JOIN (SELECT DISTINCT bank, country FROM bank_countries) AS fb ON fb.bank = s.from_bank
),
risky AS (
    SELECT c.*, (h.country IS NOT NULL AND c.to_account_id <> c.from_account_id) AS high_risk,
           (z.country IS NOT NULL AND c.home IS NOT NULL AND c.home <> c.cash_place) AS cash_near_conflict
    FROM countries AS c
    LEFT JOIN (SELECT DISTINCT country FROM high_risk) AS h ON h.country = c.country
    LEFT JOIN (SELECT DISTINCT country FROM conflict_zones) AS z ON z.country = c.cash_place
),
listed AS (
    SELECT DISTINCT account_id FROM listed_accounts
),
to_listed AS (
    SELECT t.from_account_id, t.timestamp FROM transactions AS t JOIN listed AS l ON l.account_id = t.to_account_id
),
onward AS (
    -- payments whose payee paid a listed account on within $onward_days (a one-hop intermediary)
    SELECT DISTINCT r.id
    FROM risky AS r
    JOIN to_listed AS o ON o.from_account_id = r.to_account_id AND o.from_account_id <> r.from_account_id
        AND o.timestamp >= r.timestamp AND o.timestamp <= r.timestamp + INTERVAL $onward_days DAY
)
SELECT r.id, epoch(r.timestamp) AS seconds, r.from_account_id, r.to_account_id, r.amount_received,
       r.receiving_currency, r.amount_paid, r.payment_currency, r.payment_format, r.high_risk,
       r.cash_near_conflict,
       lf.account_id IS NOT NULL AS from_listed, lt.account_id IS NOT NULL AS to_listed,
       w.id IS NOT NULL AND lt.account_id IS NULL AS via_listed
FROM risky AS r
LEFT JOIN listed AS lf ON lf.account_id = r.from_account_id
LEFT JOIN listed AS lt ON lt.account_id = r.to_account_id
LEFT JOIN onward AS w ON w.id = r.id
