-- Rows repeating (date, device type) of an earlier row of the file. $1 = how many to return.
WITH d AS (
  SELECT
    line,
    min(line) OVER (PARTITION BY date, device_type) AS first_line,
    CAST(date AS VARCHAR) || ', ' || device_type AS key
  FROM feed_stage_downloads_daily
)
SELECT line, first_line, key, count(*) OVER () AS total
FROM d
WHERE line <> first_line
ORDER BY line
LIMIT $1
