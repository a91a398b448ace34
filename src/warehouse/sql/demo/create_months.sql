-- The London calendar months of the window: index (year * 12 + month - 1), label and the UTC instant at
-- which the next month starts. Built from demo_slot.
CREATE TEMP TABLE demo_month AS
SELECT
  month_idx,
  strftime(make_date(month_idx // 12, month_idx % 12 + 1, 1), '%Y-%m') AS month,
  make_date(month_idx // 12, month_idx % 12 + 1, 1) + INTERVAL 1 MONTH AS next_local,
  (make_date(month_idx // 12, month_idx % 12 + 1, 1) + INTERVAL 1 MONTH)::TIMESTAMP AT TIME ZONE 'Europe/London' AS month_end
FROM (SELECT DISTINCT month_idx FROM demo_slot)
