-- Rows repeating (month, practice, field) of an earlier row of the file. $1 = how many to return.
WITH d AS (
  SELECT
    line,
    min(line) OVER (PARTITION BY month, practice_code, field) AS first_line,
    strftime(month, '%Y-%m') || ', ' || practice_code || ', ' || field AS key
  FROM feed_stage_pomi
)
SELECT line, first_line, key, count(*) OVER () AS total
FROM d
WHERE line <> first_line
ORDER BY line
LIMIT $1
