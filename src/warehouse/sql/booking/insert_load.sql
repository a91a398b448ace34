-- Records a booking file load, last, in the same transaction as its rows (its commit record).
INSERT INTO booking_load (load_id, kind, source_file, sha256, format, rows_read, rows_loaded, rows_duplicate,
  first_date, last_date, is_demo, loaded_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, now()::TIMESTAMP)
