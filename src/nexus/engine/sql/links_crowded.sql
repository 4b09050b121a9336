-- The identifiers, addresses, events and trips shared by more than $max_shared (`link_memberships`), by member:
-- what an entity's neighbourhood shows as shared with too many to bind anyone. Small, and in member order, so a
-- neighbourhood reads one row group of it.
SELECT member, hub, link_type, shared_by, evidence, sources, agencies, classification
FROM link_memberships
WHERE shared_by > $max_shared
ORDER BY member, shared_by DESC, hub
