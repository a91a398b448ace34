-- A London day counts as loaded when it has login activity (logins happen every day in England);
-- registration history before the activity window does not make those days "loaded".
INSERT INTO data_day
SELECT event_date, count(*) FROM activity_event WHERE event_type = 'login' GROUP BY event_date
