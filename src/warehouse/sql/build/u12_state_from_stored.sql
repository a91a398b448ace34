-- The stored rolling 12-month state at month $1 (user_12m), partition $3 of $2 of the users by key hash.
CREATE OR REPLACE TEMP TABLE u12_state AS
SELECT sig, user_id, last_month, practice_key, attr_date
FROM user_12m
WHERE month = $1
  AND sig IN (SELECT sig FROM metric_selector WHERE kind = 'unique_12m')
  AND hash(user_id) % CAST($2 AS UBIGINT) = CAST($3 AS UBIGINT)
