-- The features of the subjects red-flag rules hit: what their alerts show.
SELECT f.subject, f.feature, f.number_value
FROM rule_features AS f
JOIN wanted_subjects AS w ON w.subject = f.subject
