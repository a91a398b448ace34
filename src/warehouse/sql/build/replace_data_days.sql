-- A London day counts as loaded when it has login activity, from events or the practice feed (logins happen every day in England);
-- registration history before the activity window does not make those days "loaded". $1..$2: the days
-- the build covers (deleted just before).
INSERT INTO data_day
SELECT day, sum(logins) FROM (
  SELECT event_date AS day, count(*) AS logins FROM activity_event
  WHERE event_type = 'login' AND event_date BETWEEN $1 AND $2
  GROUP BY event_date
  UNION ALL
  -- A day of the NHS practice snapshot feed counts too (its dates are London dates).
  SELECT date, sum(coalesce(logins, 0)) FROM feed_practice_daily
  WHERE date BETWEEN $1 AND $2
  GROUP BY date
) d
GROUP BY day
