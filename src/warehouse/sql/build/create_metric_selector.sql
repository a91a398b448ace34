-- Which events each metric counts (one row per metric and event type), filled from the catalogue.
-- kind: count (events), unique (users per period) or unique_12m (users in the 12 months to each month).
CREATE OR REPLACE TEMP TABLE metric_selector (
  metric_id VARCHAR NOT NULL,
  kind VARCHAR NOT NULL,
  event_type VARCHAR NOT NULL,
  identity_level VARCHAR,
  record_type VARCHAR,
  channel VARCHAR,
  provider VARCHAR,
  service VARCHAR
)
