-- Keeps each user's last qualifying event per month for later builds (user_month.user_id holds the user's
-- integer key, ADR 0027).
INSERT INTO user_month
SELECT s.sig, u.period_start, u.user_key, u.last_event.practice_key, u.last_event.event_date
FROM build_user_period u
JOIN (SELECT DISTINCT sig, sig_key FROM metric_selector) s ON s.sig_key = u.sig_key
WHERE u.grain = 1
