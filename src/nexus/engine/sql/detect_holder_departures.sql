-- Departures of bank accounts' holders as the viewer sees the statements: for every id of an account held
-- (`account_holders`) by someone a Trip (a flight or a booking) involves, after resolution any record of
-- the same person, the day the trip starts. What the liquidation-before-travel flag counts, and what its
-- alert cites besides the payments: the trip and the ownership that makes the account the traveller's.
WITH starts AS (
    SELECT entity_id AS trip_id, min(TRY_CAST(substr(value, 1, 10) AS DATE)) AS departure
    FROM statements
    WHERE schema = 'Trip' AND prop = 'startDate'
    GROUP BY entity_id
),
travellers AS (
    SELECT DISTINCT s.entity_id AS trip_id, p.canonical_id AS traveller
    FROM statements AS s
    JOIN entity_ids AS p ON p.entity_id = s.value
    WHERE s.schema = 'Trip' AND s.prop = 'involved'
)
SELECT DISTINCT every.entity_id AS account_id, h.holder_id, h.ownership_id, t.trip_id, st.departure
FROM account_holders AS h
JOIN travellers AS t ON t.traveller = h.holder_id
JOIN starts AS st ON st.trip_id = t.trip_id
JOIN entity_ids AS every ON every.canonical_id = h.account
WHERE st.departure IS NOT NULL
