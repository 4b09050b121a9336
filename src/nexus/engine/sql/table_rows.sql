-- Every row of one table (its name bound by the caller), to keep or hand on.
SELECT * FROM source_table
