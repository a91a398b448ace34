-- Figures computed by a build, before they replace the stored ones (structure 0 current, 1 as recorded).
CREATE OR REPLACE TEMP TABLE cell_build (
  structure UTINYINT NOT NULL,
  metric_key SMALLINT NOT NULL,
  dim_key INTEGER NOT NULL,
  grain UTINYINT NOT NULL,
  period_start DATE NOT NULL,
  area_key INTEGER NOT NULL,
  value DOUBLE NOT NULL,
  uncovered DOUBLE
)
