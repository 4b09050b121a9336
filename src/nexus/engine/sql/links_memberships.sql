-- Who shares each identifier or address (`hub_members`): one row per member and hub, with the member's own
-- evidence and how many share it. A hub shared by more than the cap binds no one (`links_hub_edges`), but an
-- entity's neighbourhood still says that it shares one and with how many, and a hub's neighbourhood lists who.
WITH members AS (
    SELECT member, hub, link_type, list(DISTINCT evidence) AS evidence, list(DISTINCT source) AS sources,
           list(DISTINCT agency) AS agencies, max(classification) AS classification
    FROM hub_members
    WHERE link_type IN (SELECT link_type FROM hub_weights)
    GROUP BY member, hub, link_type
)
SELECT * FROM (
    SELECT member, hub, link_type, evidence, sources, agencies, classification,
           count(*) OVER (PARTITION BY hub, link_type) AS shared_by
    FROM members
) AS counted
WHERE shared_by >= 2  -- what one entity alone holds is shared by no one
ORDER BY hub, member
