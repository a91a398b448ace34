-- Inserts valid staged events whose event_id is new: the first occurrence in the file wins,
-- and ids already in the warehouse are skipped, so loading a file twice counts it once. $1 load id.
INSERT INTO activity_event
SELECT event_id, event_time, event_date, event_type, session_id, user_id, practice_code,
       identity_level, channel, p9_route, record_type, provider, service, $1
FROM (
  SELECT *, row_number() OVER (PARTITION BY event_id ORDER BY line_no) AS occurrence
  FROM staged_event
  WHERE reject_reason IS NULL
) s
WHERE occurrence = 1
  AND NOT EXISTS (SELECT 1 FROM activity_event a WHERE a.event_id = s.event_id)
