-- Every event carries its user's integer key (ADR 0027) before 0026 drops the user id from the events
-- (ADR 0050). 0017 keyed every event then loaded, and ingest has keyed each since; an event that slipped
-- through is keyed here from user_dim. Its own migration: DuckDB cannot commit an update and an ALTER of the
-- same table in one transaction.
UPDATE activity_event SET user_key = d.user_key
FROM user_dim d
WHERE activity_event.user_key IS NULL AND d.user_id = activity_event.user_id;
