-- Rows repeating (month, level, ICB, measure) of an earlier row. $1 = how many to return.
WITH d AS (
  SELECT
    line,
    min(line) OVER (PARTITION BY month, level, icb_code, measure) AS first_line,
    strftime(month, '%Y-%m') || ', ' || icb_code || ', ' || measure AS key
  FROM feed_stage_mi_published
)
SELECT line, first_line, key, count(*) OVER () AS total
FROM d
WHERE line <> first_line
ORDER BY line
LIMIT $1
