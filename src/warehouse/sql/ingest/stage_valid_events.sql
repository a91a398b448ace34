-- Stages the file's valid rows, in file order, in a temporary table (ADR 0034): repeated and already-known
-- event ids are removed there, user keys assigned, and the rows written to activity_event once, key and all.
-- Reading checked_event validates the file once; the rows are kept with their types (ENUM columns are cast
-- when inserted).
CREATE OR REPLACE TEMP TABLE staged_event AS
SELECT event_id, event_time, event_date, event_type, session_id, user_id, practice_code,
       identity_level, channel, p9_route, record_type, provider, service
FROM checked_event
WHERE reject_reason IS NULL
