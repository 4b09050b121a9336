-- One screening query per person record (from the statements registered as
-- `person_statements`): the least of its values for each query field, from that
-- field's properties ($..._props, decided by nexus.model.matching).
SELECT
    entity_id AS id,
    min(CASE WHEN prop IN $name_props THEN value END) AS name,
    min(CASE WHEN prop IN $birth_date_props THEN value END) AS birth_date,
    min(CASE WHEN prop IN $nationality_props THEN value END) AS nationality,
    min(CASE WHEN prop IN $gender_props THEN value END) AS gender,
    min(CASE WHEN prop IN $document_props THEN value END) AS document
FROM person_statements
GROUP BY entity_id
HAVING min(CASE WHEN prop IN $name_props THEN value END) IS NOT NULL
ORDER BY id
