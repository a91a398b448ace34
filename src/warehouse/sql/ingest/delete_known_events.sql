-- Removes staged rows whose event id an earlier load already holds: loading the same events again counts
-- them once. The staged ids are hashed (the smaller side), the stored ones probed.
DELETE FROM staged_event
WHERE event_id IN (
  SELECT event_id FROM activity_event
  WHERE event_id IN (SELECT event_id FROM staged_event)
)
