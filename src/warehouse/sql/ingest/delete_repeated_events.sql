-- Removes the later occurrences of an event id repeated within the file: the first occurrence wins.
DELETE FROM staged_event
WHERE event_id IN (SELECT event_id FROM repeated_event)
  AND rowid NOT IN (SELECT keep FROM repeated_event)
