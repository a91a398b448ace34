-- The first rejected rows of a load, for the report. $1 load id, $2 limit.
SELECT line, field, reason
FROM event_reject
WHERE load_id = $1
ORDER BY line
LIMIT $2
