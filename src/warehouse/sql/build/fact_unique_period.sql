-- Unique users per metric, week and month: each user once, at the practice of their last qualifying event
-- in the period; that event's date picks the structure in force.
INSERT INTO build_fact
SELECT m.metric_key, 0, u.grain, u.period_start, u.last_event.practice_key, r.release, count(*)
FROM build_user_period u
JOIN (SELECT DISTINCT metric_key, sig_key FROM metric_selector WHERE kind = 'unique') m ON m.sig_key = u.sig_key
JOIN date_release r ON r.attr_date = u.last_event.event_date
GROUP BY ALL
