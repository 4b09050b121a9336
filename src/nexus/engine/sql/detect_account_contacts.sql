-- Phones, e-mail addresses and addresses that holders (`account_holders`) of bank accounts share, as the viewer
-- sees the statements: a contact of at least two different holders, and of at most $max_sharing people and
-- organisations in all (a hostel, a formation agent's address or a bank's switchboard says nothing about who
-- controls an account). For every id
-- of such an account: the contact in a normal form, the holder, the ownership that makes the account theirs and
-- the statement that gives the contact (what a flag on it cites).
WITH contacts AS (
    SELECT canonical_id AS holder_id, id AS statement_id,
           CASE prop
               WHEN 'phone' THEN 'phone:' || regexp_replace(value, '[^0-9+]', '', 'g')
               WHEN 'email' THEN 'email:' || lower(trim(value))
               ELSE 'address:' || lower(regexp_replace(trim(value), '[\s,]+', ' ', 'g'))
           END AS contact
    FROM statements
    WHERE prop IN ('phone', 'email', 'address') AND schema IN ('Person', 'Company', 'Organization', 'LegalEntity')
),
held AS (
    SELECT h.account, h.holder_id, h.ownership_id, c.contact, c.statement_id
    FROM account_holders AS h
    JOIN contacts AS c ON c.holder_id = h.holder_id
    WHERE length(c.contact) > 9
),
rare AS (
    SELECT contact FROM contacts GROUP BY contact HAVING count(DISTINCT holder_id) <= $max_sharing
),
shared AS (
    SELECT h.contact FROM held AS h JOIN rare AS r ON r.contact = h.contact
    GROUP BY h.contact HAVING count(DISTINCT h.holder_id) >= 2
)
SELECT DISTINCT every.entity_id AS account_id, h.contact, h.holder_id, h.ownership_id, h.statement_id
FROM held AS h
JOIN shared AS s ON s.contact = h.contact
JOIN entity_ids AS every ON every.canonical_id = h.account
