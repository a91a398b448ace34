-- Summary of a staged file: rows, rejects, unknown practices and the date range of valid events.
SELECT
  count(*) AS rows_read,
  count(*) FILTER (WHERE reject_reason IS NOT NULL) AS rows_rejected,
  count(*) FILTER (WHERE reject_reason IS NULL AND (practice_code IS NULL
    OR practice_code NOT IN (SELECT practice_code FROM practice_map))) AS unknown_practice_rows,
  min(event_date) FILTER (WHERE reject_reason IS NULL) AS first_event_date,
  max(event_date) FILTER (WHERE reject_reason IS NULL) AS last_event_date
FROM staged_event
