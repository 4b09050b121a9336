-- One screening query per person record: its first name, birth date, nationality,
-- gender and document number (from the statements registered as `person_statements`).
SELECT
    entity_id AS id,
    min(CASE WHEN prop = 'name' THEN value END) AS name,
    min(CASE WHEN prop = 'birthDate' THEN value END) AS birth_date,
    min(CASE WHEN prop = 'nationality' THEN value END) AS nationality,
    min(CASE WHEN prop = 'gender' THEN value END) AS gender,
    min(CASE WHEN prop IN ('passportNumber', 'idNumber') THEN value END) AS document
FROM person_statements
GROUP BY entity_id
HAVING min(CASE WHEN prop = 'name' THEN value END) IS NOT NULL
ORDER BY id
