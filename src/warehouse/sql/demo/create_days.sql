-- The window's London days: cumulative login weight at the start of the day, the day's login weight and
-- its kind (1 = the 23-hour day the clocks go forward, else 0). JSON arrays: $1 login weight before the
-- day; $2 the day's login weight; $3 kind.
CREATE TEMP TABLE demo_day AS
SELECT
  (generate_subscripts(from_json($1, '["DOUBLE"]'), 1) - 1)::INTEGER AS day_index,
  unnest(from_json($1, '["DOUBLE"]')) AS login_lo,
  unnest(from_json($2, '["DOUBLE"]')) AS login_w,
  unnest(from_json($3, '["INTEGER"]')) AS day_kind
