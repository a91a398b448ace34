-- Stages the validated rows of a Weekly/MonthlyDownloads file (written by the importer to a temporary CSV, $1).
CREATE OR REPLACE TEMP TABLE feed_stage_downloads_daily AS
SELECT *
FROM read_csv($1, header = true, delim = ',', quote = '"', escape = '"', auto_detect = false, columns = {
  'line': 'BIGINT',
  'date': 'DATE',
  'device_type': 'VARCHAR',
  'downloads': 'BIGINT',
  'file_kind': 'VARCHAR'
})
