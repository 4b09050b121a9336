-- Who shares each identifier, address, event or trip (`hub_members`): one row per member and hub, with the member's
-- own evidence, the hub's dates, how many share it and what a tie through it weighs (`links_hub_edges`: nothing past
-- the cap). A hub shared by more than the cap binds no one, but an entity's neighbourhood still says that it shares
-- one and with how many, and a hub's neighbourhood (an identifier's, an event's, a trip's) lists who. A company's
-- directors or a case's parties are its own ties (Directorship, CourtCaseParty), not listed again here.
WITH members AS (
    SELECT member, hub, link_type, max(weight) AS weight, list(DISTINCT evidence) AS evidence,
           list(DISTINCT source) AS sources, list(DISTINCT agency) AS agencies, max(classification) AS classification,
           min(first_date) AS first_date, max(last_date) AS last_date
    FROM hub_members
    WHERE link_type IN (SELECT link_type FROM hub_weights UNION ALL SELECT link_type FROM hub_participants)
    GROUP BY member, hub, link_type
),
counted AS (
    SELECT *, count(*) OVER (PARTITION BY hub, link_type) AS shared_by FROM members
)
SELECT member, hub, link_type, evidence, sources, agencies, classification, shared_by, first_date, last_date,
       CASE WHEN shared_by <= $max_shared THEN weight * power(CAST(shared_by - 1 AS DOUBLE), -0.5 * $damping)
            ELSE 0.0 END AS weight
FROM counted
WHERE shared_by >= 2  -- what one entity alone holds is shared by no one
ORDER BY hub, member
