-- The span of the viewer's transactions: where red-flag windows start and end.
SELECT min(timestamp) AS first_time, max(timestamp) AS last_time FROM transactions
