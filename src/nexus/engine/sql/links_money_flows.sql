-- Money to and from the wanted entities: the Payment ties that touch them, payer to beneficiary, in one
-- currency each where the ledger says which ($limit largest first).
SELECT source_id, target_id, currency, amount, pieces, first_date, last_date, classification
FROM link_edges
WHERE link_type = 'Payment' AND amount > 0 AND isfinite(amount)
  AND (source_id IN (SELECT id FROM wanted_nodes) OR target_id IN (SELECT id FROM wanted_nodes))
ORDER BY amount DESC, source_id, target_id
LIMIT $limit
