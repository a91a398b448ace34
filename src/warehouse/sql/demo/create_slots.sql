-- The window's London hour slots with their UTC bounds and weights: the inverse-CDF tables the generator
-- samples event times from. Hours that do not exist (the clocks going forward) are not in the lists.
-- $1 first day of the window (DATE); JSON arrays, one item per slot: $2 day index in the window;
-- $3 London hour; $4 login weight before the slot; $5 login weight of the slot; $6 registration weight
-- before the slot; $7 registration weight of the slot; $8 share of the day before the slot; $9 the
-- slot's share of the day.
CREATE TEMP TABLE demo_slot AS
WITH s AS (
  SELECT
    unnest(from_json($2, '["INTEGER"]')) AS day_index,
    unnest(from_json($3, '["INTEGER"]')) AS hour,
    unnest(from_json($4, '["DOUBLE"]')) AS login_lo,
    unnest(from_json($5, '["DOUBLE"]')) AS login_w,
    unnest(from_json($6, '["DOUBLE"]')) AS reg_lo,
    unnest(from_json($7, '["DOUBLE"]')) AS reg_w,
    unnest(from_json($8, '["DOUBLE"]')) AS hour_lo,
    unnest(from_json($9, '["DOUBLE"]')) AS hour_w
),
local AS (
  SELECT *, ($1::DATE + day_index) + hour * INTERVAL 1 HOUR AS local_start FROM s
)
SELECT
  day_index * 24 + hour AS slot,
  day_index,
  hour,
  login_lo,
  login_w,
  reg_lo,
  reg_w,
  hour_lo,
  hour_w,
  local_start::TIMESTAMP AT TIME ZONE 'Europe/London' AS utc_start,
  -- The slot ends where the next local hour starts: 2 hours for 00:00 on the day the clocks go back.
  epoch_us((local_start + INTERVAL 1 HOUR)::TIMESTAMP AT TIME ZONE 'Europe/London')
    - epoch_us(local_start::TIMESTAMP AT TIME ZONE 'Europe/London') AS length_us,
  -- The London calendar month, as year * 12 + month - 1.
  (year(local_start) * 12 + month(local_start) - 1)::INTEGER AS month_idx
FROM local
