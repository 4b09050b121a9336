-- Who shares what, one row per member and hub: identifier values normalised (phone: its digits, Arabic-Indic ones
-- too, an international prefix (+ or 00) and a trunk zero written (0) dropped; e-mail; IBAN, document and
-- registration numbers: letters of any script and digits, Cyrillic and Greek capitals that look Latin read as
-- Latin (a passport number typed with a Cyrillic А); addresses as written, lower-cased, punctuation and spaces folded: letters of every
-- script kept, so two Cyrillic streets are not one address of their house numbers), the address entity an entity points
-- to (by its normalised full address, `link_addresses`), the event or trip its participants share, and
-- the company, organisation or court case its directors, owners, members, employees or parties share. Identifier hubs
-- are named type:value; entity hubs by the entity's canonical id. A tie rests on every statement that makes it:
-- the number and the statement that makes the document or account someone's (Passport.holder), the address
-- reference and the full address that names the place.
WITH held AS (
    SELECT coalesce(o.target, s.canonical_id) AS member, p.link_type AS declared,
           CASE p.link_type
               WHEN 'phone' THEN regexp_replace(regexp_replace(
                   translate(replace(s.value, '(0)', ''), '٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹', '01234567890123456789'),
                   '[^0-9+]', '', 'g'), '^(00|[+])|[+]', '', 'g')
               WHEN 'email' THEN lower(trim(s.value))
               WHEN 'address' THEN trim(regexp_replace(lower(s.value), '[^\p{L}\p{N}\p{M}]+', ' ', 'g'))
               ELSE translate(upper(regexp_replace(s.value, '[^\p{L}\p{N}\p{M}]', '', 'g')),
                              'АВЕКМНОРСТХУΑΒΕΖΗΙΚΜΝΟΡΤΥΧ', 'ABEKMHOPCTXYABEZHIKMNOPTYX')
           END AS shared, s.id AS evidence, s.source, s.agency, s.classification,
           o.statement_id AS owner_evidence, o.source AS owner_source, o.agency AS owner_agency,
           o.classification AS owner_classification
    FROM statements AS s
    JOIN hub_props AS p ON p.schema = s.schema AND p.prop = s.prop
    LEFT JOIN link_owners AS w ON w.schema = s.schema
    LEFT JOIN link_refs AS o ON o.holder = s.canonical_id AND o.prop = w.owner_prop
    WHERE s.schema NOT IN (SELECT schema FROM hub_schemas) AND (w.schema IS NULL OR o.target IS NOT NULL)
),
typed AS (
    -- an identifier shaped like an IBAN is one, whatever property holds it (an account number, a goAML <iban>)
    SELECT t.*, h.weight
    FROM (
        SELECT *, CASE WHEN declared = 'identifier' AND regexp_matches(shared, '^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$')
                       THEN 'iban' ELSE declared END AS link_type
        FROM held
    ) AS t
    JOIN hub_weights AS h ON h.link_type = t.link_type
),
values_held AS (
    SELECT member, link_type, weight, shared, evidence, source, agency, classification FROM typed
    UNION ALL
    SELECT member, link_type, weight, shared, owner_evidence, owner_source, owner_agency, owner_classification
    FROM typed
    WHERE owner_evidence IS NOT NULL
),
placed AS (
    SELECT r.holder AS member, h.weight, r.target, r.statement_id, r.source, r.agency, r.classification
    FROM link_refs AS r
    JOIN hub_weights AS h ON h.link_type = 'address'
    WHERE r.prop = 'addressEntity' AND r.schema NOT IN (SELECT schema FROM hub_schemas)
      -- A place events happen at (a prison cell) is shared only at overlapping times: `links_co_location`.
      AND r.target NOT IN (SELECT target FROM link_refs WHERE prop = 'addressEntity' AND schema IN (SELECT schema FROM hub_schemas))
),
places AS (
    SELECT p.member, 'address' AS link_type, p.weight, coalesce(a.shared, p.target) AS shared,
           p.statement_id AS evidence, p.source, p.agency, p.classification
    FROM placed AS p
    LEFT JOIN link_addresses AS a ON a.address_id = p.target
    UNION ALL
    SELECT p.member, 'address', p.weight, a.shared, a.evidence, a.source, a.agency, a.classification
    FROM placed AS p
    JOIN link_addresses AS a ON a.address_id = p.target
),
participants AS (
    SELECT r.target AS member, r.holder AS hub, p.link_type, p.weight, r.statement_id AS evidence, r.source, r.agency,
           greatest(r.classification, coalesce(d.classification, 0)) AS classification, d.first_date, d.last_date,
           coalesce(d.ongoing, 0) AS ongoing
    FROM link_refs AS r
    JOIN hub_participants AS p ON p.schema = r.schema AND p.prop = r.prop
    LEFT JOIN link_dates AS d ON d.holder = r.holder
),
co_holders AS (
    SELECT m.target AS member, h.target AS hub, k.link_type, k.weight, m.holder AS evidence, m.source, m.agency,
           greatest(m.classification, h.classification, coalesce(d.classification, 0)) AS classification,
           d.first_date, d.last_date, coalesce(d.ongoing, 0) AS ongoing
    FROM hub_relationships AS k
    JOIN link_refs AS m ON m.schema = k.schema AND m.prop = k.member_prop
    JOIN link_refs AS h ON h.holder = m.holder AND h.prop = k.hub_prop
    LEFT JOIN link_dates AS d ON d.holder = m.holder
),
identified AS (
    SELECT member, link_type || ':' || shared AS hub, link_type, weight, evidence, source, agency, classification,
           CAST(NULL AS VARCHAR) AS first_date, CAST(NULL AS VARCHAR) AS last_date, 0 AS ongoing
    FROM (SELECT * FROM values_held UNION ALL SELECT * FROM places) AS v
    WHERE shared IS NOT NULL AND length(shared) >= $min_identifier_length
)
SELECT * FROM identified
UNION ALL
SELECT * FROM participants
UNION ALL
SELECT * FROM co_holders
