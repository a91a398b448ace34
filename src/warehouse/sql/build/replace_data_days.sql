-- A London day counts as loaded when it has login activity (logins happen every day in England);
-- registration history before the activity window does not make those days "loaded". $1..$2: the days
-- the build covers (deleted just before).
INSERT INTO data_day
SELECT event_date, count(*) FROM activity_event
WHERE event_type = 'login' AND event_date BETWEEN $1 AND $2
GROUP BY event_date
