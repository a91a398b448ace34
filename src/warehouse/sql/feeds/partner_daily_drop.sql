DROP TABLE IF EXISTS feed_stage_partner_daily
