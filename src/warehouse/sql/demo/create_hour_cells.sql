-- Lookup for the London hour of a position x in [0, 1) within a day, by equality join on
-- day kind * $1 + floor(x * $1) (day kind 0 = normal, 1 = the day the clocks go forward): $1 equal cells,
-- narrower than any hour's share. Built from the slots of the first day of each kind.
CREATE TEMP TABLE demo_hour_cell AS
WITH kinds AS (
  SELECT day_kind, min(day_index) AS day_index FROM demo_day GROUP BY day_kind
),
h AS (
  SELECT
    k.day_kind,
    s.hour,
    s.hour_lo AS lo,
    lead(s.hour_lo, 1, 1.0) OVER (PARTITION BY k.day_kind ORDER BY s.hour) AS hi,
    lead(s.hour, 1, s.hour) OVER (PARTITION BY k.day_kind ORDER BY s.hour) AS next_hour
  FROM kinds k
  JOIN demo_slot s ON s.day_index = k.day_index
)
SELECT (day_kind * $1 + cell)::INTEGER AS hour_key, hour AS hour_a, hi AS boundary, next_hour AS hour_b
FROM (SELECT *, unnest(range(ceil(lo * $1)::BIGINT, ceil(hi * $1)::BIGINT)) AS cell FROM h)
WHERE cell < $1
