-- The FtM Payments among the viewer's `statements` (goAML reports' transactions, FtM-mapped files' payments) as
-- rows of the ledger's `transactions`: its columns and types, so that every typology and red-flag rule reads them
-- beside the ledger's rows (`EngineSession.use_transactions`).
-- A payment's ends are its accounts (payerAccount, beneficiaryAccount: the BankAccount's iban, else its
-- accountNumber, as the source gives it; its bank the bankName, else the bic, else none; its id the one the ledger
-- gives that bank and number, `acct-<bank>-<number>`, so one account's payments in several transactions and reports
-- meet) or, for a side whose account has no number the viewer may see, its party (payer, beneficiary: by canonical
-- id, shown by its name). A payment without both ends, a currency, an amount that reads as a number (plain, with
-- thousands separators or a decimal comma) or a date of at least a day is left out; a date without a time is
-- midnight. Its id is the Payment's entity id; its labels the narrowest of the statements it rests on (`labels`);
-- `line` only orders payments of one moment.
-- `from_key`, `to_key`, `day` and `cents` are what `transactions_with_payments` compares with the ledger's rows.
WITH props AS (
    SELECT entity_id, prop, value
    FROM statements
    WHERE schema = 'Payment'
      AND prop IN ('payerAccount', 'beneficiaryAccount', 'payer', 'beneficiary', 'amount', 'currency', 'date',
                   'purpose', 'programme')
),
payments AS (
    SELECT entity_id,
           min(CASE WHEN prop = 'payerAccount' THEN value END) AS payer_account,
           min(CASE WHEN prop = 'beneficiaryAccount' THEN value END) AS payee_account,
           min(CASE WHEN prop = 'payer' THEN value END) AS payer,
           min(CASE WHEN prop = 'beneficiary' THEN value END) AS payee,
           min(CASE WHEN prop = 'amount' THEN replace(trim(value), ' ', '') END) AS amount_text,
           min(CASE WHEN prop = 'currency' THEN  -- a code in any case (eur: EUR), a name as written
                    CASE WHEN length(trim(value)) = 3 THEN upper(trim(value)) ELSE trim(value) END END) AS currency,
           min(CASE WHEN prop = 'date' THEN trim(value) END) AS date_text,
           coalesce(min(CASE WHEN prop = 'purpose' THEN value END),
                    min(CASE WHEN prop = 'programme' THEN value END)) AS payment_format
    FROM props
    GROUP BY entity_id
),
parsed AS (
    SELECT entity_id, payer_account, payee_account, payer, payee, currency, payment_format,
           CASE
               WHEN regexp_matches(amount_text, '^[-+]?[0-9]+([.][0-9]+)?$') THEN TRY_CAST(amount_text AS DOUBLE)
               WHEN regexp_matches(amount_text, '^[-+]?[0-9]{1,3}(,[0-9]{3})+([.][0-9]+)?$')
                   THEN TRY_CAST(replace(amount_text, ',', '') AS DOUBLE)
               WHEN regexp_matches(amount_text, '^[-+]?[0-9]{1,3}([.][0-9]{3})+(,[0-9]+)?$')
                   THEN TRY_CAST(replace(replace(amount_text, '.', ''), ',', '.') AS DOUBLE)
               WHEN regexp_matches(amount_text, '^[-+]?[0-9]+,[0-9]+$') THEN TRY_CAST(replace(amount_text, ',', '.') AS DOUBLE)
           END AS amount,
           TRY_CAST(CASE
               WHEN length(date_text) >= 19 THEN replace(substr(date_text, 1, 19), 'T', ' ')
               WHEN length(date_text) >= 16 THEN replace(substr(date_text, 1, 16), 'T', ' ') || ':00'
               WHEN length(date_text) >= 13 THEN replace(substr(date_text, 1, 13), 'T', ' ') || ':00:00'
               WHEN length(date_text) >= 10 THEN substr(date_text, 1, 10) || ' 00:00:00'
           END AS TIMESTAMP) AS timestamp
    FROM payments
),
kept AS (
    SELECT * FROM parsed
    WHERE amount IS NOT NULL AND timestamp IS NOT NULL AND currency IS NOT NULL AND currency <> ''
      AND (payer_account IS NOT NULL OR payer IS NOT NULL)
      AND (payee_account IS NOT NULL OR payee IS NOT NULL)
),
accounts AS (
    SELECT entity_id,
           coalesce(min(CASE WHEN prop = 'iban' THEN trim(value) END),
                    min(CASE WHEN prop = 'accountNumber' THEN trim(value) END)) AS number,
           coalesce(min(CASE WHEN prop = 'bankName' THEN trim(value) END),
                    min(CASE WHEN prop = 'bic' THEN trim(value) END), '') AS bank
    FROM statements
    WHERE schema = 'BankAccount' AND prop IN ('iban', 'accountNumber', 'bankName', 'bic')
      AND entity_id IN (SELECT payer_account FROM kept UNION SELECT payee_account FROM kept)
    GROUP BY entity_id
),
parties AS (
    SELECT entity_id, min(coalesce(canonical_id, entity_id)) AS canonical_id,
           min(CASE WHEN prop = 'name' THEN value END) AS name
    FROM statements
    WHERE entity_id IN (SELECT payer FROM kept UNION SELECT payee FROM kept)
    GROUP BY entity_id
),
ends AS (
    -- each side: its account when the viewer sees its number, else its party; `entity` is whose labels count
    SELECT k.*,
           CASE WHEN fa.number IS NOT NULL THEN fa.bank WHEN fp.entity_id IS NOT NULL THEN '' END AS from_bank,
           CASE WHEN fa.number IS NOT NULL THEN fa.number ELSE coalesce(fp.name, fp.canonical_id) END AS from_account,
           CASE WHEN fa.number IS NOT NULL THEN 'acct-' || regexp_replace(upper(fa.bank), '[^A-Z0-9]+', '_', 'g') || '-'
                                                || regexp_replace(upper(fa.number), '[^A-Z0-9]+', '_', 'g')
                ELSE fp.canonical_id END AS from_account_id,
           CASE WHEN fa.number IS NOT NULL THEN fa.entity_id ELSE fp.entity_id END AS from_entity,
           CASE WHEN ta.number IS NOT NULL THEN ta.bank WHEN tp.entity_id IS NOT NULL THEN '' END AS to_bank,
           CASE WHEN ta.number IS NOT NULL THEN ta.number ELSE coalesce(tp.name, tp.canonical_id) END AS to_account,
           CASE WHEN ta.number IS NOT NULL THEN 'acct-' || regexp_replace(upper(ta.bank), '[^A-Z0-9]+', '_', 'g') || '-'
                                                || regexp_replace(upper(ta.number), '[^A-Z0-9]+', '_', 'g')
                ELSE tp.canonical_id END AS to_account_id,
           CASE WHEN ta.number IS NOT NULL THEN ta.entity_id ELSE tp.entity_id END AS to_entity,
           fa.number AS from_number, ta.number AS to_number
    FROM kept AS k
    LEFT JOIN accounts AS fa ON fa.entity_id = k.payer_account
    LEFT JOIN parties AS fp ON fp.entity_id = k.payer
    LEFT JOIN accounts AS ta ON ta.entity_id = k.payee_account
    LEFT JOIN parties AS tp ON tp.entity_id = k.payee
),
complete AS (
    SELECT * FROM ends WHERE from_account_id IS NOT NULL AND to_account_id IS NOT NULL
),
resting AS (
    -- the statements each row rests on: the Payment's own, and its ends' numbers, banks or names
    SELECT c.entity_id AS payment_id, s.id, s.source, s.agency, s.classification, s.releasable_to, s.compartment,
           s.orcon, s.warrant, 0 AS own
    FROM complete AS c
    JOIN statements AS s ON s.entity_id = c.entity_id
    WHERE s.prop IN ('payerAccount', 'beneficiaryAccount', 'payer', 'beneficiary', 'amount', 'currency', 'date',
                     'purpose', 'programme')
    UNION ALL
    SELECT c.entity_id, s.id, s.source, s.agency, s.classification, s.releasable_to, s.compartment, s.orcon,
           s.warrant, 1 AS own
    FROM complete AS c
    JOIN statements AS s ON s.entity_id = c.from_entity
    WHERE s.prop IN ('iban', 'accountNumber', 'bankName', 'bic', 'name')
    UNION ALL
    SELECT c.entity_id, s.id, s.source, s.agency, s.classification, s.releasable_to, s.compartment, s.orcon,
           s.warrant, 1 AS own
    FROM complete AS c
    JOIN statements AS s ON s.entity_id = c.to_entity
    WHERE s.prop IN ('iban', 'accountNumber', 'bankName', 'bic', 'name')
),
labels AS (
    -- the narrowest of its statements' labels: the highest classification, ORCON if any is, the one list of agencies
    -- any of them is released to (its agency's), else every agency; a row resting on statements released to two
    -- different lists, or in two compartments or under two warrants, is left out: one row cannot say both
    SELECT payment_id,
           coalesce(min(CASE WHEN releasable_to <> '*' THEN agency END), min(agency)) AS agency,
           max(classification) AS classification,
           coalesce(min(CASE WHEN releasable_to <> '*' THEN releasable_to END), '*') AS releasable_to,
           max(compartment) AS compartment,
           max(CASE WHEN orcon THEN 1 ELSE 0 END) = 1 AS orcon,
           max(warrant) AS warrant
    FROM resting
    GROUP BY payment_id
    HAVING count(DISTINCT CASE WHEN releasable_to <> '*' THEN releasable_to END) <= 1
       AND count(DISTINCT compartment) <= 1 AND count(DISTINCT warrant) <= 1
),
sources AS (
    SELECT payment_id, min(source) AS source FROM resting WHERE own = 0 GROUP BY payment_id
)
SELECT c.timestamp, c.from_bank, c.from_account, c.to_bank, c.to_account,
       c.amount AS amount_received, c.currency AS receiving_currency, c.amount AS amount_paid,
       c.currency AS payment_currency, c.payment_format, CAST(NULL AS BOOLEAN) AS is_laundering,
       row_number() OVER (ORDER BY c.timestamp, c.entity_id) AS line, c.entity_id AS id,
       c.from_account_id, c.to_account_id, src.source, CAST(NULL AS BIGINT) AS run_id,
       l.agency, l.classification, l.releasable_to, l.compartment, l.orcon, l.warrant,
       regexp_replace(upper(c.from_number), '[^A-Z0-9]', '', 'g') AS from_key,
       regexp_replace(upper(c.to_number), '[^A-Z0-9]', '', 'g') AS to_key,
       CAST(c.timestamp AS DATE) AS day, CAST(round(c.amount * 100) AS BIGINT) AS cents
FROM complete AS c
JOIN labels AS l ON l.payment_id = c.entity_id
JOIN sources AS src ON src.payment_id = c.entity_id
