DROP TABLE IF EXISTS feed_stage_downloads_daily
