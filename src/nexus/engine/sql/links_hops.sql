-- The hops a path may take from `a` to `b`: one through each hub the two share (a phone, a booking, a
-- company's board: `via`) and one through none, so that a path names the hub it walks and walks it once.
-- A hop through a hub weighs the noisy-or of the ties through that hub and of the plain relationships
-- between the two (a family tie, a payment: they need no hub); the hop through none, the plain
-- relationships alone (a pair with none has no such hop). Ties through another hub do not weigh on the
-- hop: they are another hop, so another path. `b_penalty` is `b`'s, as `link_adjacency` has it.
-- A hop through none whose relationships are all money (Payments: FtM's, and the ledger's between accounts)
-- carries the span of the money each way (ab_: `a` paid `b`, ba_: `b` paid `a`; the first and last day of
-- `link_edges`; NULL: none went that way), so that a path question tells money passed on through an entity
-- from two who only paid it or were only paid by it. In order of `a`: a path question scans the table, and
-- sorted it is a third of the bytes.
WITH both_ways AS (
    SELECT source_id AS a, target_id AS b, via, strength, link_type, true AS forward, first_day, last_day FROM link_edges
    UNION ALL
    SELECT target_id AS a, source_id AS b, via, strength, link_type, false, first_day, last_day FROM link_edges
),
by_hub AS (
    SELECT a, b, via, sum(ln(1 - least(strength, 0.99))) AS missed,
           bool_and(link_type = 'Payment') AS money,
           min(CASE WHEN forward THEN first_day END) AS ab_first, max(CASE WHEN forward THEN last_day END) AS ab_last,
           min(CASE WHEN NOT forward THEN first_day END) AS ba_first, max(CASE WHEN NOT forward THEN last_day END) AS ba_last
    FROM both_ways GROUP BY a, b, via
)
SELECT h.a, h.b, h.via,
       1 - exp(h.missed + CASE WHEN h.via IS NULL THEN 0 ELSE coalesce(p.missed, 0) END) AS weight, j.b_penalty,
       CASE WHEN h.via IS NULL AND h.money THEN h.ab_first END AS ab_first,
       CASE WHEN h.via IS NULL AND h.money THEN h.ab_last END AS ab_last,
       CASE WHEN h.via IS NULL AND h.money THEN h.ba_first END AS ba_first,
       CASE WHEN h.via IS NULL AND h.money THEN h.ba_last END AS ba_last
FROM by_hub AS h
JOIN link_adjacency AS j ON j.a = h.a AND j.b = h.b
LEFT JOIN by_hub AS p ON p.a = h.a AND p.b = h.b AND p.via IS NULL
ORDER BY h.a, h.b, h.via NULLS FIRST
