-- The earlier load of the same content as the same feed kind, if any. $1 = kind, $2 = sha256.
SELECT load_id, file_kind, rows_read, rows_loaded, first_date, last_date
FROM feed_load
WHERE kind = $1 AND sha256 = $2
ORDER BY load_id
LIMIT 1
