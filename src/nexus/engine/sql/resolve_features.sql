-- The resolution records with the keys Splink compares and blocks on; name keys come
-- from the vocabulary (nx_resolve_name_keys: part, ascii, metaphone, skeleton).
SELECT
  r.unique_id,
  r.kind,
  n.ascii AS name_ascii,
  CASE WHEN r.kind = 'organization' THEN n.ascii END AS organization_name,
  f.ascii AS first_ascii,
  f.metaphone AS first_metaphone,
  l.ascii AS last_ascii,
  l.metaphone AS last_metaphone,
  l.skeleton AS last_skeleton,
  f.ascii || ' ' || l.ascii AS full_name,
  r.birth_date,
  substr(r.birth_date, 1, 4) AS birth_year,
  nullif(substr(r.birth_date, 6, 2), '') AS birth_month,
  nullif(substr(r.birth_date, 9, 2), '') AS birth_day,
  lower(r.country) AS country,
  r.id_numbers,
  r.id_number,
  nullif(trim(regexp_replace(lower(r.address), '[^a-z0-9]+', ' ', 'g')), '') AS address,
  nullif(regexp_replace(r.phone, '[^0-9]', '', 'g'), '') AS phone,
  lower(r.email) AS email
FROM nx_resolve_records r
LEFT JOIN nx_resolve_name_keys n ON n.part = r.name
LEFT JOIN nx_resolve_name_keys f ON f.part = r.first_part
LEFT JOIN nx_resolve_name_keys l ON l.part = r.last_part
