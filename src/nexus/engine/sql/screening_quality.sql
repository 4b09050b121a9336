-- Best-hit quality of screening agency records (queries) against a list file of the
-- synthetic world's ground truth (truth: file, id, true_id; hits: query_id, entity_id, score).
WITH listed AS (
    SELECT id, true_id FROM truth WHERE file = $list_file
),
best AS (
    SELECT query_id, arg_max(entity_id, score) AS entity_id FROM hits GROUP BY query_id
)
SELECT
    (SELECT count(DISTINCT q.id) FROM queries q JOIN truth t ON t.id = q.id
      WHERE t.true_id IN (SELECT true_id FROM listed)) AS on_list,
    (SELECT count(*) FROM best b JOIN truth qt ON qt.id = b.query_id
      JOIN listed l ON l.id = b.entity_id WHERE qt.true_id = l.true_id) AS correct,
    (SELECT count(*) FROM best) AS flagged
