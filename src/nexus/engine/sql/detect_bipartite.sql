-- Bipartite: at least $min_sources accounts each paying at least $min_targets of the same accounts, every two of
-- them within $window_hours of each other. Payees with more than $max_payers distinct payers in the whole feed
-- (a shop, an employer, a utility) bind no one. A group is listed once, under its least account (its anchor):
-- the accounts tied to the anchor by $min_targets shared payees, where nothing smaller is tied to the anchor.
-- Accounts are joined by their numbers (`from_n`, `to_n`: in the order of their ids).
WITH t AS (SELECT * FROM detect_transfers),
payees AS (
    SELECT to_n FROM t GROUP BY to_n
    HAVING count(DISTINCT from_n) BETWEEN 2 AND $max_payers
),
e AS (SELECT t.* FROM t JOIN payees USING (to_n)),
shared AS (
    SELECT a.from_n AS p1, b.from_n AS p2, a.to_n AS payee
    FROM e AS a
    JOIN e AS b ON b.to_n = a.to_n AND b.from_n > a.from_n
        AND b.timestamp >= a.timestamp - INTERVAL $window_hours HOUR
        AND b.timestamp <= a.timestamp + INTERVAL $window_hours HOUR
),
linked AS (
    SELECT p1, p2 FROM shared GROUP BY p1, p2 HAVING count(DISTINCT payee) >= $min_targets
),
roots AS (
    SELECT p1 AS anchor FROM linked
    WHERE p1 NOT IN (SELECT p2 FROM linked)
    GROUP BY p1 HAVING count(*) + 1 >= $min_sources
),
members AS (
    SELECT anchor, anchor AS account_id FROM roots
    UNION
    SELECT r.anchor, l.p2 AS account_id FROM roots AS r JOIN linked AS l ON l.p1 = r.anchor
),
group_payees AS (
    SELECT DISTINCT m1.anchor, s.payee
    FROM shared AS s
    JOIN members AS m1 ON m1.account_id = s.p1
    JOIN members AS m2 ON m2.account_id = s.p2 AND m2.anchor = m1.anchor
),
legs AS (
    SELECT m.anchor, e.*
    FROM e
    JOIN members AS m ON m.account_id = e.from_n
    JOIN group_payees AS g ON g.anchor = m.anchor AND g.payee = e.to_n
)
SELECT min(CASE WHEN from_n = anchor THEN from_account_id END) AS anchor_id, count(DISTINCT from_account_id) AS sources, count(DISTINCT to_account_id) AS targets,
       list_sort(list(DISTINCT from_account)) AS source_accounts, list_sort(list(DISTINCT to_account)) AS target_accounts,
       list_sort(list(DISTINCT from_account_id)) AS source_ids, list_sort(list(DISTINCT to_account_id)) AS target_ids,
       list(id ORDER BY timestamp, id) AS transactions, min(timestamp) AS start, max(timestamp) AS finish,
       sum(amount) AS total, CASE WHEN count(DISTINCT currency) = 1 THEN min(currency) END AS currency
FROM legs
GROUP BY anchor
HAVING count(DISTINCT from_account_id) >= $min_sources AND count(DISTINCT to_account_id) >= $min_targets
ORDER BY count(DISTINCT from_account_id) * count(DISTINCT to_account_id) DESC, anchor
