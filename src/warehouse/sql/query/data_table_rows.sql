-- One page of the data table: for each area of the selection (today's structure), each chosen metric and
-- each period, the stored figure and, for rates, the parts of the rate (docs/adr/0006). Counts an area does
-- not have in a period are 0 (the cube is sparse); the caller computes rates from value, uncovered and
-- patients_13plus. Areas are chosen as in data_table_count.sql (keep the WHERE clause the same).
--
-- Rows are ordered by period, then area (name and code, Unknown last), then metric. The caller works out
-- which rows a page holds (docs/adr/0012): the (metric, period) pairs of the periods the page touches come
-- as parallel lists, zipped by unnest, each with `base` (the index of its period's first row), `k` (the
-- number of metrics in that period) and `mi` (its position among them); the row index of (pair, area) is
-- base + area rank × k + mi. Only areas ranked from $13 to $14 can be on the page, so the page costs the
-- same wherever it is, without sorting the whole selection.
-- $1 level, $2 area level (NULL: no area), $3 area code (NULL: no area), $4 metric ids, $5 value metric ids,
-- $6 kinds ('stored', 'rate' or 'patients'), $7 period starts (YYYY-MM-DD), $8 metric positions in the
-- selection, $9 bases, $10 ks, $11 mis, $12 grain, $13 lowest area rank, $14 highest area rank, $15 first
-- row index, $16 last row index.
WITH pairs AS (
  SELECT unnest($4::VARCHAR[]) AS metric_id, unnest($5::VARCHAR[]) AS value_metric,
         unnest($6::VARCHAR[]) AS kind, CAST(unnest($7::VARCHAR[]) AS DATE) AS period_start,
         unnest($8::INTEGER[]) AS metric_order, unnest($9::BIGINT[]) AS base,
         unnest($10::BIGINT[]) AS k, unnest($11::BIGINT[]) AS mi
),
areas AS (
  SELECT a.area_level, a.area_code, a.name, a.place_name, a.ons_code, a.is_current,
         -- Sub-ICB locations by place name, as they are labelled (docs/adr/0028).
         row_number() OVER (ORDER BY CASE WHEN a.area_code = 'UNKNOWN' THEN 1 ELSE 0 END,
                                     coalesce(a.place_name, a.name), a.name, a.area_code)
           - 1 AS area_rank
  FROM area a
  WHERE a.area_level = $1
    AND CASE
          WHEN $2::VARCHAR IS NULL THEN a.is_current OR a.area_level = 'practice'
          WHEN $2::VARCHAR = $1 THEN a.area_code = $3::VARCHAR
          ELSE a.area_code IN (
            SELECT CASE $1 WHEN 'region' THEN p.region_code WHEN 'icb' THEN p.icb_code
                           WHEN 'sub_icb' THEN p.sub_icb_code WHEN 'pcn' THEN p.pcn_code
                           ELSE p.practice_code END
            FROM practice_ancestry p
            WHERE p.structure = 'current'
              AND CASE $2::VARCHAR WHEN 'region' THEN p.region_code WHEN 'icb' THEN p.icb_code
                                   WHEN 'sub_icb' THEN p.sub_icb_code WHEN 'pcn' THEN p.pcn_code
                                   ELSE p.practice_code END = $3::VARCHAR)
        END
),
page AS (
  SELECT p.metric_id, p.value_metric, p.kind, p.period_start,
         a.area_level, a.area_code, a.name, a.place_name, a.ons_code, a.is_current,
         p.base + a.area_rank * p.k + p.mi AS row_index
  FROM pairs p
  JOIN areas a ON a.area_rank BETWEEN $13 AND $14
  WHERE p.base + a.area_rank * p.k + p.mi BETWEEN $15 AND $16
),
vals AS (
  SELECT v.metric_id, v.period_start, v.area_code, v.value, v.uncovered
  FROM metric_value v
  WHERE v.structure = 'current' AND v.grain = $12 AND v.area_level = $1
    AND v.period_start BETWEEN (SELECT min(period_start) FROM page) AND (SELECT max(period_start) FROM page)
    AND v.metric_id IN (SELECT DISTINCT value_metric FROM page)
    AND v.area_code IN (SELECT DISTINCT area_code FROM page)
),
dens AS (
  SELECT d.period_start, d.area_code, d.patients_13plus
  FROM area_denominator d
  WHERE d.grain = $12 AND d.area_level = $1
    AND d.period_start BETWEEN (SELECT min(period_start) FROM page) AND (SELECT max(period_start) FROM page)
    AND d.area_code IN (SELECT DISTINCT area_code FROM page)
)
SELECT g.metric_id, strftime(g.period_start, '%Y-%m-%d') AS period_start, g.kind,
       g.area_level, g.area_code, g.name, g.place_name, g.ons_code, g.is_current,
       v.value, v.uncovered, d.patients_13plus
FROM page g
LEFT JOIN vals v ON v.metric_id = g.value_metric AND v.period_start = g.period_start AND v.area_code = g.area_code
LEFT JOIN dens d ON d.period_start = g.period_start AND d.area_code = g.area_code
ORDER BY g.row_index
