-- One warehouse_meta value. $1 = key.
SELECT value FROM warehouse_meta WHERE key = $1
