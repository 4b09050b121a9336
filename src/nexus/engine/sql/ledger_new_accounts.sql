-- The statements of the BankAccount entities a batch of transactions (`batch_rows`) names that the run has
-- not named before (`seen_accounts`): each account's id, number and bank, with the ids FtM gives statements
-- (`Statement.make_key`: sha1 of "source.entity.property.value"). An account named with two spellings of
-- its bank or number in one batch takes the least.
WITH named AS (
    SELECT from_account_id AS entity_id, from_bank AS bank, from_account AS number FROM batch_rows
    UNION ALL
    SELECT to_account_id, to_bank, to_account FROM batch_rows
),
fresh AS (
    SELECT n.entity_id, min(n.bank) AS bank, min(n.number) AS number
    FROM named AS n
    LEFT JOIN seen_accounts AS s ON s.entity_id = n.entity_id
    WHERE s.entity_id IS NULL
    GROUP BY n.entity_id
),
props AS (
    SELECT entity_id, $base_prop AS prop, 'id' AS prop_type, entity_id AS value FROM fresh
    UNION ALL
    SELECT entity_id, 'accountNumber', 'identifier', number FROM fresh
    UNION ALL
    SELECT entity_id, 'bankName', 'string', bank FROM fresh
)
SELECT sha1(concat($source, '.', entity_id, '.', prop, '.', value)) AS id, entity_id, 'BankAccount' AS schema, prop,
       prop_type, value
FROM props
