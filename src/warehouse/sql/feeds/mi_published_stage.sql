-- Stages the validated rows of an NHS App MI publication (CSV or workbook; written by the importer to a
-- temporary CSV, $1).
CREATE OR REPLACE TEMP TABLE feed_stage_mi_published AS
SELECT *
FROM read_csv($1, header = true, delim = ',', quote = '"', escape = '"', auto_detect = false, columns = {
  'line': 'BIGINT',
  'month': 'DATE',
  'level': 'VARCHAR',
  'icb_code': 'VARCHAR',
  'icb_name': 'VARCHAR',
  'region_code': 'VARCHAR',
  'region_name': 'VARCHAR',
  'measure': 'VARCHAR',
  'value': 'BIGINT',
  'source_file': 'VARCHAR',
  'edition': 'DATE'
})
