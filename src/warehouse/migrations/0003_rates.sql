-- Rates per patients aged 13+ with coverage.
-- uncovered: the part of a figure from practices with no 13+ list size in force (and Unknown), which a
-- rate must leave out of its numerator; NULL on the as-recorded structure, where rates are not offered.
ALTER TABLE metric_value ADD COLUMN uncovered DOUBLE;

-- Patients aged 13+ per area and period on today's structure: the sum over the area's practices of the
-- practice list size in force (latest release on or before the period start; before the first release,
-- the first release). kind says whether any practice figure is an estimate from 5-year bands.
-- No primary key, as for metric_value: it is rewritten on every build.
CREATE TABLE area_denominator (
  grain VARCHAR NOT NULL,
  period_start DATE NOT NULL,
  area_level VARCHAR NOT NULL,
  area_code VARCHAR NOT NULL,
  patients_13plus DOUBLE NOT NULL,
  practices INTEGER NOT NULL,
  kind_13plus VARCHAR NOT NULL,     -- exact | estimated
  extract_date DATE NOT NULL
);
