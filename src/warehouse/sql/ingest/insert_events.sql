-- Writes the staged rows (valid, first occurrences, not loaded before) to activity_event once, each with its
-- user's key (ADR 0034: no UPDATE afterwards), looked up by a scalar subquery over load_user (one row per id,
-- so the lookup cannot multiply rows). $1 load id.
INSERT INTO activity_event
SELECT s.event_id, s.event_time, s.event_date, s.event_type, s.session_id, s.user_id, s.practice_code,
       s.identity_level, s.channel, s.p9_route, s.record_type, s.provider, s.service, $1,
       (SELECT u.user_key FROM load_user u WHERE u.user_id = s.user_id)
FROM staged_event s
