-- Peer bands (issue 14.2, issue 15.3): the spread of each rate the area pages draw across the areas of a
-- level, per grain and period, stored by the build (step `peer-bands`) so that a page reads a few rows
-- instead of taking quantiles over every practice's figures per request. Values are exactly those of
-- src/warehouse/sql/query/peers_rate_bands.sql (the same expression per area, the same quantile_cont).
CREATE TABLE peer_band (
  metric_id VARCHAR NOT NULL,       -- the rate (a catalogue rate, or <count>_per_1000)
  area_level VARCHAR NOT NULL,
  grain VARCHAR NOT NULL,
  period_start DATE NOT NULL,
  n INTEGER NOT NULL,               -- peer areas
  p10 DOUBLE NOT NULL,
  p25 DOUBLE NOT NULL,
  p50 DOUBLE NOT NULL,
  p75 DOUBLE NOT NULL,
  p90 DOUBLE NOT NULL,
  PRIMARY KEY (metric_id, area_level, grain, period_start)
);

-- Which rates peer_band holds and how they were computed: a reader uses the stored rows only when its rate
-- has the same numerator, multiplier and demo patient scale, and otherwise computes the bands itself.
CREATE TABLE peer_band_metric (
  metric_id VARCHAR PRIMARY KEY,
  numerator_id VARCHAR NOT NULL,    -- '' for patients_13plus itself
  multiplier DOUBLE NOT NULL,
  patient_scale DOUBLE NOT NULL
);
