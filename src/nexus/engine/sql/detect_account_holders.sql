-- Who holds which bank account, as the viewer sees the statements (materialised as `account_holders`): for each
-- Ownership, the canonical ids of its asset and of its owner (after resolution, any record of the same
-- entity), and the Ownership itself, which an alert resting on the holder must cite.
WITH ownership AS (
    SELECT entity_id, max(CASE WHEN prop = 'owner' THEN value END) AS owner,
           max(CASE WHEN prop = 'asset' THEN value END) AS asset
    FROM statements
    WHERE schema = 'Ownership' AND prop IN ('owner', 'asset')
    GROUP BY entity_id
)
SELECT asset.canonical_id AS account, holder.canonical_id AS holder_id, o.entity_id AS ownership_id
FROM ownership AS o
JOIN entity_ids AS holder ON holder.entity_id = o.owner
JOIN entity_ids AS asset ON asset.entity_id = o.asset
