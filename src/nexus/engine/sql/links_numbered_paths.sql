-- The paths of `link_paths` numbered as `links_brokers` and `links_bridges` number them, the wanted ones only.
SELECT n.* FROM (
    SELECT row_number() OVER (ORDER BY score DESC, p0, p1, p2, p3, p4) AS path, * FROM link_paths
) AS n
JOIN wanted_paths AS w ON w.path = n.path
ORDER BY n.path
