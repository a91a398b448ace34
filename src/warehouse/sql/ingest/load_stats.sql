-- Summary of the events a load adds (the staged rows, which are written as they are): how many, how many
-- with no or an unknown practice code (counted under Unknown), and their London date range.
SELECT
  count(*) AS rows_loaded,
  count(*) FILTER (WHERE practice_code IS NULL
    OR practice_code NOT IN (SELECT practice_code FROM practice_map)) AS unknown_practice_rows,
  min(event_date) AS first_event_date,
  max(event_date) AS last_event_date
FROM staged_event
