-- The ids of the records being resolved, in order.
SELECT unique_id FROM nx_resolve_features ORDER BY unique_id
