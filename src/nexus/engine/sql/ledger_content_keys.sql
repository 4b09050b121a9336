-- Each ledger row's line and content: every field of the transaction but the laundering flag, hashed (two
-- deliveries' rows of one content are one transaction). The table is bound by the caller: a new delivery's
-- batch, or an earlier delivery's files.
SELECT line, md5(concat_ws('|', CAST(epoch(timestamp) AS BIGINT), from_bank, from_account, to_bank, to_account,
                           coalesce(CAST(amount_received AS VARCHAR), '-'), coalesce(receiving_currency, '-'),
                           CAST(amount_paid AS VARCHAR), payment_currency, coalesce(payment_format, '-'))) AS content
FROM source_table
