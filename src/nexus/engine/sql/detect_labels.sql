-- The security labels of the wanted transactions (what an alert citing them is labelled no lower than),
-- and when and where in their file each was, to list them in order.
SELECT t.id, t.timestamp, t.line, t.from_account_id, t.agency, t.classification, t.releasable_to, t.compartment, t.orcon, t.warrant
FROM transactions AS t
JOIN wanted_transactions AS w ON w.id = t.id
