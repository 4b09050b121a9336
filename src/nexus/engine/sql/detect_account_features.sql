-- The red-flag features of `red_flag_windows` (detect_account_windows) in long form: (subject, feature, value).
SELECT subject, 'inflows' AS feature, CAST(NULL AS VARCHAR) AS text_value, CAST(inflows AS DOUBLE) AS number_value FROM red_flag_windows
UNION ALL SELECT subject, 'inflow_total', NULL, CAST(inflow_total AS DOUBLE) FROM red_flag_windows
UNION ALL SELECT subject, 'distinct_payers', NULL, CAST(distinct_payers AS DOUBLE) FROM red_flag_windows
UNION ALL SELECT subject, 'small_inflows', NULL, CAST(small_inflows AS DOUBLE) FROM red_flag_windows
UNION ALL SELECT subject, 'small_inflow_share', NULL, small_inflow_share FROM red_flag_windows WHERE small_inflow_share IS NOT NULL
UNION ALL SELECT subject, 'cash_inflows', NULL, CAST(cash_inflows AS DOUBLE) FROM red_flag_windows
UNION ALL SELECT subject, 'outflows', NULL, CAST(outflows AS DOUBLE) FROM red_flag_windows
UNION ALL SELECT subject, 'outflow_total', NULL, CAST(outflow_total AS DOUBLE) FROM red_flag_windows
UNION ALL SELECT subject, 'distinct_payees', NULL, CAST(distinct_payees AS DOUBLE) FROM red_flag_windows
UNION ALL SELECT subject, 'cash_out', NULL, CAST(cash_out AS DOUBLE) FROM red_flag_windows
UNION ALL SELECT subject, 'high_risk_out', NULL, CAST(high_risk_out AS DOUBLE) FROM red_flag_windows
UNION ALL SELECT subject, 'out_in_ratio', NULL, out_in_ratio FROM red_flag_windows WHERE out_in_ratio IS NOT NULL
UNION ALL SELECT subject, 'cash_out_share', NULL, cash_out_share FROM red_flag_windows WHERE cash_out_share IS NOT NULL
UNION ALL SELECT subject, 'high_risk_out_share', NULL, high_risk_out_share FROM red_flag_windows WHERE high_risk_out_share IS NOT NULL
UNION ALL SELECT subject, 'cash_or_high_risk_out_share', NULL, cash_or_high_risk_out_share FROM red_flag_windows
    WHERE cash_or_high_risk_out_share IS NOT NULL
