-- Practice feed counts per practice and day, beside the event counts: the daily snapshot (one metric per
-- column) and integrated-partner clicks, for days $1..$2. Unrecognised practice codes count as UNKNOWN.
INSERT INTO practice_day_count
WITH snapshot AS (
  UNPIVOT (SELECT * EXCLUDE (load_id) FROM feed_practice_daily WHERE date BETWEEN $1 AND $2)
  ON COLUMNS(* EXCLUDE (date, practice_code))
  INTO NAME snapshot_column VALUE n
),
figures AS (
  SELECT s.metric_id, f.date, f.practice_code, f.n
  FROM snapshot f
  JOIN feed_selector s ON s.source = 'practice_snapshot' AND s.snapshot_column = f.snapshot_column
  UNION ALL
  SELECT s.metric_id, f.date, f.practice_code, f.clicks
  FROM feed_partner_daily f
  JOIN feed_selector s
    ON s.source = 'integrated_partners'
   AND (s.provider IS NULL OR f.provider = s.provider)
   AND (s.service IS NULL OR f.service = s.service)
  WHERE f.date BETWEEN $1 AND $2
)
SELECT f.metric_id, f.date AS event_date, coalesce(p.area_code, 'UNKNOWN') AS practice_code, CAST(sum(f.n) AS BIGINT) AS n
FROM figures f
LEFT JOIN area p ON p.area_level = 'practice' AND p.area_code = f.practice_code
GROUP BY ALL
