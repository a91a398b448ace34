-- Which events each event-count metric counts (one row per metric and event type), filled from the catalogue.
CREATE OR REPLACE TEMP TABLE metric_selector (
  metric_id VARCHAR NOT NULL,
  event_type VARCHAR NOT NULL,
  identity_level VARCHAR,
  record_type VARCHAR,
  channel VARCHAR,
  provider VARCHAR,
  service VARCHAR
)
