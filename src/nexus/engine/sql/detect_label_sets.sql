-- Each distinct set of security labels among the transactions: what a model trained on them was learnt from.
SELECT DISTINCT agency, classification, releasable_to, compartment, orcon, warrant
FROM transactions
ORDER BY agency, classification, releasable_to, compartment, orcon, warrant
