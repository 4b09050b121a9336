-- Every edge between consecutive entities of the paths found, with its evidence, strongest first.
SELECT w.a, w.b, e.link_type, e.via, e.currency, e.weight, e.strength, e.pieces, e.first_date, e.last_date, e.amount, e.shared_by,
       e.classification, e.evidence, e.sources, e.agencies, e.forward
FROM wanted_pairs AS w
JOIN link_ties AS e ON e.a = w.a AND e.b = w.b
ORDER BY w.a, w.b, e.strength DESC, e.link_type, e.via NULLS FIRST
