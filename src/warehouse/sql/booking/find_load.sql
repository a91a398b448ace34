-- A previous load of the same file content and kind, if any. $1 kind (events | slots), $2 sha256.
SELECT load_id FROM booking_load WHERE kind = $1 AND sha256 = $2 LIMIT 1
