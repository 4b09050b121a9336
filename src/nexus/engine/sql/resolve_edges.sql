-- Splink's scored pairs (`predictions`, renamed by the caller to Splink's table), lower id on the left.
SELECT unique_id_l AS left_id, unique_id_r AS right_id, CAST(match_probability AS DOUBLE) AS score
FROM predictions
ORDER BY left_id, right_id
