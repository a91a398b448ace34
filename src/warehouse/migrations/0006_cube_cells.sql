-- The cube stored with small integer keys (ADR 0009): writing tens of millions of text cells was most of a
-- full build. metric_value and area_denominator keep their columns as views over the keyed tables, so
-- queries read them as before (only the build writes them). DuckDB only.

-- Stable small keys for metric ids and areas (never renumbered; new ones are added by the build).
CREATE TABLE metric_dim (
  metric_key SMALLINT PRIMARY KEY,
  metric_id VARCHAR NOT NULL UNIQUE
);
CREATE TABLE area_dim (
  area_key INTEGER PRIMARY KEY,
  area_level VARCHAR NOT NULL,
  area_code VARCHAR NOT NULL,
  UNIQUE (area_level, area_code)
);

-- structure: 0 current, 1 as_recorded; grain: 0 week, 1 month.
CREATE TABLE metric_cell (
  structure UTINYINT NOT NULL,
  metric_key SMALLINT NOT NULL,
  grain UTINYINT NOT NULL,
  period_start DATE NOT NULL,
  area_key INTEGER NOT NULL,
  value DOUBLE NOT NULL,
  uncovered DOUBLE
);

CREATE TABLE area_den_cell (
  grain UTINYINT NOT NULL,
  period_start DATE NOT NULL,
  area_key INTEGER NOT NULL,
  patients_13plus DOUBLE NOT NULL,
  practices INTEGER NOT NULL,
  exact BOOLEAN NOT NULL,
  extract_date DATE NOT NULL
);

-- Existing figures move over.
INSERT INTO metric_dim
SELECT row_number() OVER (ORDER BY metric_id), metric_id FROM (SELECT DISTINCT metric_id FROM metric_value);
INSERT INTO area_dim
SELECT row_number() OVER (ORDER BY area_level, area_code), area_level, area_code
FROM (SELECT area_level, area_code FROM metric_value UNION SELECT area_level, area_code FROM area_denominator);
INSERT INTO metric_cell
SELECT CASE v.structure WHEN 'current' THEN 0 ELSE 1 END, m.metric_key, CASE v.grain WHEN 'week' THEN 0 ELSE 1 END,
       v.period_start, a.area_key, v.value, v.uncovered
FROM metric_value v
JOIN metric_dim m USING (metric_id)
JOIN area_dim a USING (area_level, area_code);
INSERT INTO area_den_cell
SELECT CASE d.grain WHEN 'week' THEN 0 ELSE 1 END, d.period_start, a.area_key, d.patients_13plus, d.practices,
       d.kind_13plus = 'exact', d.extract_date
FROM area_denominator d
JOIN area_dim a USING (area_level, area_code);
DROP TABLE metric_value;
DROP TABLE area_denominator;

-- The serving cube as before: one figure per metric, grain, period and area, on each structure (practices
-- under 'current' only); uncovered = the part from practices without a 13+ list size (today's structure).
CREATE VIEW metric_value AS
SELECT CASE c.structure WHEN 0 THEN 'current' ELSE 'as_recorded' END AS structure,
       m.metric_id,
       CASE c.grain WHEN 0 THEN 'week' ELSE 'month' END AS grain,
       c.period_start, a.area_level, a.area_code, c.value, c.uncovered
FROM metric_cell c
JOIN metric_dim m ON m.metric_key = c.metric_key
JOIN area_dim a ON a.area_key = c.area_key;

-- Patients aged 13+ per area and period on today's structure (rate denominators), as before.
CREATE VIEW area_denominator AS
SELECT CASE d.grain WHEN 0 THEN 'week' ELSE 'month' END AS grain,
       d.period_start, a.area_level, a.area_code, d.patients_13plus, d.practices,
       CASE WHEN d.exact THEN 'exact' ELSE 'estimated' END AS kind_13plus,
       d.extract_date
FROM area_den_cell d
JOIN area_dim a ON a.area_key = d.area_key;

-- Jump-off clicks by integrated partner (provider) and service, per area and period: a breakdown of the
-- jump_off_clicks (events) and partner_jump_off_clicks (integrated-partners feed) metrics, same structures
-- and levels as the cube.
CREATE TABLE jump_off_dim (
  dim_key INTEGER PRIMARY KEY,
  provider VARCHAR NOT NULL,
  service VARCHAR NOT NULL,
  UNIQUE (provider, service)
);
CREATE TABLE jump_off_cell (
  structure UTINYINT NOT NULL,
  metric_key SMALLINT NOT NULL,
  dim_key INTEGER NOT NULL,
  grain UTINYINT NOT NULL,
  period_start DATE NOT NULL,
  area_key INTEGER NOT NULL,
  value DOUBLE NOT NULL
);
CREATE VIEW jump_off_value AS
SELECT CASE c.structure WHEN 0 THEN 'current' ELSE 'as_recorded' END AS structure,
       m.metric_id,
       CASE c.grain WHEN 0 THEN 'week' ELSE 'month' END AS grain,
       c.period_start, a.area_level, a.area_code, j.provider, j.service, c.value
FROM jump_off_cell c
JOIN metric_dim m ON m.metric_key = c.metric_key
JOIN jump_off_dim j ON j.dim_key = c.dim_key
JOIN area_dim a ON a.area_key = c.area_key;

-- Each user's last qualifying event in each London month, per unique-user selector (sig), kept between
-- builds so that an incremental build recomputes rolling 12-month users from these rows, not from a year
-- of events. attr_date is that event's London date (it picks the structure in force).
CREATE TABLE user_month (
  sig VARCHAR NOT NULL,
  month DATE NOT NULL,
  user_id VARCHAR NOT NULL USING COMPRESSION uncompressed,
  practice_key INTEGER NOT NULL,
  attr_date DATE NOT NULL
);
