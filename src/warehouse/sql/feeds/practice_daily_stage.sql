-- Stages the validated rows of a practice snapshot file (written by the importer to a temporary CSV, $1).
CREATE OR REPLACE TEMP TABLE feed_stage_practice_daily AS
SELECT *
FROM read_csv($1, header = true, delim = ',', quote = '"', escape = '"', auto_detect = false, columns = {
  'line': 'BIGINT',
  'date': 'DATE',
  'practice_code': 'VARCHAR',
  'p5_new_app_users': 'BIGINT',
  'accepted_terms_and_conditions': 'BIGINT',
  'p9_verified_nhs_app_users': 'BIGINT',
  'logins': 'BIGINT',
  'record_views': 'BIGINT',
  'prescriptions': 'BIGINT',
  'nom_pharmacy': 'BIGINT',
  'appointments_booked': 'BIGINT',
  'appointments_cancelled': 'BIGINT',
  'od_registrations': 'BIGINT',
  'od_withdrawals': 'BIGINT',
  'od_updates': 'BIGINT',
  'od_lookups': 'BIGINT',
  'record_views_dcr': 'BIGINT',
  'record_views_scr': 'BIGINT'
})
