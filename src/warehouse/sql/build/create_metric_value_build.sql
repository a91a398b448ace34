CREATE OR REPLACE TEMP TABLE metric_value_build (
  structure VARCHAR NOT NULL,
  metric_id VARCHAR NOT NULL,
  grain VARCHAR NOT NULL,
  period_start DATE NOT NULL,
  area_level VARCHAR NOT NULL,
  area_code VARCHAR NOT NULL,
  value DOUBLE NOT NULL,
  uncovered DOUBLE
)
