DROP TABLE IF EXISTS feed_stage_pomi
