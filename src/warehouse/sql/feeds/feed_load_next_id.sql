SELECT coalesce(max(load_id), 0) + 1 AS load_id FROM feed_load
