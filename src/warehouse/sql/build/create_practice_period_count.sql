-- Everything the roll-ups sum: event counts per London day spread over both grains (only periods lying
-- wholly within $1..$2, as build_event may hold part of the others), plus unique users already attributed
-- per period. attr_date picks the structure in force for the as-recorded view.
CREATE OR REPLACE TEMP TABLE practice_period_count AS
SELECT * FROM (
  SELECT d.metric_id, g.grain, CAST(date_trunc(g.grain, d.event_date) AS DATE) AS period_start,
         d.event_date AS attr_date, d.practice_code, d.n
  FROM practice_day_count d
  CROSS JOIN (VALUES ('week'), ('month')) g(grain)
) c
WHERE c.period_start >= $1
  AND CASE c.grain WHEN 'week' THEN c.period_start + 6 ELSE last_day(c.period_start) END <= $2
UNION ALL
SELECT metric_id, grain, period_start, attr_date, practice_code, n FROM unique_practice_count
