-- The ids of the statements in the session's view, in order.
SELECT id FROM statements ORDER BY id
