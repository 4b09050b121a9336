-- Screening queries for the person records in `statements` (what the store holds outside the lists, as the
-- viewer sees it): one per document number a record has, or one without a document when it has none. Its
-- numbers are its own ($document_props) and those ($number_props) of the identity documents ($document_schemata)
-- naming it their holder ($holder_prop); `document_id` names such a document when the record does not carry the
-- number itself. Every other field is the least of the record's values for it, from that field's properties
-- ($..._props, decided by nexus.model.matching). In order of record, then its own numbers before its documents'
-- (a name-only hit equally good on every query of a record is kept on the first: `screening.best_hit_rows`).
WITH people AS (
    SELECT
        entity_id AS id,
        min(CASE WHEN prop IN $name_props THEN value END) AS name,
        min(CASE WHEN prop IN $birth_date_props THEN value END) AS birth_date,
        min(CASE WHEN prop IN $nationality_props THEN value END) AS nationality,
        min(CASE WHEN prop IN $gender_props THEN value END) AS gender
    FROM statements
    WHERE schema = 'Person'
    GROUP BY entity_id
    HAVING min(CASE WHEN prop IN $name_props THEN value END) IS NOT NULL
),
own_documents AS (
    SELECT DISTINCT entity_id AS id, value AS document
    FROM statements
    WHERE schema = 'Person' AND prop IN $document_props
),
held_documents AS (
    SELECT held.value AS id, numbered.value AS document, min(numbered.entity_id) AS document_id
    FROM statements AS held
    JOIN statements AS numbered ON numbered.entity_id = held.entity_id
    WHERE held.schema IN $document_schemata AND held.prop = $holder_prop
      AND numbered.schema IN $document_schemata AND numbered.prop IN $number_props
    GROUP BY held.value, numbered.value
),
documents AS (
    SELECT id, document, CAST(NULL AS VARCHAR) AS document_id FROM own_documents
    UNION ALL
    SELECT held.id, held.document, held.document_id
    FROM held_documents AS held
    LEFT JOIN own_documents AS own ON own.id = held.id AND own.document = held.document
    WHERE own.id IS NULL
)
SELECT p.id, p.name, p.birth_date, p.nationality, p.gender, d.document, d.document_id
FROM people AS p
LEFT JOIN documents AS d ON d.id = p.id
ORDER BY p.id, d.document_id IS NOT NULL, d.document
