-- One row per relationship entity whose two ends the viewer may see: FtM's edge schemata
-- (Directorship, Ownership, Family, Payment …) by the properties FtM names as source and target. A
-- relationship several sources state is one piece of evidence, not one per pair of their statements: the
-- row the viewer sees at the lowest classification stands for it.
SELECT source_id, target_id, link_type, weight, via, evidence, first_date, last_date, first_day, last_day, amount,
       currency, source, agency, classification
FROM (
    SELECT a.target AS source_id, b.target AS target_id, k.link_type, k.weight, CAST(NULL AS VARCHAR) AS via,
           a.holder AS evidence, d.first_date, d.last_date, d.first_day, d.last_day, d.amount, d.currency, a.source,
           a.agency, greatest(a.classification, b.classification, coalesce(d.classification, 0)) AS classification,
           row_number() OVER (PARTITION BY a.holder, a.target, b.target, k.link_type
                              ORDER BY greatest(a.classification, b.classification), a.source, a.agency) AS copy
    FROM link_schemas AS k
    JOIN link_refs AS a ON a.schema = k.schema AND a.prop = k.source_prop
    JOIN link_refs AS b ON b.holder = a.holder AND b.prop = k.target_prop
    LEFT JOIN link_dates AS d ON d.holder = a.holder
    WHERE a.target <> b.target
) AS stated
WHERE copy = 1
