-- $1 = load id.
INSERT INTO feed_practice_daily (
  date, practice_code, p5_new_app_users, accepted_terms_and_conditions, p9_verified_nhs_app_users, logins,
  record_views, prescriptions, nom_pharmacy, appointments_booked, appointments_cancelled, od_registrations,
  od_withdrawals, od_updates, od_lookups, record_views_dcr, record_views_scr, load_id
)
SELECT
  date, practice_code, p5_new_app_users, accepted_terms_and_conditions, p9_verified_nhs_app_users, logins,
  record_views, prescriptions, nom_pharmacy, appointments_booked, appointments_cancelled, od_registrations,
  od_withdrawals, od_updates, od_lookups, record_views_dcr, record_views_scr, $1
FROM feed_stage_practice_daily
ORDER BY date, practice_code
