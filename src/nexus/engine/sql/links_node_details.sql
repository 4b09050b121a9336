-- Schema, name and topics of the wanted graph entities.
SELECT n.canonical_id, n.schema, n.name, n.topics
FROM link_nodes AS n
JOIN wanted_nodes AS w ON w.id = n.canonical_id
