DROP TABLE IF EXISTS feed_stage_mi_published
