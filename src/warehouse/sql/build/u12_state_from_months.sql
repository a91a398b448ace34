-- Each user's most recent month of activity in the 12 months ending with month $1 (the rolling 12-month state
-- at $1, ADR 0034), read from the per-user monthly state: one row per selector and user with that month's
-- practice and attribution date. Used when no stored state can be carried forward (a full build, a late
-- change to an earlier month). Only partition $3 of $2 of the users by their key's hash (ADR 0027).
CREATE OR REPLACE TEMP TABLE u12_state AS
SELECT sig, user_id, max(month) AS last_month,
       arg_max(practice_key, month) AS practice_key, arg_max(attr_date, month) AS attr_date
FROM user_month
WHERE sig IN (SELECT sig FROM metric_selector WHERE kind = 'unique_12m')
  AND month BETWEEN CAST($1::DATE - INTERVAL 11 MONTH AS DATE) AND $1
  AND hash(user_id) % CAST($2 AS UBIGINT) = CAST($3 AS UBIGINT)
GROUP BY sig, user_id
