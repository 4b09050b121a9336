-- The subjects (a traveller on a trip; an account in a currency and window) who meet every condition of a
-- rule (targeting rules, red-flag rules).
-- A condition holds when one of the subject's feature values satisfies it; `not_in` holds when the
-- subject has the feature and none of its values is in the set. Conditions are rows (rule,
-- condition_no, feature, op, value).
WITH satisfied AS (
    SELECT DISTINCT c.rule, c.condition_no, f.subject
    FROM rule_conditions AS c
    JOIN rule_features AS f ON f.feature = c.feature
    WHERE (c.op = 'in' AND f.text_value = c.text_value)
       OR (c.op = '<' AND f.number_value < c.number_value)
       OR (c.op = '<=' AND f.number_value <= c.number_value)
       OR (c.op = '>' AND f.number_value > c.number_value)
       OR (c.op = '>=' AND f.number_value >= c.number_value)
       OR (c.op = '=' AND f.number_value = c.number_value)
    UNION
    SELECT DISTINCT c.rule, c.condition_no, s.subject
    FROM rule_conditions AS c
    JOIN (SELECT DISTINCT subject, feature FROM rule_features
          WHERE feature IN (SELECT feature FROM rule_conditions WHERE op = 'not_in')) AS s ON s.feature = c.feature
    LEFT JOIN (
        SELECT x.rule, x.condition_no, f.subject
        FROM rule_conditions AS x
        JOIN rule_features AS f ON f.feature = x.feature AND f.text_value = x.text_value
        WHERE x.op = 'not_in'
    ) AS barred ON barred.rule = c.rule AND barred.condition_no = c.condition_no AND barred.subject = s.subject
    WHERE c.op = 'not_in' AND barred.subject IS NULL
),
sizes AS (
    SELECT rule, count(DISTINCT condition_no) AS size FROM rule_conditions GROUP BY rule
)
SELECT s.rule, s.subject
FROM satisfied AS s
JOIN sizes AS z ON z.rule = s.rule
GROUP BY s.rule, s.subject, z.size
HAVING count(DISTINCT s.condition_no) = z.size
ORDER BY s.rule, s.subject
