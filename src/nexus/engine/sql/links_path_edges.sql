-- Every edge between consecutive entities of the paths found, with its evidence, strongest first.
SELECT w.a, w.b, e.link_type, e.via, e.weight, e.strength, e.pieces, e.first_date, e.last_date, e.amount, e.shared_by,
       e.classification, e.evidence, e.sources, e.agencies
FROM wanted_pairs AS w
JOIN link_strengths AS e ON (e.source_id = w.a AND e.target_id = w.b) OR (e.source_id = w.b AND e.target_id = w.a)
ORDER BY w.a, w.b, e.strength DESC, e.link_type
