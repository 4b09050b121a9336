-- One row per relationship entity whose two ends the viewer may see: FtM's edge schemata
-- (Directorship, Ownership, Family, Payment …) by the properties FtM names as source and target.
SELECT a.target AS source_id, b.target AS target_id, k.link_type, k.weight, CAST(NULL AS VARCHAR) AS via,
       a.holder AS evidence, d.first_date, d.last_date, d.first_day, d.last_day, d.amount, a.source, a.agency,
       greatest(a.classification, b.classification, coalesce(d.classification, 0)) AS classification
FROM link_schemas AS k
JOIN link_refs AS a ON a.schema = k.schema AND a.prop = k.source_prop
JOIN link_refs AS b ON b.holder = a.holder AND b.prop = k.target_prop
LEFT JOIN link_dates AS d ON d.holder = a.holder
WHERE a.target <> b.target
