-- One row per relationship entity whose two ends the viewer may see: FtM's edge schemata
-- (Directorship, Ownership, Family, Payment …) by the properties FtM names as source and target. A
-- relationship several sources state is one piece of evidence, not one per pair of their statements, with
-- every source and agency that states either end (one may name the owner, another what is owned) and the highest
-- classification among them.
SELECT a.target AS source_id, b.target AS target_id, k.link_type, max(k.weight) AS weight, CAST(NULL AS VARCHAR) AS via,
       a.holder AS evidence, max(d.first_date) AS first_date, max(d.last_date) AS last_date, max(d.first_day) AS first_day,
       max(d.last_day) AS last_day, max(d.amount) AS amount, max(d.currency) AS currency,
       coalesce(max(d.ongoing), 0) AS ongoing,
       list_distinct(list_concat(list(DISTINCT a.source), list(DISTINCT b.source))) AS sources,
       list_distinct(list_concat(list(DISTINCT a.agency), list(DISTINCT b.agency))) AS agencies,
       max(greatest(a.classification, b.classification, coalesce(d.classification, 0))) AS classification
FROM link_schemas AS k
JOIN link_refs AS a ON a.schema = k.schema AND a.prop = k.source_prop
JOIN link_refs AS b ON b.holder = a.holder AND b.prop = k.target_prop
LEFT JOIN link_dates AS d ON d.holder = a.holder
WHERE a.target <> b.target
GROUP BY a.target, b.target, k.link_type, a.holder
