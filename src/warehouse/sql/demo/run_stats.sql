-- Counts of the run: events by kind, users with at least one event, and months with events.
SELECT
  (SELECT count(*) FROM demo_login) AS logins,
  (SELECT count(*) FROM demo_feature) AS features,
  (SELECT count(*) FILTER (WHERE reg_time IS NOT NULL) FROM demo_user) AS registrations,
  (SELECT count(*) FILTER (WHERE uplift_time IS NOT NULL) FROM demo_user) AS uplifts,
  (SELECT count(*) FILTER (WHERE n_logins > 0 OR reg_time IS NOT NULL OR uplift_time IS NOT NULL) FROM demo_user) AS users
