-- Drops the generator's temporary tables.
DROP TABLE IF EXISTS demo_feature;
DROP TABLE IF EXISTS demo_login;
DROP TABLE IF EXISTS demo_login_key;
DROP TABLE IF EXISTS demo_user;
DROP TABLE IF EXISTS demo_feature_cell;
DROP TABLE IF EXISTS demo_feature_type;
DROP TABLE IF EXISTS demo_segment;
DROP TABLE IF EXISTS demo_move_target;
DROP TABLE IF EXISTS demo_practice;
DROP TABLE IF EXISTS demo_month;
DROP TABLE IF EXISTS demo_hour_cell;
DROP TABLE IF EXISTS demo_day_cell;
DROP TABLE IF EXISTS demo_day;
DROP TABLE IF EXISTS demo_slot;
