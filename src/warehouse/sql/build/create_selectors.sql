-- Which events each metric counts, filled from the catalogue: one row per metric and event type.
-- kind: count (events), unique (users per week and month) or unique_12m (users in the 12 months to each
-- month); sig identifies the selector (event types and filters), so metrics counting the same users share
-- one computation.
CREATE OR REPLACE TEMP TABLE metric_selector (
  metric_key SMALLINT NOT NULL,
  kind VARCHAR NOT NULL,
  sig VARCHAR NOT NULL,
  sig_key SMALLINT NOT NULL,        -- sig as a small number within this build
  event_type event_type_t NOT NULL,  -- the events' own ENUM types, so matching compares small integers
  identity_level identity_level_t,
  record_type record_type_t,
  channel channel_t,
  provider VARCHAR,
  service VARCHAR,
  p9_route p9_route_t
);
CREATE OR REPLACE TEMP TABLE feed_selector (
  metric_key SMALLINT NOT NULL,
  source VARCHAR NOT NULL,          -- practice_snapshot | integrated_partners | downloads | pomi
  snapshot_column VARCHAR,
  pomi_field VARCHAR,
  device_type VARCHAR,
  provider VARCHAR,
  service VARCHAR
)
