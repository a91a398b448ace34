-- Which feed figures each feed metric takes, filled from the catalogue.
CREATE OR REPLACE TEMP TABLE feed_selector (
  metric_id VARCHAR NOT NULL,
  source VARCHAR NOT NULL,          -- practice_snapshot | integrated_partners | downloads | pomi
  snapshot_column VARCHAR,
  pomi_field VARCHAR,
  device_type VARCHAR,
  provider VARCHAR,
  service VARCHAR
)
