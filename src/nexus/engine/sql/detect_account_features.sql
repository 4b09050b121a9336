-- The red-flag features of `red_flag_windows` (detect_account_windows) that some rule uses
-- (`rule_conditions`), and the money in that alerts report, in long form: (subject, feature, value); only for
-- the windows that meet every condition of some rule ($candidates, the rules' conditions over the wide row),
-- which `rule_hits` then confirms: millions of windows are never laid out long.
SELECT subject, feature, text_value, number_value
FROM (
    SELECT w.subject, c.feature, CAST(NULL AS VARCHAR) AS text_value,
           CASE c.feature
               WHEN 'inflows' THEN CAST(w.inflows AS DOUBLE)
               WHEN 'inflow_total' THEN CAST(w.inflow_total AS DOUBLE)
               WHEN 'distinct_payers' THEN CAST(w.distinct_payers AS DOUBLE)
               WHEN 'small_inflows' THEN CAST(w.small_inflows AS DOUBLE)
               WHEN 'small_inflow_share' THEN w.small_inflow_share
               WHEN 'small_inflow_total' THEN CAST(w.small_inflow_total AS DOUBLE)
               WHEN 'cash_inflows' THEN CAST(w.cash_inflows AS DOUBLE)
               WHEN 'cash_inflow_total' THEN CAST(w.cash_inflow_total AS DOUBLE)
               WHEN 'top_payee_out' THEN CAST(w.top_payee_out AS DOUBLE)
               WHEN 'top_payee_of_cash_in' THEN w.top_payee_of_cash_in
               WHEN 'outflows' THEN CAST(w.outflows AS DOUBLE)
               WHEN 'outflow_total' THEN CAST(w.outflow_total AS DOUBLE)
               WHEN 'distinct_payees' THEN CAST(w.distinct_payees AS DOUBLE)
               WHEN 'cash_out' THEN CAST(w.cash_out AS DOUBLE)
               WHEN 'high_risk_out' THEN CAST(w.high_risk_out AS DOUBLE)
               WHEN 'out_in_ratio' THEN w.out_in_ratio
               WHEN 'cash_out_share' THEN w.cash_out_share
               WHEN 'high_risk_out_share' THEN w.high_risk_out_share
               WHEN 'cash_or_high_risk_out_share' THEN w.cash_or_high_risk_out_share
               WHEN 'cash_or_high_risk_out_of_small' THEN w.cash_or_high_risk_out_of_small
               WHEN 'listed_in' THEN CAST(w.listed_in AS DOUBLE)
               WHEN 'listed_out' THEN CAST(w.listed_out AS DOUBLE)
               WHEN 'listed_one_hop_out' THEN CAST(w.listed_one_hop_out AS DOUBLE)
               WHEN 'listed_money' THEN CAST(w.listed_money AS DOUBLE)
               WHEN 'account_listed' THEN CAST(w.account_listed AS DOUBLE)
               WHEN 'cash_or_high_risk_out' THEN CAST(w.cash_or_high_risk_out AS DOUBLE)
               WHEN 'cash_near_conflict' THEN CAST(w.cash_near_conflict AS DOUBLE)
               WHEN 'cash_near_conflict_count' THEN CAST(w.cash_near_conflict_count AS DOUBLE)
               WHEN 'net_outflow' THEN CAST(w.net_outflow AS DOUBLE)
               WHEN 'holder_departs' THEN CAST(w.holder_departs AS DOUBLE)
               WHEN 'shared_contact_holders' THEN CAST(w.shared_contact_holders AS DOUBLE)
               WHEN 'shared_contact_in' THEN CAST(w.shared_contact_in AS DOUBLE)
           END AS number_value
    FROM (SELECT * FROM red_flag_windows WHERE $candidates) AS w
    CROSS JOIN (SELECT feature FROM rule_conditions UNION SELECT 'inflow_total') AS c
) AS long
WHERE number_value IS NOT NULL
