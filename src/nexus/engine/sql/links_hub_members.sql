-- Who shares what, one row per member and hub: identifier values normalised (phone, e-mail, IBAN,
-- document and registration numbers, addresses as written), the address entity an entity points
-- to (by its normalised full address), and the event, trip or court case its participants share.
WITH values_held AS (
    SELECT coalesce(o.target, s.canonical_id) AS member, h.link_type, h.weight,
           CASE s.prop_type
               WHEN 'phone' THEN regexp_replace(s.value, '[^0-9]', '', 'g')
               WHEN 'email' THEN lower(trim(s.value))
               WHEN 'address' THEN trim(regexp_replace(lower(s.value), '[^a-z0-9]+', ' ', 'g'))
               ELSE upper(regexp_replace(s.value, '[^A-Za-z0-9]', '', 'g'))
           END AS shared, s.id AS evidence, s.source, s.agency
    FROM statements AS s
    JOIN hub_props AS h ON h.prop_type = s.prop_type
    LEFT JOIN link_owners AS w ON w.schema = s.schema
    LEFT JOIN link_refs AS o ON o.holder = s.canonical_id AND o.prop = w.owner_prop
    WHERE s.schema NOT IN (SELECT schema FROM hub_schemas) AND (w.schema IS NULL OR o.target IS NOT NULL)
),
addresses AS (
    SELECT canonical_id AS address_id,
           min(trim(regexp_replace(lower(value), '[^a-z0-9]+', ' ', 'g'))) AS shared
    FROM statements
    WHERE schema = 'Address' AND prop = 'full'
    GROUP BY canonical_id
),
places AS (
    SELECT r.holder AS member, 'address' AS link_type, h.weight, coalesce(a.shared, r.target) AS shared,
           r.statement_id AS evidence, r.source, r.agency
    FROM link_refs AS r
    JOIN hub_props AS h ON h.prop_type = 'address'
    LEFT JOIN addresses AS a ON a.address_id = r.target
    WHERE r.prop = 'addressEntity' AND r.schema NOT IN (SELECT schema FROM hub_schemas)
),
participants AS (
    SELECT r.target AS member, p.link_type, p.weight, r.holder AS shared, r.statement_id AS evidence, r.source, r.agency
    FROM link_refs AS r
    JOIN hub_participants AS p ON p.schema = r.schema AND p.prop = r.prop
)
SELECT member, link_type || ':' || shared AS hub, link_type, weight, evidence, source, agency
FROM (SELECT * FROM values_held UNION ALL SELECT * FROM places UNION ALL SELECT * FROM participants) AS m
WHERE shared IS NOT NULL AND length(shared) >= $min_identifier_length
