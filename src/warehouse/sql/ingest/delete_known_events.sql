-- Removes rows of this load ($1) whose event id an earlier load already holds: loading the same events
-- again counts them once. The ids of the new load are hashed (the smaller side), the earlier ones probed.
DELETE FROM activity_event
WHERE load_id = $1
  AND event_id IN (
    SELECT event_id FROM activity_event
    WHERE load_id <> $1
      AND event_id IN (SELECT event_id FROM activity_event WHERE load_id = $1)
  )
