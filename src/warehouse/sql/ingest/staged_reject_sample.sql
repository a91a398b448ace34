-- The first rejected rows of the staged file, for the report. $1 limit.
SELECT line_no AS line, reject_field AS field, reject_reason AS reason
FROM staged_event
WHERE reject_reason IS NOT NULL
ORDER BY line_no
LIMIT $1
