-- Each Address entity's place, as address hubs and stays name it: its full address normalised (lower-cased,
-- punctuation and spaces folded, letters of every script kept; the first normalised form, of equal ones the least
-- classified), with the statement that says so.
SELECT address_id, shared, evidence, source, agency, classification
FROM (
    SELECT canonical_id AS address_id, trim(regexp_replace(lower(value), '[^\p{L}\p{N}\p{M}]+', ' ', 'g')) AS shared,
           id AS evidence, source, agency, classification,
           row_number() OVER (PARTITION BY canonical_id
                              ORDER BY trim(regexp_replace(lower(value), '[^\p{L}\p{N}\p{M}]+', ' ', 'g')),
                                       classification, id) AS rank
    FROM statements
    WHERE schema = 'Address' AND prop = 'full'
) AS ranked
WHERE rank = 1
