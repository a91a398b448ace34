-- Removes the later occurrences of an event id repeated within the file: the first occurrence wins. $1 load id.
DELETE FROM activity_event
WHERE load_id = $1
  AND event_id IN (SELECT event_id FROM repeated_event)
  AND rowid NOT IN (SELECT keep FROM repeated_event)
