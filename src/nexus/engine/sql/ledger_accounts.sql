-- The statements of the BankAccount entities a run's transactions (`run_rows`, its ledger files) name: each
-- account's id, number and bank, with the ids FtM gives statements (`Statement.make_key`: sha1 of
-- "source.entity.property.value"), in key order. An account named with two spellings of its bank or number
-- takes the least.
WITH named AS (
    SELECT from_account_id AS entity_id, from_bank AS bank, from_account AS number FROM run_rows
    UNION ALL
    SELECT to_account_id, to_bank, to_account FROM run_rows
),
accounts AS (
    SELECT entity_id, min(bank) AS bank, min(number) AS number
    FROM named
    GROUP BY entity_id
),
props AS (
    SELECT entity_id, $base_prop AS prop, 'id' AS prop_type, entity_id AS value FROM accounts
    UNION ALL
    SELECT entity_id, 'accountNumber', 'identifier', number FROM accounts
    UNION ALL
    SELECT entity_id, 'bankName', 'string', bank FROM accounts
),
keyed AS (
    SELECT sha1(concat($source, '.', entity_id, '.', prop, '.', value)) AS id, entity_id, 'BankAccount' AS schema,
           prop, prop_type, value
    FROM props
)
SELECT * FROM keyed ORDER BY entity_id, id
