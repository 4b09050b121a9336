-- Bank accounts on a sanctions list as the viewer sees it: those held (`account_holders`) by an owner whose
-- entity (after resolution: any record of the same canonical entity) carries a sanction topic (FtM's
-- `sanction`, `sanction.linked` …), and those that carry one themselves. Every id of such an account, as
-- ledgers name accounts by entity id; with the listed holder's canonical id (or the account's own) and the
-- Ownership that ties them (none for an account listed itself): what an alert citing the listing cites.
WITH listed AS (
    SELECT DISTINCT canonical_id FROM statements
    WHERE prop = 'topics' AND (value = 'sanction' OR value LIKE 'sanction.%')
),
held AS (
    SELECT h.account, h.holder_id, h.ownership_id
    FROM account_holders AS h
    JOIN listed AS l ON l.canonical_id = h.holder_id
    UNION
    SELECT DISTINCT s.canonical_id, s.canonical_id, CAST(NULL AS VARCHAR)
    FROM statements AS s
    JOIN listed AS l ON l.canonical_id = s.canonical_id
    WHERE s.schema = 'BankAccount'
)
SELECT account_id, holder_id, ownership_id
FROM (
    -- one listing per account id: a holder and the ownership that makes the account theirs, from one row
    SELECT every.entity_id AS account_id, h.holder_id, h.ownership_id,
           row_number() OVER (PARTITION BY every.entity_id ORDER BY h.holder_id, h.ownership_id NULLS FIRST) AS r
    FROM held AS h
    JOIN entity_ids AS every ON every.canonical_id = h.account
) AS ranked
WHERE r = 1
