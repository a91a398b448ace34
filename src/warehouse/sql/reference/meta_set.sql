-- Sets one warehouse_meta value. $1 = key, $2 = value.
INSERT INTO warehouse_meta (key, value) VALUES ($1, $2)
ON CONFLICT (key) DO UPDATE SET value = excluded.value
