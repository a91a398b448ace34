-- Reference data releases, the area model, activity events and the first metric cube.
-- Written in SQL that PostgreSQL also accepts, except where noted.

-- Every reference file loaded, one row per release (kind + extract date).
CREATE TABLE reference_release (
  kind VARCHAR NOT NULL,            -- practice_map | list_size_all | list_size_single_age | list_size_quinary
  extract_date DATE NOT NULL,
  publication VARCHAR,
  source_file VARCHAR NOT NULL,
  sha256 VARCHAR NOT NULL,
  row_count INTEGER NOT NULL,
  loaded_at TIMESTAMP NOT NULL,
  PRIMARY KEY (kind, extract_date)
);

-- gp-reg-pat-prac-map.csv, every release kept with its extract date.
CREATE TABLE practice_map (
  extract_date DATE NOT NULL,
  practice_code VARCHAR NOT NULL,
  practice_name VARCHAR NOT NULL,
  practice_postcode VARCHAR,
  pcn_code VARCHAR NOT NULL,
  pcn_name VARCHAR NOT NULL,
  sub_icb_code VARCHAR NOT NULL,
  sub_icb_ons_code VARCHAR,
  sub_icb_name VARCHAR NOT NULL,
  icb_code VARCHAR NOT NULL,
  icb_ons_code VARCHAR,
  icb_name VARCHAR NOT NULL,
  region_code VARCHAR NOT NULL,
  region_ons_code VARCHAR,
  region_name VARCHAR NOT NULL,
  supplier_name VARCHAR,
  PRIMARY KEY (extract_date, practice_code)
);

-- Registered patients per organisation and extract: all ages and aged 13+.
-- kind_13plus says how the 13+ figure was obtained: exact (single year of age) or estimated (5-year bands).
CREATE TABLE list_size (
  extract_date DATE NOT NULL,
  area_level VARCHAR NOT NULL,      -- practice | pcn | sub_icb | icb | region | england
  area_code VARCHAR NOT NULL,
  patients_all BIGINT,
  patients_13plus DOUBLE,
  kind_13plus VARCHAR,              -- exact | estimated | NULL when unknown
  source_kind VARCHAR NOT NULL,     -- the reference_release kind it came from
  PRIMARY KEY (extract_date, area_level, area_code, source_kind)
);

-- The area model on today's structure, rebuilt from practice_map after every map release.
-- Closed areas keep their last known details and hang under the nearest current ancestor.
CREATE TABLE area (
  area_level VARCHAR NOT NULL,      -- england | region | icb | sub_icb | pcn | practice
  area_code VARCHAR NOT NULL,       -- ODS code; 'UNKNOWN' for activity with no recognised practice
  ons_code VARCHAR,
  name VARCHAR NOT NULL,
  parent_level VARCHAR,
  parent_code VARCHAR,
  postcode VARCHAR,
  supplier_name VARCHAR,
  first_extract DATE,
  last_extract DATE,
  is_current BOOLEAN NOT NULL,
  PRIMARY KEY (area_level, area_code)
);

-- For each practice and structure, its ancestors: 'current' (one row per practice) and
-- 'as_recorded' (one row per practice per map release, valid from that release's extract date).
CREATE TABLE practice_ancestry (
  structure VARCHAR NOT NULL,       -- current | as_recorded
  valid_from DATE NOT NULL,         -- 0001-01-01 for current
  practice_code VARCHAR NOT NULL,
  pcn_code VARCHAR NOT NULL,
  sub_icb_code VARCHAR NOT NULL,
  icb_code VARCHAR NOT NULL,
  region_code VARCHAR NOT NULL,
  PRIMARY KEY (structure, valid_from, practice_code)
);

-- Names and parents of areas as they were in each release (for the as-recorded structure).
CREATE TABLE area_version (
  extract_date DATE NOT NULL,
  area_level VARCHAR NOT NULL,
  area_code VARCHAR NOT NULL,
  ons_code VARCHAR,
  name VARCHAR NOT NULL,
  parent_level VARCHAR,
  parent_code VARCHAR,
  PRIMARY KEY (extract_date, area_level, area_code)
);

-- Every file of activity events loaded.
CREATE TABLE event_load (
  load_id INTEGER PRIMARY KEY,
  source_file VARCHAR NOT NULL,
  sha256 VARCHAR NOT NULL,
  format VARCHAR NOT NULL,
  rows_read BIGINT NOT NULL,
  rows_loaded BIGINT NOT NULL,
  rows_duplicate BIGINT NOT NULL,
  rows_rejected BIGINT NOT NULL,
  unknown_practice_rows BIGINT NOT NULL,
  first_event_date DATE,
  last_event_date DATE,
  is_demo BOOLEAN NOT NULL,
  loaded_at TIMESTAMP NOT NULL
);

-- Canonical activity events (pseudonymous user ids only). event_date is the Europe/London calendar date.
CREATE TABLE activity_event (
  event_id VARCHAR NOT NULL,
  event_time TIMESTAMPTZ NOT NULL,
  event_date DATE NOT NULL,
  event_type VARCHAR NOT NULL,
  session_id VARCHAR,
  user_id VARCHAR NOT NULL,
  practice_code VARCHAR,
  identity_level VARCHAR NOT NULL,
  channel VARCHAR NOT NULL,
  p9_route VARCHAR,
  record_type VARCHAR,
  provider VARCHAR,
  service VARCHAR,
  load_id INTEGER NOT NULL
);

-- Rows rejected by validation, with the reason, for the rejects report.
CREATE TABLE event_reject (
  load_id INTEGER,
  source_file VARCHAR NOT NULL,
  line BIGINT,
  field VARCHAR,
  reason VARCHAR NOT NULL,
  rejected_at TIMESTAMP NOT NULL
);

-- The serving cube: one figure per metric, grain, period and area, on each structure.
-- No primary key: an index over tens of millions of rows costs more than it saves; rows are written
-- sorted by (structure, metric, level, area, grain, period) so DuckDB's zone maps prune lookups.
-- The as_recorded structure has no practice rows: a practice is the same area on both structures.
CREATE TABLE metric_value (
  structure VARCHAR NOT NULL,
  metric_id VARCHAR NOT NULL,
  grain VARCHAR NOT NULL,           -- week | month
  period_start DATE NOT NULL,
  area_level VARCHAR NOT NULL,
  area_code VARCHAR NOT NULL,
  value DOUBLE NOT NULL
);

-- Which local dates have activity loaded (a period is complete when all its days are present).
CREATE TABLE data_day (
  day DATE PRIMARY KEY,
  events BIGINT NOT NULL
);

-- Key/value facts about the warehouse: data version, demo scale, last build time.
CREATE TABLE warehouse_meta (
  key VARCHAR PRIMARY KEY,
  value VARCHAR NOT NULL
);
