-- Records a feed load. $1 load id, $2 kind, $3 file kind, $4 source file name, $5 sha256, $6 rows read,
-- $7 rows loaded, $8 rows replaced, $9 first date, $10 last date, $11 warnings (NULL when none).
INSERT INTO feed_load (
  load_id, kind, file_kind, source_file, sha256, rows_read, rows_loaded, rows_replaced,
  first_date, last_date, warnings, loaded_at
)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, CAST($9 AS DATE), CAST($10 AS DATE), $11, CAST(now() AS TIMESTAMP))
