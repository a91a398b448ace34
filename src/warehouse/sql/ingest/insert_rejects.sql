-- Records the rejected rows of the file being loaded, with their line numbers. $1 load id, $2 file name as given.
INSERT INTO event_reject (load_id, source_file, line, field, reason, rejected_at)
SELECT $1, $2, line_no, reject_field, reject_reason, now()::TIMESTAMP
FROM checked_event
WHERE reject_reason IS NOT NULL
ORDER BY line_no
