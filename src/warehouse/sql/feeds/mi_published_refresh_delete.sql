-- mi_published holds the latest edition's figures: first remove those of the (month, level) pairs just loaded.
DELETE FROM mi_published t
WHERE EXISTS (SELECT 1 FROM feed_stage_mi_published s WHERE s.month = t.month AND s.level = t.level)
