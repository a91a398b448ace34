-- Inserts the file's valid rows, in file order (duplicates are removed afterwards, inside the same
-- transaction: delete_repeated_events and delete_known_events). $1 load id.
INSERT INTO activity_event
SELECT event_id, event_time, event_date, event_type, session_id, user_id, practice_code,
       identity_level, channel, p9_route, record_type, provider, service, $1, NULL::INTEGER
FROM checked_event
WHERE reject_reason IS NULL
