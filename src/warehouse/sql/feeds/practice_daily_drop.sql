DROP TABLE IF EXISTS feed_stage_practice_daily
