-- A previous load of the same file content, if any. $1 sha256.
SELECT load_id, source_file, loaded_at FROM event_load WHERE sha256 = $1 LIMIT 1
