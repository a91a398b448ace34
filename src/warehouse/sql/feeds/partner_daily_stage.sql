-- Stages the validated rows of a WeeklyIntegratedPartners file (written by the importer to a temporary CSV, $1).
CREATE OR REPLACE TEMP TABLE feed_stage_partner_daily AS
SELECT *
FROM read_csv($1, header = true, delim = ',', quote = '"', escape = '"', auto_detect = false, columns = {
  'line': 'BIGINT',
  'date': 'DATE',
  'practice_code': 'VARCHAR',
  'provider': 'VARCHAR',
  'jump_off': 'VARCHAR',
  'service': 'VARCHAR',
  'is_cie': 'BOOLEAN',
  'clicks': 'BIGINT'
})
