-- The best paths of up to four hops from one side to the other, met in the middle: up to two hops
-- out from each side, joined where they meet. Only the ends belong to a side. A path's score is the
-- product of its hops' weights (`link_hops`), for each inner entity with d ties 1/sqrt(d - 1)
-- (`b_penalty`, in log scale), and for each inner entity that money reached but did not pass through, the
-- counterparty factor (below). Each inner entity's degree factor is counted on the `from` half (the meeting
-- entity's too), never on the `to` half. Partial paths are kept per node for at most $keep chains of
-- entities (the best), each with all its ways (ranked before the factor of the entity where the halves meet
-- is known: a heuristic, as the cut itself is). Every factor is at most 1, so a partial path scoring below
-- $floor (log scale: the k-th best score of the shorter paths) cannot end in one of the k best: it is not
-- extended (branch and bound; -1e300 when there is no such bound).
-- Where two hops of money only (`link_hops`' ab_/ba_ spans) meet at an inner entity, money passed on through
-- it when one end paid it and it paid the other end, the two spans overlapping once the second is moved
-- $pass_days earlier (single payments: the second within $pass_days days after the first); where it did not
-- (both ends paid it, or were paid by it, or it paid out before or long after it was paid) the two are only
-- its counterparties, as two customers of one shop, and the path takes $counterparty (log scale). A partial
-- path carries its last hop's spans facing the entity it reached: fin_ (the far end paid it), fout_ (it paid
-- the far end), each the first and last day.
-- A path is simple in the graph of entities and hubs: it walks through a shared hub (`via`: a phone,
-- a booking, a company's board) at most once and never through a hub that is also one of its entities,
-- or two travellers on one booking would be joined through each fellow passenger, by as many paths as
-- there are, all resting on that one booking. v1..v4 name the hub each hop walks (NULL: none, the plain
-- relationships alone). Of the ways to walk one chain of entities, the best simple one is the path.
WITH ends AS (
    SELECT id, max(CASE WHEN side = 'from' THEN 1 ELSE 0 END) AS is_from, max(CASE WHEN side = 'to' THEN 1 ELSE 0 END) AS is_to
    FROM link_sides
    GROUP BY id
),
adj AS (
    SELECT e.a, e.b, e.via, ln(e.weight) AS s, x.id IS NULL AS interior, coalesce(x.is_to, 0) = 1 AS b_to,
           CASE WHEN x.id IS NULL THEN e.b_penalty ELSE 0 END AS b_penalty, e.ab_first, e.ab_last, e.ba_first, e.ba_last
    FROM link_hops AS e
    LEFT JOIN ends AS x ON x.id = e.b
),
l1 AS (
    SELECT e.a AS n0, e.b AS n1, e.via AS v1, e.s + e.b_penalty AS s, e.interior, e.b_to,
           e.ab_first AS fin_first, e.ab_last AS fin_last, e.ba_first AS fout_first, e.ba_last AS fout_last
    FROM ends AS f JOIN adj AS e ON e.a = f.id WHERE f.is_from = 1 AND e.s + e.b_penalty >= $floor
),
r1 AS (
    SELECT e.a AS n0, e.b AS n1, e.via AS v1, e.s, e.interior, e.b_penalty,
           e.ab_first AS fin_first, e.ab_last AS fin_last, e.ba_first AS fout_first, e.ba_last AS fout_last
    FROM ends AS t JOIN adj AS e ON e.a = t.id
    WHERE t.is_to = 1 AND e.s >= $floor
),
l2_ways AS (
    SELECT l1.n0, l1.n1, e.b AS n2, l1.v1, e.via AS v2,
           e.ab_first AS fin_first, e.ab_last AS fin_last, e.ba_first AS fout_first, e.ba_last AS fout_last,
           l1.s + e.s + e.b_penalty + CASE WHEN (l1.fin_first IS NOT NULL OR l1.fout_first IS NOT NULL) AND (e.ba_first IS NOT NULL OR e.ab_first IS NOT NULL)
                     AND NOT (coalesce(l1.fin_first <= e.ab_last AND e.ab_first <= l1.fin_last + $pass_days, false)
                              OR coalesce(e.ba_first <= l1.fout_last AND l1.fout_first <= e.ba_last + $pass_days, false))
                     THEN $counterparty ELSE 0 END AS s
    FROM l1 JOIN adj AS e ON e.a = l1.n1
    WHERE $max_hops >= 3 AND l1.interior AND e.interior AND e.b <> l1.n0
      AND coalesce(e.via <> l1.v1, true) AND coalesce(e.via <> l1.n0, true) AND coalesce(l1.v1 <> e.b, true)
      AND l1.s + e.s + e.b_penalty >= $floor
),
l2 AS (
    -- at most $keep chains (n0, n1) into each node n2, the best, each with every way of walking it (its hubs):
    -- the simple-path filter below may need any of them
    SELECT n0, n1, n2, v1, v2, s, fin_first, fin_last, fout_first, fout_last FROM (
        SELECT *, dense_rank() OVER (PARTITION BY n2 ORDER BY best DESC, n0, n1) AS r FROM (
            SELECT *, max(s) OVER (PARTITION BY n0, n1, n2) AS best FROM l2_ways WHERE s >= $floor
        ) AS ways
    ) AS ranked
    WHERE r <= $keep
),
r2_ways AS (
    SELECT r1.n0, r1.n1, e.b AS n2, r1.v1, e.via AS v2,
           e.ab_first AS fin_first, e.ab_last AS fin_last, e.ba_first AS fout_first, e.ba_last AS fout_last,
           r1.s + r1.b_penalty + e.s + CASE WHEN (r1.fin_first IS NOT NULL OR r1.fout_first IS NOT NULL) AND (e.ba_first IS NOT NULL OR e.ab_first IS NOT NULL)
                     AND NOT (coalesce(r1.fin_first <= e.ab_last AND e.ab_first <= r1.fin_last + $pass_days, false)
                              OR coalesce(e.ba_first <= r1.fout_last AND r1.fout_first <= e.ba_last + $pass_days, false))
                     THEN $counterparty ELSE 0 END AS s
    FROM r1 JOIN adj AS e ON e.a = r1.n1
    WHERE $max_hops >= 4 AND r1.interior AND e.interior AND e.b <> r1.n0
      AND coalesce(e.via <> r1.v1, true) AND coalesce(e.via <> r1.n0, true) AND coalesce(r1.v1 <> e.b, true)
      AND r1.s + r1.b_penalty + e.s >= $floor
),
r2 AS (
    SELECT n0, n1, n2, v1, v2, s, fin_first, fin_last, fout_first, fout_last FROM (
        SELECT *, dense_rank() OVER (PARTITION BY n2 ORDER BY best DESC, n0, n1) AS r FROM (
            SELECT *, max(s) OVER (PARTITION BY n0, n1, n2) AS best FROM r2_ways WHERE s >= $floor
        ) AS ways
    ) AS ranked
    WHERE r <= $keep
),
paths AS (
    -- v1..v4: the hub each hop walks through, from the `from` end; h_ and g_: the spans of the two hops that
    -- meet (the `from` half's last, the `to` half's), judged below
    SELECT n0 AS p0, n1 AS p1, CAST(NULL AS VARCHAR) AS p2, CAST(NULL AS VARCHAR) AS p3, CAST(NULL AS VARCHAR) AS p4,
           v1, CAST(NULL AS VARCHAR) AS v2, CAST(NULL AS VARCHAR) AS v3, CAST(NULL AS VARCHAR) AS v4, 1 AS hops, s,
           CAST(NULL AS BIGINT) AS h_in_first, CAST(NULL AS BIGINT) AS h_in_last,
           CAST(NULL AS BIGINT) AS h_out_first, CAST(NULL AS BIGINT) AS h_out_last,
           CAST(NULL AS BIGINT) AS g_in_first, CAST(NULL AS BIGINT) AS g_in_last,
           CAST(NULL AS BIGINT) AS g_out_first, CAST(NULL AS BIGINT) AS g_out_last
    FROM l1 WHERE b_to AND n0 <> n1
    UNION ALL
    SELECT l1.n0, l1.n1, r1.n0, NULL, NULL, l1.v1, r1.v1, NULL, NULL, 2, l1.s + r1.s,
           l1.fin_first, l1.fin_last, l1.fout_first, l1.fout_last, r1.fin_first, r1.fin_last, r1.fout_first, r1.fout_last
    FROM l1 JOIN r1 ON r1.n1 = l1.n1 WHERE l1.interior AND l1.n0 <> r1.n0
    UNION ALL
    SELECT l2.n0, l2.n1, l2.n2, r1.n0, NULL, l2.v1, l2.v2, r1.v1, NULL, 3, l2.s + r1.s,
           l2.fin_first, l2.fin_last, l2.fout_first, l2.fout_last, r1.fin_first, r1.fin_last, r1.fout_first, r1.fout_last
    FROM l2 JOIN r1 ON r1.n1 = l2.n2 WHERE l2.n0 <> r1.n0
    UNION ALL
    SELECT l2.n0, l2.n1, l2.n2, r2.n1, r2.n0, l2.v1, l2.v2, r2.v2, r2.v1, 4, l2.s + r2.s,
           l2.fin_first, l2.fin_last, l2.fout_first, l2.fout_last, r2.fin_first, r2.fin_last, r2.fout_first, r2.fout_last
    FROM l2 JOIN r2 ON r2.n2 = l2.n2 WHERE l2.n0 <> r2.n0 AND l2.n1 <> r2.n1
),
met AS (
    SELECT p0, p1, p2, p3, p4, v1, v2, v3, v4, hops,
           s + CASE WHEN (h_in_first IS NOT NULL OR h_out_first IS NOT NULL) AND (g_in_first IS NOT NULL OR g_out_first IS NOT NULL)
                    AND NOT (coalesce(h_in_first <= g_out_last AND g_out_first <= h_in_last + $pass_days, false)
                         OR coalesce(g_in_first <= h_out_last AND h_out_first <= g_in_last + $pass_days, false))
               THEN $counterparty ELSE 0 END AS s
    FROM paths
)
SELECT p0, p1, p2, p3, p4, v1, v2, v3, v4, hops, exp(s) AS score FROM (
    SELECT *, row_number() OVER (PARTITION BY p0, p1, p2, p3, p4
                                 ORDER BY s DESC, v1 NULLS FIRST, v2 NULLS FIRST, v3 NULLS FIRST, v4 NULLS FIRST) AS way
    FROM met
    WHERE hops <= $max_hops
      -- no hub walked twice, and none that is also an entity of the path (a company both shared and walked
      -- through); written out, as DuckDB 1.5 fails on `NOT IN` over a list of columns
      AND coalesce(v1 <> v2, true) AND coalesce(v1 <> v3, true) AND coalesce(v1 <> v4, true)
      AND coalesce(v1 <> p2, true) AND coalesce(v1 <> p3, true) AND coalesce(v1 <> p4, true)
      AND coalesce(v2 <> v3, true) AND coalesce(v2 <> v4, true)
      AND coalesce(v2 <> p0, true) AND coalesce(v2 <> p3, true) AND coalesce(v2 <> p4, true)
      AND coalesce(v3 <> v4, true) AND coalesce(v3 <> p0, true) AND coalesce(v3 <> p1, true) AND coalesce(v3 <> p4, true)
      AND coalesce(v4 <> p0, true) AND coalesce(v4 <> p1, true) AND coalesce(v4 <> p2, true)
) AS ways
WHERE way = 1
ORDER BY score DESC, hops, p0, p1, p2, p3, p4
LIMIT $limit
