-- The users of the staged rows with their integer keys (ADR 0027, 0034): a known user keeps its key, and
-- users not seen before take the next keys after the largest given, in id order. One pass over user_dim
-- (the load's distinct ids are the hashed side); only the new ids are sorted.
CREATE OR REPLACE TEMP TABLE load_user AS
WITH users AS (
  SELECT u.user_id, d.user_key
  FROM (SELECT DISTINCT user_id FROM staged_event) u
  LEFT JOIN user_dim d ON d.user_id = u.user_id
)
SELECT user_id, user_key, false AS is_new FROM users WHERE user_key IS NOT NULL
UNION ALL
SELECT user_id,
       CAST((SELECT coalesce(max(user_key), 0) FROM user_dim) + row_number() OVER (ORDER BY user_id) AS INTEGER),
       true
FROM users
WHERE user_key IS NULL
