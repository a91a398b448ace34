-- Login segments. JSON arrays: $1 cumulative share (lower bound); $2 mean logins a month.
CREATE TEMP TABLE demo_segment AS
SELECT unnest(from_json($1, '["DOUBLE"]')) AS lo, unnest(from_json($2, '["DOUBLE"]')) AS mean_per_month
