-- A pseudonymous user id is held once, in user_dim, not on every event (ADR 0050): activity_event keeps the
-- user's integer key (ADR 0027, filled for every event by 0025), which every build step already reads.
-- Nothing is lost (user_dim maps each key to its id and back), the event store is about a quarter smaller,
-- and ingest writes one string column fewer per event.
ALTER TABLE activity_event DROP COLUMN user_id;
