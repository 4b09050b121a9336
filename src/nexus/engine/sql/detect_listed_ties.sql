-- What ties each flagged account window (`wanted_accounts`: subject, account, window_start, window_end; those
-- `wanted_flags` names) to an account on a sanctions list (`listed_accounts`): its payments to or from one;
-- for each of its payments to an intermediary that paid one on within $onward_days, that payment and the
-- onward one; and the account itself, when it is listed (`id` null). One row per (subject, payment, listed
-- account), each payment with its time and its payer and payee (as the source gives them, and their ids): the
-- accounts an alert on the tie names and the span it covers.
WITH w AS (
    SELECT a.subject, a.account, CAST(a.window_start AS TIMESTAMP) AS window_start,
           CAST(a.window_end AS TIMESTAMP) AS window_end
    FROM wanted_accounts AS a
    JOIN wanted_flags AS f ON f.subject = a.subject
),
listed AS (
    SELECT DISTINCT account_id FROM listed_accounts
),
mine AS (
    -- two joins on equality, not one on an OR: each reads only the account's own payments
    SELECT w.subject, w.account, t.id, t.timestamp, t.from_account_id, t.to_account_id, t.to_account_id AS other
    FROM w
    JOIN transactions AS t ON t.from_account_id = w.account AND t.timestamp >= w.window_start
        AND t.timestamp < w.window_end
    UNION ALL
    SELECT w.subject, w.account, t.id, t.timestamp, t.from_account_id, t.to_account_id, t.from_account_id
    FROM w
    JOIN transactions AS t ON t.to_account_id = w.account AND t.from_account_id <> w.account
        AND t.timestamp >= w.window_start AND t.timestamp < w.window_end
),
onward AS (
    SELECT m.subject, m.id AS leg, o.id, o.to_account_id AS listed_account
    FROM mine AS m
    JOIN transactions AS o ON o.from_account_id = m.to_account_id AND o.from_account_id <> m.account
        AND o.timestamp >= m.timestamp AND o.timestamp <= m.timestamp + INTERVAL $onward_days DAY
    JOIN listed AS l ON l.account_id = o.to_account_id
    WHERE m.from_account_id = m.account
)
, ties AS (
    SELECT m.subject, m.id, m.other AS listed_account FROM mine AS m JOIN listed AS l ON l.account_id = m.other
    UNION
    SELECT subject, leg, listed_account FROM onward
    UNION
    SELECT subject, id, listed_account FROM onward
    UNION
    SELECT w.subject, CAST(NULL AS VARCHAR), w.account FROM w JOIN listed AS l ON l.account_id = w.account
)
SELECT ties.subject, ties.id, ties.listed_account, t.timestamp, t.from_account, t.from_account_id, t.to_account,
       t.to_account_id
FROM ties
LEFT JOIN transactions AS t ON t.id = ties.id
