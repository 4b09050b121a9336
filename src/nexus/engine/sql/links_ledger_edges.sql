-- The ledger's money between accounts the viewer may see, one tie per ordered pair of accounts: how
-- many payments, how much, the first and last day, the highest classification among them; its evidence
-- is the pair's first and last transactions (what an alert on the tie cites, with their labels).
SELECT i.canonical_id AS source_id, j.canonical_id AS target_id, 'Payment' AS link_type, $weight AS weight,
       CAST(NULL AS VARCHAR) AS via,
       list_distinct(['transaction:' || arg_min(t.id, t.timestamp), 'transaction:' || arg_max(t.id, t.timestamp)])
           AS evidence,
       list_distinct(list(t.source)) AS sources, list_distinct(list(t.agency)) AS agencies,
       substr(CAST(min(t.timestamp) AS VARCHAR), 1, 10) AS first_date,
       substr(CAST(max(t.timestamp) AS VARCHAR), 1, 10) AS last_date,
       sum(t.amount_paid) AS amount, count(*) AS payments, max(t.classification) AS classification
FROM transactions AS t
JOIN link_ids AS i ON i.entity_id = t.from_account_id
JOIN link_ids AS j ON j.entity_id = t.to_account_id
WHERE t.from_account_id <> t.to_account_id AND t.amount_paid > 0 AND i.canonical_id <> j.canonical_id
GROUP BY i.canonical_id, j.canonical_id
