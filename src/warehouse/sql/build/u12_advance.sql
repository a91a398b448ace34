-- Moves the rolling 12-month state (u12_state, at the month before $1) on to month $1: users whose most recent
-- month falls out of the 12 months leave, and users active in $1 join or move to that month's practice and
-- attribution date (user_month, their last qualifying event in it). Partition $3 of $2 of the users.
CREATE OR REPLACE TEMP TABLE u12_next AS
WITH joining AS (
  SELECT sig, user_id, month AS last_month, practice_key, attr_date
  FROM user_month
  WHERE month = $1
    AND sig IN (SELECT sig FROM metric_selector WHERE kind = 'unique_12m')
    AND hash(user_id) % CAST($2 AS UBIGINT) = CAST($3 AS UBIGINT)
)
SELECT s.sig, s.user_id, s.last_month, s.practice_key, s.attr_date
FROM u12_state s
WHERE s.last_month >= CAST($1::DATE - INTERVAL 11 MONTH AS DATE)
  AND NOT EXISTS (SELECT 1 FROM joining j WHERE j.sig = s.sig AND j.user_id = s.user_id)
UNION ALL
SELECT * FROM joining
