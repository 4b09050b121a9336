-- The identifiers and addresses an entity shares with more than $max_shared others: no bond to any of them
-- (`links_hub_edges`), shown in its neighbourhood as what it shares and with how many.
SELECT hub, link_type, shared_by, evidence, sources, agencies, classification
FROM link_memberships
WHERE member = $id AND shared_by > $max_shared
  AND ($any_type OR link_type IN $types)
  AND ($source = '' OR list_contains(sources, $source))
  AND classification <= $max_classification
ORDER BY shared_by DESC, hub
