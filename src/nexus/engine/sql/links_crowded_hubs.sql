-- The identifiers, addresses, events and trips an entity shares with too many others (`link_crowded`): no bond to
-- any of them (`links_hub_edges`), shown in its neighbourhood as what it shares and with how many.
SELECT hub, link_type, shared_by, evidence, sources, agencies, classification
FROM link_crowded
WHERE member = $id
  AND ($any_type OR link_type IN $types)
  AND ($source = '' OR list_contains(sources, $source))
  AND classification <= $max_classification
ORDER BY shared_by DESC, hub
