-- Stores each event's user key on the rows of this load ($1 load id).
UPDATE activity_event
SET user_key = d.user_key
FROM user_dim d
WHERE activity_event.load_id = $1 AND d.user_id = activity_event.user_id
