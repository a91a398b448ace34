-- Lookup for the day of a login-weight position v by equality join (no search): [0, total) is cut into
-- $1 equal cells, narrower than any day; cell floor(v / $2 * $1) gives the day at the cell's start
-- (a_*), or the next day (b_*) when v is at or above the boundary. $2 total login weight.
CREATE TEMP TABLE demo_day_cell AS
WITH d AS (
  SELECT
    day_index,
    login_lo AS lo,
    login_w,
    day_kind,
    lead(login_lo, 1, $2::DOUBLE) OVER (ORDER BY day_index) AS hi,
    lead(day_index, 1, day_index) OVER (ORDER BY day_index) AS next_day,
    lead(login_lo, 1, login_lo) OVER (ORDER BY day_index) AS next_lo,
    lead(login_w, 1, login_w) OVER (ORDER BY day_index) AS next_w,
    lead(day_kind, 1, day_kind) OVER (ORDER BY day_index) AS next_kind
  FROM demo_day
)
SELECT
  cell::INTEGER AS cell,
  hi AS boundary,
  day_index AS a_day,
  lo AS a_lo,
  login_w AS a_w,
  day_kind AS a_kind,
  next_day AS b_day,
  next_lo AS b_lo,
  next_w AS b_w,
  next_kind AS b_kind
FROM (SELECT *, unnest(range(ceil(lo / $2 * $1)::BIGINT, ceil(hi / $2 * $1)::BIGINT)) AS cell FROM d)
WHERE cell < $1
