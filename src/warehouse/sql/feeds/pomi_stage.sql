-- Stages the validated rows of a POMI file (written by the importer to a temporary CSV, $1).
CREATE OR REPLACE TEMP TABLE feed_stage_pomi AS
SELECT *
FROM read_csv($1, header = true, delim = ',', quote = '"', escape = '"', auto_detect = false, columns = {
  'line': 'BIGINT',
  'month': 'DATE',
  'report_period_end': 'DATE',
  'practice_code': 'VARCHAR',
  'field': 'VARCHAR',
  'value': 'BIGINT',
  'supplier': 'VARCHAR',
  'region_code': 'VARCHAR',
  'subregion_code': 'VARCHAR',
  'ccg_code': 'VARCHAR',
  'effective_snapshot_date': 'DATE',
  'report_period_length': 'VARCHAR'
})
