-- Unique users per metric, week and month on one shard: each user once, at the practice of their last
-- qualifying event in the period; that event's date picks the release in force. Shards' figures add up.
INSERT INTO fact
SELECT m.metric_key, u.grain, u.period_start, u.practice_key, r.release, count() AS n
FROM user_period u
INNER JOIN (SELECT DISTINCT metric_key, sig_key FROM metric_selector WHERE kind = 'unique') m ON m.sig_key = u.sig_key
INNER JOIN date_release r ON r.attr_date = u.attr_date
GROUP BY m.metric_key, u.grain, u.period_start, u.practice_key, r.release
