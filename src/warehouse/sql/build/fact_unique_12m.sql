-- Unique users in the 12 months ending with month $1: every user in the rolling state at $1 (u12_state),
-- once, at the practice of their most recent qualifying event in those months; its date picks the structure.
INSERT INTO build_fact
SELECT m.metric_key, 0, 1, $1::DATE, s.practice_key, r.release, count(*)
FROM u12_state s
JOIN (SELECT DISTINCT metric_key, sig FROM metric_selector WHERE kind = 'unique_12m') m ON m.sig = s.sig
JOIN date_release r ON r.attr_date = s.attr_date
GROUP BY ALL
