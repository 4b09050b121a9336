-- One comparison record per Person / organisation entity: the raw fields the model
-- compares, each from the first of its properties found ($..._props), and the name
-- parts the keys are computed for. A held identity document (Passport, Identification)
-- adds its number to its holder's, under the pseudo-property $document_number.
WITH own_and_held AS (
  SELECT entity_id, schema, prop, value FROM statements WHERE schema IN $kinds
  UNION ALL
  SELECT held.value AS entity_id, NULL AS schema, $document_number AS prop, doc.value AS value
  FROM statements held
  JOIN statements doc ON doc.entity_id = held.entity_id AND doc.prop IN $document_numbers
  WHERE held.schema IN $documents AND held.prop = $holder
),
records AS (
  SELECT
    entity_id AS unique_id,
    CASE WHEN min(schema) = $person THEN 'person' ELSE 'organization' END AS kind,
    min(CASE WHEN prop IN $name_props THEN trim(value) END) AS name,
    min(CASE WHEN prop IN $first_name_props THEN trim(value) END) AS first_name,
    min(CASE WHEN prop IN $last_name_props THEN trim(value) END) AS last_name,
    min(CASE WHEN prop IN $birth_date_props THEN trim(value) END) AS birth_date,
    min(CASE WHEN prop IN $country_props THEN trim(value) END) AS country,
    min(CASE WHEN prop IN $id_number_props THEN trim(value) END) AS id_number,
    min(CASE WHEN prop IN $address_props THEN trim(value) END) AS address,
    min(CASE WHEN prop IN $phone_props THEN trim(value) END) AS phone,
    min(CASE WHEN prop IN $email_props THEN trim(value) END) AS email,
    CASE WHEN count(trim(value)) FILTER (WHERE prop IN $id_number_props) = 0 THEN NULL
         ELSE array_sort(list(DISTINCT trim(value)) FILTER (WHERE prop IN $id_number_props AND trim(value) IS NOT NULL))
    END AS id_numbers
  FROM own_and_held
  GROUP BY entity_id
  HAVING count(schema) > 0
)
SELECT
  *,
  coalesce(first_name, CASE WHEN kind = 'person' THEN split_part(name, ' ', 1) END) AS first_part,
  coalesce(last_name, CASE WHEN kind = 'person' THEN regexp_extract(name, '([^ ]+)$', 1) END) AS last_part
FROM records
