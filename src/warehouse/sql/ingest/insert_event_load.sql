INSERT INTO event_load (load_id, source_file, sha256, format, rows_read, rows_loaded, rows_duplicate,
  rows_rejected, unknown_practice_rows, first_event_date, last_event_date, is_demo, loaded_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, now()::TIMESTAMP)
