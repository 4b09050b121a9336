-- The best $per_broker paths (of `link_paths`) through each wanted broker, as an inner entity, best first.
WITH through AS (
    SELECT w.id AS broker, p.*,
           row_number() OVER (PARTITION BY w.id ORDER BY p.score DESC, p.p0, p.p1, p.p2, p.p3, p.p4) AS rank_through
    FROM link_paths AS p
    JOIN wanted_nodes AS w
      ON (w.id = p.p1 AND p.p2 IS NOT NULL) OR (w.id = p.p2 AND p.p3 IS NOT NULL) OR (w.id = p.p3 AND p.p4 IS NOT NULL)
)
SELECT * FROM through WHERE rank_through <= $per_broker ORDER BY broker, rank_through
