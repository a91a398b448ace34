/**
 * What pages, API, CSVs and the CLI read from the warehouse (src/query).
 *
 * One exported query object per statement (ADR 0039): import it, pass it to the database (`db.all(q, params)`);
 * positional parameters $1, $2 … only, never values written into the text.
 */
import type { AreaLevel } from '../../domain/areas.ts';
import { query } from '../query.ts';

/** An area as the area lists read it (listAreas, areasUnder; code null: the ancestor has none below). */
export type AreaListRow = {
  code: string | null;
  ons_code: string | null;
  name: string;
  place_name: string | null;
  level: AreaLevel;
  parent_level: AreaLevel | null;
  parent_code: string | null;
  is_current: boolean;
};

/**
 * The children of one area (today's structure) with the parts of one rate over patients aged 13+ in one
 * period: the numerator metric's figure, its part from practices without a 13+ list size, and the child's
 * 13+ patients (NULL without a list size). The rate is computed from them as every rate is (docs/adr/0006).
 * $1 numerator metric id or '' (the 13+ patients themselves), $2 grain, $3 period start,
 * $4 parent level, $5 parent code, $6 child level.
 */
export const apiBreakdownRate = query('query.apiBreakdownRate')`
SELECT a.area_code AS code, a.name, a.place_name, a.ons_code, a.is_current,
       d.patients_13plus,
       coalesce(v.value, 0) AS numerator_value,
       coalesce(v.uncovered, 0) AS numerator_uncovered
FROM area a
LEFT JOIN area_denominator d
  ON d.grain = $2 AND d.period_start = $3 AND d.area_level = a.area_level AND d.area_code = a.area_code
LEFT JOIN metric_value v
  ON v.structure = 'current' AND v.metric_id = $1 AND v.grain = $2 AND v.period_start = $3
 AND v.area_level = a.area_level AND v.area_code = a.area_code
WHERE a.parent_level = $4 AND a.parent_code = $5 AND a.area_level = $6
ORDER BY a.name, a.area_code
`;

/**
 * One area on today's structure and every area above it, from England down to the area itself.
 * $1 level, $2 code. No rows when there is no such area.
 */
export const areaChain = query('query.areaChain')`
WITH RECURSIVE chain (area_level, area_code, ons_code, name, parent_level, parent_code, postcode,
                      supplier_name, first_extract, last_extract, is_current, place_name, depth) AS (
  SELECT area_level, area_code, ons_code, name, parent_level, parent_code, postcode,
         supplier_name, first_extract, last_extract, is_current, place_name, 0
  FROM area
  WHERE area_level = $1 AND area_code = $2
  UNION ALL
  SELECT a.area_level, a.area_code, a.ons_code, a.name, a.parent_level, a.parent_code, a.postcode,
         a.supplier_name, a.first_extract, a.last_extract, a.is_current, a.place_name, c.depth + 1
  FROM area a
  JOIN chain c ON a.area_level = c.parent_level AND a.area_code = c.parent_code
  WHERE c.depth < 10
)
SELECT area_level AS level, area_code AS code, ons_code, name, parent_level, parent_code, postcode,
       supplier_name, first_extract, last_extract, is_current, place_name, depth
FROM chain
ORDER BY depth DESC
`;

/**
 * Today's area structure, every area with its parent, for the area index held in memory
 * (src/query/area-index.ts): read once per area model, then an area's chain is walked without a query.
 */
export const areaIndex = query('query.areaIndex')`
SELECT area_level AS level, area_code AS code, ons_code, name, parent_level, parent_code, postcode,
       supplier_name, first_extract, last_extract, is_current, place_name
FROM area
`;

/**
 * Every practice's ancestors on today's structure (area_ancestry, structure 'current'; a practice's own PCN
 * from its last release, then its sub-ICB location's chain), for the area index (src/query/area-index.ts):
 * which areas of a level a selection's practices belong to. area_ancestry is rebuilt with area
 * (rebuildAreas), so the area table's signature covers it.
 */
export const practiceAncestors = query<{ practice: string; level: AreaLevel; code: string }>(
  'query.practiceAncestors',
)`
SELECT area_code AS practice, ancestor_level AS level, ancestor_code AS code
FROM area_ancestry
WHERE structure = 'current' AND area_level = 'practice'
`;

/**
 * The practices each practice-map release lists, for the area index (src/query/area-index.ts): which release
 * was in force for a period, and whether it lists a practice (a ranking's members on today's structure).
 */
export const releasePractices = query<{ extract_date: string; practice: string }>('query.releasePractices')`
SELECT extract_date, practice_code AS practice FROM practice_map
`;

/** One current area of each level, the lowest code, for a server's warm-up (src/http/warm-up.ts). */
export const warmUpAreas = query<{ level: AreaLevel; code: string }>('query.warmUpAreas')`
SELECT area_level AS level, min(area_code) AS code
FROM area
WHERE is_current AND area_code <> 'UNKNOWN'
GROUP BY area_level
`;

/**
 * A digest of today's area structure (every column of every area) and of the sub-ICB places the search reads:
 * the area index is read again whenever it changes, however the change was written (1–2 ms on the national
 * cube, against 5–8 for the recursive chain).
 */
export const areaModelSignature = query('query.areaModelSignature')`
SELECT count(*) || ':' || coalesce(CAST(bit_xor(hash(area_level, area_code, ons_code, name, parent_level, parent_code,
       postcode, supplier_name, first_extract, last_extract, is_current, place_name)) AS VARCHAR), '')
       || ':' || (SELECT coalesce(CAST(bit_xor(hash(sub_icb_code, place_name, ccg_name, local_authorities)) AS VARCHAR), '')
                  FROM sub_icb_place) AS signature
FROM area
`;

/**
 * The children of one area on today's structure with the figures of their table for one period: two
 * counts, and the parts of two rates over patients aged 13+ (the numerator, its part from practices
 * without a 13+ list size, and the child's 13+ patients; see docs/adr/0006). Running totals are stored for
 * every period from an area's first one (buildSql.cumulativeRunning), so a numerator that is one is read in the
 * period too. Figures an area does not have are 0; patients are NULL for an area without a list size.
 * $1 parent level, $2 parent code, $3 child level, $4 grain, $5 period start,
 * $6 first count metric, $7 second count metric, $8 first rate's numerator, $9 second rate's numerator.
 */
export const areaChildren = query('query.areaChildren')`
WITH children AS (
  SELECT area_code, name, place_name, ons_code, postcode, is_current
  FROM area
  WHERE parent_level = $1 AND parent_code = $2 AND area_level = $3 AND area_code <> 'UNKNOWN'
),
at_period AS (
  SELECT v.area_code, v.metric_id, v.value, v.uncovered
  FROM metric_value v
  JOIN children c ON c.area_code = v.area_code
  WHERE v.structure = 'current' AND v.grain = $4 AND v.area_level = $3 AND v.period_start = $5
    AND v.metric_id IN ($6, $7, $8, $9)
),
patients AS (
  SELECT d.area_code, d.patients_13plus
  FROM area_denominator d
  JOIN children c ON c.area_code = d.area_code
  WHERE d.grain = $4 AND d.period_start = $5 AND d.area_level = $3
)
SELECT c.area_code AS code, c.name, c.place_name, c.ons_code, c.postcode, c.is_current,
       coalesce(a.value, 0) AS count_1,
       coalesce(b.value, 0) AS count_2,
       coalesce(r1.value, 0) AS rate_1_value,
       coalesce(r1.uncovered, 0) AS rate_1_uncovered,
       coalesce(r2.value, 0) AS rate_2_value,
       coalesce(r2.uncovered, 0) AS rate_2_uncovered,
       p.patients_13plus
FROM children c
LEFT JOIN at_period a ON a.area_code = c.area_code AND a.metric_id = $6
LEFT JOIN at_period b ON b.area_code = c.area_code AND b.metric_id = $7
LEFT JOIN at_period r1 ON r1.area_code = c.area_code AND r1.metric_id = $8
LEFT JOIN at_period r2 ON r2.area_code = c.area_code AND r2.metric_id = $9
LEFT JOIN patients p ON p.area_code = c.area_code
ORDER BY coalesce(c.place_name, c.name), c.name, c.area_code
`;

/**
 * The ODS code of the area of a level with this ONS code (a current area first). $1 level, $2 ONS code.
 */
export const areaCodeByOns = query('query.areaCodeByOns')`
SELECT area_code
FROM area
WHERE area_level = $1 AND ons_code = $2
ORDER BY is_current DESC, area_code
LIMIT 1
`;

/**
 * The last period, up to a given one, in which one area has a non-zero figure for one metric (an activity
 * count, so that running totals carried on after an area closed do not count).
 * $1 structure, $2 metric id, $3 grain, $4 area level, $5 area code, $6 last period start to consider.
 */
export const areaLastPeriod = query('query.areaLastPeriod')`
SELECT max(period_start) AS period_start
FROM metric_value
WHERE structure = $1 AND metric_id = $2 AND grain = $3 AND area_level = $4 AND area_code = $5
  AND period_start <= $6 AND value <> 0
`;

/**
 * One area's patients aged 13+ (today's structure) over a range of periods: the denominator of its rates.
 * Filters the integer cells (area_den_cell) on the area's key (src/query/cube-keys.ts), not the
 * area_denominator view, so that zone maps apply: the published figures hold them by area (ADR 0076), so
 * the read touches one or two row groups. $1 grain, $2 area key, $3 first period start, $4 last.
 */
export const areaPatients = query<{ period_start: string; patients_13plus: number }>('query.areaPatients')`
SELECT d.period_start, d.patients_13plus
FROM area_den_cell d
WHERE d.grain = CAST(CASE $1 WHEN 'week' THEN 0 WHEN 'month' THEN 1 END AS UTINYINT)
  AND d.area_key = $2 AND d.period_start BETWEEN $3::DATE AND $4::DATE
`;

/** A stored figure of one area (query.areaValues). */
export type AreaValueRow = {
  metric_key: number;
  period_start: string;
  value: number;
  uncovered: number | null;
};

/**
 * The stored figures of some metrics for one area over a range of periods, with the part of each figure from
 * practices without a 13+ list size (today's structure only), for computing several series at once. Reads the
 * integer cells (metric_cell) on the area's and the metrics' keys (src/query/cube-keys.ts), rather than the
 * metric_value view or joins to the dimensions: a filter on the view's names is one on an expression, which
 * zone maps cannot use, and the joins cost a practice's summary 4–5 ms a read (ADR 0075). The cube is stored
 * in metric order, so naming the metrics skips the others' cells. $1 structure, $2 grain, $3 area key, $4 first
 * period start, $5 last period start, $6 metric keys.
 */
export const areaValues = query<AreaValueRow>('query.areaValues')`
SELECT c.metric_key, c.period_start, c.value, c.uncovered
FROM metric_cell c
WHERE c.structure = CAST(CASE $1 WHEN 'current' THEN 0 WHEN 'as_recorded' THEN 1 END AS UTINYINT)
  AND c.grain = CAST(CASE $2 WHEN 'week' THEN 0 WHEN 'month' THEN 1 END AS UTINYINT)
  AND c.area_key = $3
  AND c.period_start BETWEEN $4::DATE AND $5::DATE
  AND c.metric_key IN (SELECT unnest($6::SMALLINT[]))
`;

/** The cube's key of one area, if it has one (src/query/cube-keys.ts). $1 area level, $2 area code. */
export const areaKey = query<{ area_key: number }>('query.areaKey')`
SELECT area_key FROM area_dim WHERE area_level = $1 AND area_code = $2
`;

/** The cube's keys of some metrics, those it has (src/query/cube-keys.ts). $1 metric ids. */
export const metricKeys = query<{ metric_key: number; metric_id: string }>('query.metricKeys')`
SELECT metric_key, metric_id FROM metric_dim WHERE metric_id IN (SELECT unnest($1::VARCHAR[]))
`;

/** Every area's and metric's key in the cube, read once per version of the published figures. */
export const cubeKeys = query<{ kind: 'area' | 'metric'; name: string; key: number }>('query.cubeKeys')`
SELECT 'area' AS kind, area_level || '|' || area_code AS name, area_key AS key FROM area_dim
UNION ALL
SELECT 'metric', metric_id, metric_key FROM metric_dim
`;

/**
 * The areas of one level under an area of any level above it (not only the direct parent), on today's
 * structure (closed areas included, hung under their nearest open ancestor): for /api/v1/areas?parent=.
 * The ancestor is found by its ODS or ONS code at any level above the one listed; none found: no rows and
 * found = false. $1 level listed, $2 ancestor code.
 */
export const areasUnder = query<AreaListRow & { found: boolean }>('query.areasUnder')`
WITH RECURSIVE depth(level, d) AS (
  VALUES ('england', 0), ('region', 1), ('icb', 2), ('sub_icb', 3), ('pcn', 4), ('practice', 5)
),
target AS (SELECT d FROM depth WHERE level = $1),
root AS (
  SELECT a.area_level, a.area_code
  FROM area a
  JOIN depth ON depth.level = a.area_level
  WHERE (a.area_code = $2 OR a.ons_code = $2) AND depth.d < (SELECT d FROM target)
),
tree(area_level, area_code) AS (
  SELECT area_level, area_code FROM root
  UNION
  SELECT a.area_level, a.area_code
  FROM area a
  JOIN tree t ON a.parent_level = t.area_level AND a.parent_code = t.area_code
  JOIN depth ON depth.level = a.area_level
  WHERE depth.d <= (SELECT d FROM target)
)
SELECT a.area_code AS code, a.ons_code, a.name, a.place_name, a.area_level AS level, a.parent_level, a.parent_code,
       a.is_current, (SELECT count(*) FROM root) > 0 AS found
FROM (SELECT 1) AS one
LEFT JOIN tree t ON t.area_level = $1
LEFT JOIN area a ON a.area_level = t.area_level AND a.area_code = t.area_code
ORDER BY coalesce(a.place_name, a.name), a.name, a.area_code
`;

/**
 * The children of one area for one metric and period, with their values: 0 for a child without activity in a
 * period the metric has figures for, NULL (no data, never 0) when the metric has no figure at all for the period.
 * $1 structure, $2 metric id, $3 grain, $4 period start, $5 parent level, $6 parent code, $7 child level.
 */
export const breakdown = query('query.breakdown')`
WITH has_period AS (
  SELECT EXISTS (
    SELECT 1 FROM metric_value
    WHERE structure = $1 AND metric_id = $2 AND grain = $3 AND period_start = $4
  ) AS any_figure
)
SELECT
  a.area_code AS code,
  a.name,
  a.place_name,
  a.ons_code,
  a.is_current,
  CASE WHEN (SELECT any_figure FROM has_period) THEN coalesce(v.value, 0) END AS value
FROM area a
LEFT JOIN metric_value v
  ON v.structure = $1 AND v.metric_id = $2 AND v.grain = $3 AND v.period_start = $4
 AND v.area_level = a.area_level AND v.area_code = a.area_code
WHERE a.parent_level = $5 AND a.parent_code = $6 AND a.area_level = $7
ORDER BY value DESC NULLS LAST, a.name
`;

/**
 * The most recent metric builds, newest first. $1 how many.
 */
export const buildHistory = query('query.buildHistory')`
SELECT build_id, strftime(started_at, '%Y-%m-%dT%H:%M:%S.%gZ') AS started_at,
       strftime(finished_at, '%Y-%m-%dT%H:%M:%S.%gZ') AS finished_at, kind,
       first_period, last_period, rows_written, data_version, events_total
FROM build_log
ORDER BY build_id DESC
LIMIT $1
`;

/**
 * Closed areas of one level: when they closed (the extract date of the first practice-map release without
 * them) and their successor (the open area of the same level that most of their last practices belong to
 * today; none for practices, or when none of their practices is open). $1 level.
 */
export const closedAreas = query('query.closedAreas')`
WITH closed AS (
  SELECT area_code, last_extract
  FROM area
  WHERE area_level = $1 AND NOT is_current AND area_code <> 'UNKNOWN'
),
level_code AS (
  -- Each open practice's area at the level as recorded in each release and today (area_ancestry).
  SELECT r.area_code AS practice_code, r.valid_from, r.ancestor_code AS old_code, c.ancestor_code AS new_code
  FROM area_ancestry r
  JOIN area_ancestry c
    ON c.structure = 'current' AND c.area_level = 'practice' AND c.area_code = r.area_code
   AND c.ancestor_level = r.ancestor_level
  JOIN area p ON p.area_level = 'practice' AND p.area_code = r.area_code AND p.is_current
  WHERE r.structure = 'as_recorded' AND r.area_level = 'practice' AND r.ancestor_level = $1 AND $1 <> 'practice'
),
moves AS (
  SELECT cl.area_code, l.new_code, count(*) AS practices
  FROM closed cl
  JOIN level_code l ON l.old_code = cl.area_code AND l.valid_from = cl.last_extract
  JOIN area n ON n.area_level = $1 AND n.area_code = l.new_code AND n.is_current
  GROUP BY cl.area_code, l.new_code
),
successor AS (
  SELECT area_code, arg_max(new_code, practices * 1000000 - rank) AS successor_code
  FROM (SELECT *, row_number() OVER (PARTITION BY area_code ORDER BY new_code) AS rank FROM moves)
  GROUP BY area_code
)
SELECT cl.area_code AS code,
       (SELECT min(pm.extract_date) FROM practice_map pm WHERE pm.extract_date > cl.last_extract) AS closed_at,
       s.successor_code, n.name AS successor_name, n.place_name AS successor_place_name
FROM closed cl
LEFT JOIN successor s ON s.area_code = cl.area_code
LEFT JOIN area n ON n.area_level = $1 AND n.area_code = s.successor_code
ORDER BY cl.area_code
`;

/**
 * When figures were built, the loaded date range and the demo-data marker.
 */
export const dataStatus = query('query.dataStatus')`
SELECT
  (SELECT value FROM warehouse_meta WHERE key = 'built_at') AS built_at,
  (SELECT value FROM warehouse_meta WHERE key = 'data_version') AS data_version,
  (SELECT value FROM warehouse_meta WHERE key = 'demo') AS demo,
  (SELECT min(day) FROM data_day) AS first_day,
  (SELECT max(day) FROM data_day) AS last_day
`;

/**
 * The areas of a data table selection (today's structure), in the table's order: by name (sub-ICB
 * locations by place name, as they are labelled, docs/adr/0028) and code, Unknown last. The table has one
 * row per area, metric and period, so its total is their number times the number of (metric, period)
 * pairs, and a page reads the rows of a slice of them (dataTableCells).
 * Without an area: every open area at the level, closed practices (they keep their history) and Unknown.
 * Within an area: the area itself when it is at the level, or the areas at the level that its practices
 * belong to (area_ancestry, each practice's own ancestors: practices outside any PCN count in their own sub-ICB).
 * $1 level, $2 area level (NULL: no area), $3 area code (NULL: no area). Pages and the API list them from the
 * area index (src/query/area-index.ts, areasOfSelection: 10–14 ms for an ICB's practices here on the
 * national cube); kept as the reference its test compares with.
 */
export interface DataTableAreaRow {
  area_level: AreaLevel;
  area_code: string;
  name: string;
  place_name: string | null;
  ons_code: string | null;
  is_current: boolean;
}

export const dataTableAreas = query<DataTableAreaRow>('query.dataTableAreas')`
SELECT a.area_level, a.area_code, a.name, a.place_name, a.ons_code, a.is_current
FROM area a
WHERE a.area_level = $1
  AND CASE
        WHEN $2::VARCHAR IS NULL THEN a.is_current OR a.area_level = 'practice'
        WHEN $2::VARCHAR = $1 THEN a.area_code = $3::VARCHAR
        ELSE a.area_code IN (
          SELECT p.ancestor_code
          FROM area_ancestry p
          JOIN area_ancestry w
            ON w.structure = 'current' AND w.area_level = 'practice' AND w.area_code = p.area_code
           AND w.ancestor_level = $2::VARCHAR AND w.ancestor_code = $3::VARCHAR
          WHERE p.structure = 'current' AND p.area_level = 'practice' AND p.ancestor_level = $1)
      END
ORDER BY CASE WHEN a.area_code = 'UNKNOWN' THEN 1 ELSE 0 END, coalesce(a.place_name, a.name), a.name,
         a.area_code
`;

/**
 * The area a data table selection is within, by code at any level (Unknown is not an area to choose).
 * ODS codes of different levels do not collide; if one ever did, the highest level wins.
 * $1 code (upper case). Pages and the API look it up in the area index (src/query/area-index.ts,
 * areaByCode); kept as the reference its test compares with.
 */
export const dataTableFindArea = query('query.dataTableFindArea')`
SELECT area_level AS level, area_code AS code, name, place_name, is_current
FROM area
WHERE area_code = $1 AND area_code <> 'UNKNOWN'
ORDER BY CASE area_level
           WHEN 'england' THEN 0 WHEN 'region' THEN 1 WHEN 'icb' THEN 2 WHEN 'sub_icb' THEN 3
           WHEN 'pcn' THEN 4 ELSE 5
         END
LIMIT 1
`;

/**
 * The stored figures of a page of the data table (docs/adr/0012): the cells of some metrics, for a slice of
 * the selection's areas (today's structure) and a range of periods; only the cells there are (the cube is
 * sparse), each naming its metric and area by position in the lists passed and its period by day number. The
 * caller lays out the page's rows, in its order, around them (src/query/data-table.ts): a cross join of areas
 * and periods and an ordered left join here took 2–3 times as long as this read (15 against 6 ms for an ICB's
 * practices over 24 months on the national cube).
 * $1 level, $2 area codes of the slice, $3 metric ids, $4 grain, $5 and $6 the first and last period start.
 * Filtered on the cells' integer keys (the views' CASE columns would be computed for every cell first):
 * structure 0 is 'current', grain 0 week and 1 month.
 */
export const dataTableCells = query<{
  metric_idx: number;
  area_idx: number;
  day: number;
  value: number;
  uncovered: number | null;
}>('query.dataTableCells')`
WITH areas AS (
  SELECT k.area_key, s.idx
  FROM (SELECT unnest($2::VARCHAR[]) AS area_code, unnest(range(len($2::VARCHAR[]))) AS idx) s
  JOIN area_dim k ON k.area_level = $1 AND k.area_code = s.area_code
),
metrics AS (
  SELECT m.metric_key, s.idx
  FROM (SELECT unnest($3::VARCHAR[]) AS metric_id, unnest(range(len($3::VARCHAR[]))) AS idx) s
  JOIN metric_dim m ON m.metric_id = s.metric_id
)
SELECT CAST(m.idx AS INTEGER) AS metric_idx, CAST(a.idx AS INTEGER) AS area_idx,
       CAST(date_diff('day', DATE '1970-01-01', c.period_start) AS INTEGER) AS day, c.value, c.uncovered
FROM metric_cell c
JOIN metrics m ON m.metric_key = c.metric_key
JOIN areas a ON a.area_key = c.area_key
WHERE c.structure = 0 AND c.grain = CAST(CASE $4 WHEN 'week' THEN 0 WHEN 'month' THEN 1 END AS UTINYINT)
  AND c.period_start BETWEEN $5::DATE AND $6::DATE
  -- The join again as a filter: the scan then skips the other metrics' row groups (the cube is stored by metric).
  AND c.metric_key IN (SELECT metric_key FROM metrics)
`;

/**
 * The 13+ patients of a slice of the data table's areas over a range of periods, as dataTableCells names
 * them: for the rates and the 13+ patients column. $1 level, $2 area codes, $3 grain, $4 and $5 the first
 * and last period start.
 */
export const dataTablePatients = query<{ area_idx: number; day: number; patients_13plus: number | null }>(
  'query.dataTablePatients',
)`
WITH areas AS (
  SELECT k.area_key, s.idx
  FROM (SELECT unnest($2::VARCHAR[]) AS area_code, unnest(range(len($2::VARCHAR[]))) AS idx) s
  JOIN area_dim k ON k.area_level = $1 AND k.area_code = s.area_code
)
SELECT CAST(a.idx AS INTEGER) AS area_idx,
       CAST(date_diff('day', DATE '1970-01-01', d.period_start) AS INTEGER) AS day, d.patients_13plus
FROM area_den_cell d
JOIN areas a ON a.area_key = d.area_key
WHERE d.grain = CAST(CASE $3 WHEN 'week' THEN 0 WHEN 'month' THEN 1 END AS UTINYINT)
  AND d.period_start BETWEEN $4::DATE AND $5::DATE
`;

/**
 * How many 13+ patient denominators are stored, per grain and level (today's structure only).
 */
export const denominatorCellCounts = query('query.denominatorCellCounts')`
SELECT 'current' AS structure, grain, area_level, count(*) AS cells, min(period_start) AS first,
       max(period_start) AS last
FROM area_denominator
GROUP BY ALL
`;

/**
 * One area by level and code. $1 level, $2 code.
 */
export const findArea = query('query.findArea')`
SELECT area_code AS code, ons_code, name, place_name, area_level AS level, parent_level, parent_code,
       postcode, supplier_name, is_current
FROM area
WHERE area_level = $1 AND area_code = $2
`;

/**
 * One area's jump-off clicks by provider and service per period over a range, from events ($1 =
 * jump_off_clicks) or the integrated-partners feed ($1 = partner_jump_off_clicks) (the partners page, issue 14).
 * $2 structure, $3 grain, $4 area level, $5 area code, $6 first and $7 last period start.
 */
export const jumpOffAreaRange = query('query.jumpOffAreaRange')`
SELECT period_start, provider, service, value
FROM jump_off_value
WHERE metric_id = $1 AND structure = $2 AND grain = $3 AND area_level = $4 AND area_code = $5
  AND period_start BETWEEN $6 AND $7
ORDER BY period_start, provider, service
`;

/**
 * Jump-off clicks of one area in one period by provider and service, from events ($1 = jump_off_clicks) or
 * the integrated-partners feed ($1 = partner_jump_off_clicks). $2 structure, $3 grain, $4 period start,
 * $5 area level, $6 area code.
 */
export const jumpOffBreakdown = query('query.jumpOffBreakdown')`
SELECT provider, service, value
FROM jump_off_value
WHERE metric_id = $1 AND structure = $2 AND grain = $3 AND period_start = $4 AND area_level = $5 AND area_code = $6
ORDER BY value DESC, provider, service
`;

/**
 * Every provider and service with jump-off clicks, from events or the partners feed ($1 metric id).
 */
export const jumpOffDimensions = query('query.jumpOffDimensions')`
SELECT DISTINCT j.provider, j.service
FROM jump_off_cell c
JOIN jump_off_dim j ON j.dim_key = c.dim_key
JOIN metric_dim m ON m.metric_key = c.metric_key
WHERE m.metric_id = $1
ORDER BY j.provider, j.service
`;

/**
 * Jump-off clicks of one area per period, for one provider (or all: $7 NULL) and one service (or all: $8 NULL).
 * $1 metric id (jump_off_clicks or partner_jump_off_clicks), $2 structure, $3 grain, $4 area level,
 * $5 area code, $6 first and $9 last period start.
 */
export const jumpOffSeries = query('query.jumpOffSeries')`
SELECT period_start, sum(value) AS value
FROM jump_off_value
WHERE metric_id = $1 AND structure = $2 AND grain = $3 AND area_level = $4 AND area_code = $5
  AND period_start BETWEEN $6 AND $9
  AND ($7::VARCHAR IS NULL OR provider = $7) AND ($8::VARCHAR IS NULL OR service = $8)
GROUP BY period_start
ORDER BY period_start
`;

/**
 * Areas of one level, optionally only the children of one parent. $1 level, $2 parent code or NULL.
 * Sub-ICB locations sort by place name (docs/adr/0028), as they are labelled.
 */
export const listAreas = query<AreaListRow & { code: string }>('query.listAreas')`
SELECT area_code AS code, ons_code, name, place_name, area_level AS level, parent_level, parent_code, is_current
FROM area
WHERE area_level = $1 AND ($2::VARCHAR IS NULL OR parent_code = $2::VARCHAR)
ORDER BY coalesce(place_name, name), name, area_code
`;

/**
 * Every area of one level on today's structure (open areas only, Unknown left out) with one metric's stored
 * figure for one period, the part of it from practices without a 13+ list size, and the area's patients
 * aged 13+ (the parts of a rate, docs/adr/0006), for the map. `stored` counts the areas of the level with a
 * stored figure, so that a metric with no figures at all in the period is told apart from zeros. Each area's
 * region (itself for a region; none for England), through the parent chain, is for zooming to a region.
 * Sub-ICB locations sort by their place name (docs/adr/0028).
 * $1 area level, $2 metric id (a rate's numerator), $3 grain, $4 period start.
 */
export const mapValues = query('query.mapValues')`
WITH areas AS (
  SELECT a.area_code, a.area_level, a.name, a.place_name, a.ons_code,
         CASE a.area_level WHEN 'region' THEN a.area_code
                           WHEN 'icb' THEN a.parent_code
                           WHEN 'sub_icb' THEN p.parent_code END AS region_code
  FROM area a
  LEFT JOIN area p ON p.area_level = a.parent_level AND p.area_code = a.parent_code
  WHERE a.area_level = $1 AND a.is_current AND a.area_code <> 'UNKNOWN'
)
SELECT a.area_code AS code, a.name, a.place_name, a.ons_code, a.region_code, r.name AS region_name,
       v.value, v.uncovered, d.patients_13plus,
       count(v.value) OVER () AS stored
FROM areas a
LEFT JOIN area r ON r.area_level = 'region' AND r.area_code = a.region_code
LEFT JOIN metric_value v
  ON v.structure = 'current' AND v.metric_id = $2 AND v.grain = $3 AND v.period_start = $4
 AND v.area_level = a.area_level AND v.area_code = a.area_code
LEFT JOIN area_denominator d
  ON d.grain = $3 AND d.period_start = $4 AND d.area_level = a.area_level AND d.area_code = a.area_code
ORDER BY coalesce(a.place_name, a.name), a.name, a.area_code
`;

/**
 * How many cells the cube stores for metric $1, per structure, grain and level (`metrics explain`).
 */
export const metricCellCounts = query('query.metricCellCounts')`
SELECT structure, grain, area_level, count(*) AS cells, min(period_start) AS first, max(period_start) AS last
FROM metric_value
WHERE metric_id = $1
GROUP BY ALL
`;

/**
 * The metrics with at least one stored figure for areas of one level on today's structure, at one grain, in
 * a range of periods, plus 'patients_13plus' when the level has patients aged 13+ then: pickers mark the
 * other metrics "(no data)" (issue 11). $1 area level, $2 grain, $3 first period start, $4 last period start.
 */
export const metricsWithFigures = query('query.metricsWithFigures')`
SELECT DISTINCT metric_id
FROM metric_value
WHERE structure = 'current' AND area_level = $1 AND grain = $2 AND period_start BETWEEN $3 AND $4
UNION
SELECT 'patients_13plus'
WHERE EXISTS (
  SELECT 1 FROM area_denominator
  WHERE area_level = $1 AND grain = $2 AND period_start BETWEEN $3 AND $4
)
`;

/**
 * Whether the publication has any figure for an area: $1 level (region | icb), $2 code.
 */
export const officialCodeExists = query('query.officialCodeExists')`
SELECT count(*) > 0
FROM mi_published
WHERE level = 'icb' AND (($1 = 'icb' AND icb_code = $2) OR ($1 = 'region' AND region_code = $2))
`;

/**
 * The product's own monthly figures of a metric for the months and areas the official publication covers.
 * $1 structure (current | as_recorded), $2 metric id, $3 area level, $4 area code or NULL, $5 first month,
 * $6 last month (first days).
 */
export const officialComputed = query('query.officialComputed')`
SELECT strftime(period_start, '%Y-%m') AS month, area_code AS code, value
FROM metric_value
WHERE structure = $1 AND metric_id = $2 AND grain = 'month' AND area_level = $3
  AND ($4::VARCHAR IS NULL OR area_code = $4::VARCHAR)
  AND period_start BETWEEN $5::DATE AND $6::DATE
`;

/**
 * The editions of the NHS App MI publication loaded, newest first, with the files each came from.
 */
export const officialEditions = query('query.officialEditions')`
SELECT
  strftime(edition, '%Y-%m') AS edition,
  CAST(max(published_on) AS VARCHAR) AS published_on,
  max(title) AS title,
  strftime(min(first_month), '%Y-%m') AS first_month,
  strftime(max(last_month), '%Y-%m') AS last_month,
  string_agg(source_file, '|' ORDER BY load_id) AS files,
  string_agg(file_kind, '|' ORDER BY load_id) AS file_kinds
FROM mi_edition
GROUP BY edition
ORDER BY edition DESC
`;

/**
 * The measures of the MI publication loaded and the levels each has figures at (icb implies region).
 */
export const officialMeasures = query('query.officialMeasures')`
SELECT measure, string_agg(DISTINCT level, ',' ORDER BY level) AS levels
FROM mi_published
GROUP BY measure
ORDER BY measure
`;

/**
 * Revisions: a figure an edition publishes differently from the previous edition that published it (old value,
 * new value, both editions), England and ICB rows. $1 measure or NULL, $2 level (england | icb) or NULL,
 * $3 code or NULL.
 */
export const officialRevisions = query('query.officialRevisions')`
WITH f AS (
  SELECT
    month, level, icb_code, icb_name, measure, value, edition,
    lag(value) OVER w AS old_value,
    lag(edition) OVER w AS old_edition
  FROM mi_figure
  WHERE ($1::VARCHAR IS NULL OR measure = $1::VARCHAR) AND ($2::VARCHAR IS NULL OR level = $2::VARCHAR)
    AND ($3::VARCHAR IS NULL OR icb_code = $3::VARCHAR)
  WINDOW w AS (PARTITION BY month, level, icb_code, measure ORDER BY edition)
)
SELECT
  strftime(month, '%Y-%m') AS month,
  level,
  icb_code AS code,
  icb_name AS name,
  measure,
  old_value,
  value AS new_value,
  strftime(old_edition, '%Y-%m') AS old_edition,
  strftime(edition, '%Y-%m') AS edition
FROM f
WHERE old_value IS NOT NULL AND old_value <> value
ORDER BY edition DESC, month, level, code, measure
`;

/**
 * Official statistics (the NHS App MI publication) for one measure at one level, monthly. A month with no figure
 * has no row (never 0). Regions are derived from the ICB rows (the Unknown row kept as region UNKNOWN).
 * $1 edition (first day of its month; NULL = the latest edition covering each month), $2 measure,
 * $3 level (england | region | icb), $4 from month or NULL, $5 to month or NULL, $6 area code or NULL.
 */
export const officialRows = query('query.officialRows')`
WITH src AS (
  SELECT month, level, icb_code, icb_name, region_code, region_name, measure, value, edition
  FROM mi_published
  WHERE $1::DATE IS NULL AND measure = $2
  UNION ALL
  SELECT month, level, icb_code, icb_name, region_code, region_name, measure, value, edition
  FROM mi_figure
  WHERE edition = $1::DATE AND measure = $2
),
f AS (
  SELECT *
  FROM src
  WHERE ($4::DATE IS NULL OR month >= $4::DATE) AND ($5::DATE IS NULL OR month <= $5::DATE)
),
r AS (
  SELECT month, 'england' AS level, icb_code AS code, icb_name AS name, measure, value, edition
  FROM f
  WHERE level = 'england' AND $3 = 'england'
  UNION ALL
  SELECT month, 'icb', icb_code, icb_name, measure, value, edition
  FROM f
  WHERE level = 'icb' AND $3 = 'icb'
  UNION ALL
  SELECT month, 'region', region_code, min(region_name), measure, CAST(sum(value) AS BIGINT), max(edition)
  FROM f
  WHERE level = 'icb' AND $3 = 'region'
  GROUP BY month, region_code, measure
)
SELECT
  strftime(month, '%Y-%m') AS month,
  level,
  code,
  name,
  measure,
  value,
  strftime(edition, '%Y-%m') AS edition
FROM r
WHERE $6::VARCHAR IS NULL OR code = $6::VARCHAR
ORDER BY month, code = 'UNKNOWN', code
`;

/**
 * $1 release id, $2 month (first day), $3 files, $4 notes, $5 disclosure, $6 data version.
 */
export const openDataReleaseInsert = query('query.openDataReleaseInsert')`
INSERT INTO open_data_release VALUES ($1, $2::DATE, CAST(now() AS TIMESTAMP), $3, $4, $5, $6)
`;

/**
 * Every release of our MI publication, newest first.
 */
export const openDataReleases = query('query.openDataReleases')`
SELECT release_id, strftime(month, '%Y-%m') AS month, CAST(published_at AS VARCHAR) AS published_at, files, notes,
  disclosure
FROM open_data_release
ORDER BY published_at DESC, release_id DESC
`;

/**
 * The first and last day of the integrated-partners feed loaded (NULLs when none is).
 */
export const partnerFeedDays = query('query.partnerFeedDays')`
SELECT CAST(min(date) AS VARCHAR) AS first_day, CAST(max(date) AS VARCHAR) AS last_day FROM feed_partner_daily
`;

/**
 * The stored peer bands of one rate (build step peer-bands), as getPeerBands computes them from peersRateBandParts, in one
 * round trip with whether the build stored that rate as it is now computed (same numerator, multiplier and
 * patient scale): `stored` false (one row of NULLs) means compute them; stored without bands in the range
 * gives one row with a NULL period.
 * $1 rate id, $2 level, $3 grain, $4 first period start, $5 last period start, $6 numerator id or '',
 * $7 multiplier, $8 patient scale.
 */
export const peerBandRows = query('query.peerBandRows')`
WITH ok AS (
  SELECT count(*) > 0 AS stored
  FROM peer_band_metric
  WHERE metric_id = $1 AND numerator_id = $6 AND multiplier = $7 AND patient_scale = $8
)
SELECT ok.stored, b.period_start, b.n, [b.p10, b.p25, b.p50, b.p75, b.p90] AS q
FROM ok
LEFT JOIN peer_band b
  ON ok.stored AND b.metric_id = $1 AND b.area_level = $2 AND b.grain = $3
 AND b.period_start BETWEEN $4 AND $5
ORDER BY b.period_start
`;

/**
 * The figures of one count metric of every area of one level, per period, for its spread (quantiles() in
 * src/domain/statistics.ts: SQL only fetches). Peers as in peersCountValues.
 * $1 structure, $2 metric id, $3 grain, $4 level, $5 period starts (DATE[]).
 */
export const peersCountBandValues = query<{ period_start: string; peer_values: number[] }>(
  'query.peersCountBandValues',
)`
WITH periods AS (SELECT DISTINCT unnest($5::DATE[]) AS period_start),
current_area AS (
  SELECT area_code FROM area WHERE area_level = $4 AND is_current AND area_code <> 'UNKNOWN'
),
stored AS (
  SELECT v.period_start, v.area_code, v.value
  FROM metric_value v
  JOIN periods p ON p.period_start = v.period_start
  WHERE v.structure = $1 AND v.metric_id = $2 AND v.grain = $3 AND v.area_level = $4
    AND v.area_code <> 'UNKNOWN'
),
peer AS (
  SELECT p.period_start, coalesce(s.value, 0) AS value
  FROM periods p
  CROSS JOIN current_area a
  LEFT JOIN stored s ON s.period_start = p.period_start AND s.area_code = a.area_code
  WHERE $1 = 'current'
  UNION ALL
  SELECT s.period_start, s.value
  FROM stored s
  WHERE $1 <> 'current' OR s.area_code NOT IN (SELECT area_code FROM current_area)
)
SELECT period_start, list(value::DOUBLE) AS peer_values
FROM peer
GROUP BY period_start
ORDER BY period_start
`;

/**
 * The figures of the areas one area is compared with for one count metric in one period (where it stands
 * is worked out from them by standing(), src/domain/statistics.ts): every peer's figure and the area's own.
 * Peers: on today's structure every current area of the level (0 when it has no stored figure) and any
 * closed area with a stored figure in the period; as recorded at the time, the areas with a stored figure.
 * Unknown is never a peer.
 * $1 structure, $2 metric id, $3 grain, $4 level, $5 period start, $6 area code.
 */
export const peersCountValues = query<{ peer_values: number[]; value: number | null }>(
  'query.peersCountValues',
)`
WITH stored AS (
  SELECT area_code, value
  FROM metric_value
  WHERE structure = $1 AND metric_id = $2 AND grain = $3 AND area_level = $4 AND period_start = $5
    AND area_code <> 'UNKNOWN'
),
peer AS (
  SELECT a.area_code, coalesce(s.value, 0) AS value
  FROM area a
  LEFT JOIN stored s ON s.area_code = a.area_code
  WHERE $1 = 'current' AND a.area_level = $4 AND a.is_current AND a.area_code <> 'UNKNOWN'
  UNION ALL
  SELECT s.area_code, s.value
  FROM stored s
  WHERE $1 <> 'current'
     OR s.area_code NOT IN (SELECT area_code FROM area WHERE area_level = $4 AND is_current)
)
SELECT coalesce(list(value::DOUBLE), []) AS peer_values, max(value::DOUBLE) FILTER (WHERE area_code = $6) AS value
FROM peer
`;

/**
 * The parts of one rate over patients aged 13+ of every area of one level, per period (today's structure),
 * for its spread when the build's stored bands cannot serve (figures published before peer_band, and the
 * tests that check the stored bands against this): per period, for every area with 13+ patients (closed
 * areas only while they have a figure; never Unknown), its numerator metric's stored value, the part of it
 * from practices without a list size and its 13+ patients, as lists in one order. The rates are
 * patientRate()'s and the spread quantiles()'s: SQL only fetches.
 * $1 numerator metric id ('' for the 13+ patients themselves), $2 grain, $3 level, $4 first period start,
 * $5 last period start.
 */
export const peersRateBandParts = query<{
  period_start: string;
  stored: number[];
  uncovered: number[];
  patients: number[];
}>('query.peersRateBandParts')`
WITH peer AS (
  SELECT d.period_start, d.area_code, coalesce(v.value, 0) AS stored, coalesce(v.uncovered, 0) AS uncovered,
         d.patients_13plus AS patients
  FROM area_denominator d
  LEFT JOIN metric_value v
    ON v.structure = 'current' AND v.metric_id = $1 AND v.grain = d.grain AND v.period_start = d.period_start
   AND v.area_level = d.area_level AND v.area_code = d.area_code
  JOIN area a ON a.area_level = d.area_level AND a.area_code = d.area_code
  WHERE d.grain = $2 AND d.area_level = $3 AND d.period_start BETWEEN $4 AND $5 AND d.patients_13plus > 0
    AND d.area_code <> 'UNKNOWN' AND (a.is_current OR v.value IS NOT NULL)
)
SELECT period_start,
       -- One order for the three lists, so that their elements line up.
       list(stored::DOUBLE ORDER BY area_code) AS stored,
       list(uncovered::DOUBLE ORDER BY area_code) AS uncovered,
       list(patients::DOUBLE ORDER BY area_code) AS patients
FROM peer
GROUP BY period_start
ORDER BY period_start
`;

/**
 * The parts of the rates over patients aged 13+ of the areas one area is compared with, for one or more
 * rates in one period (today's structure), one row per rate in the order given (i, from 1; an area page's
 * tiles ask for several at once, getPeers for one): for every peer its code, its numerator metric's stored
 * value, the part of it from practices without a list size, and its 13+ patients, as lists in the same order.
 * They are the same for every area of the level, so the query layer keeps them per data version and finds
 * each area among them (ADR 0079). The rates themselves are patientRate()'s (src/domain/rate.ts) and the
 * standing standing()'s: SQL only fetches. Peers are the areas with 13+ patients in the period (closed areas
 * only while they have a figure, as a closed practice's last list size stays in force); Unknown never is one.
 * $1 numerator metric ids ('' for the 13+ patients themselves), $2 grain, $3 level, $4 period start.
 */
export const peersRateParts = query<{
  i: number;
  codes: string[];
  stored: number[];
  uncovered: number[];
  patients: number[];
}>('query.peersRateParts')`
WITH rates AS (
  SELECT unnest($1::VARCHAR[]) AS numerator_id, unnest(generate_series(1, len($1::VARCHAR[]))) AS i
),
lvl AS (SELECT area_key, area_code FROM area_dim WHERE area_level = $3 AND area_code <> 'UNKNOWN'),
den AS (
  SELECT k.area_code, d.area_key, d.patients_13plus
  FROM area_den_cell d
  JOIN lvl k ON k.area_key = d.area_key
  WHERE d.grain = CAST(CASE $2 WHEN 'week' THEN 0 WHEN 'month' THEN 1 END AS UTINYINT) AND d.period_start = $4::DATE
    AND d.patients_13plus > 0
),
val AS (
  SELECT r.i, v.area_key, v.value, v.uncovered
  FROM metric_cell v
  JOIN metric_dim md ON md.metric_key = v.metric_key
  JOIN rates r ON r.numerator_id = md.metric_id
  WHERE v.structure = 0 AND v.grain = CAST(CASE $2 WHEN 'week' THEN 0 WHEN 'month' THEN 1 END AS UTINYINT)
    AND v.period_start = $4::DATE
),
peer AS (
  SELECT r.i, d.area_code, coalesce(v.value, 0) AS stored, coalesce(v.uncovered, 0) AS uncovered,
         d.patients_13plus AS patients
  FROM rates r
  CROSS JOIN den d
  LEFT JOIN val v ON v.i = r.i AND v.area_key = d.area_key
  JOIN area a ON a.area_level = $3 AND a.area_code = d.area_code
  WHERE a.is_current OR v.value IS NOT NULL
)
SELECT r.i,
       -- One order for the four lists, so that their elements line up.
       coalesce(list(p.area_code ORDER BY p.area_code) FILTER (WHERE p.i IS NOT NULL), []) AS codes,
       coalesce(list(p.stored::DOUBLE ORDER BY p.area_code) FILTER (WHERE p.i IS NOT NULL), []) AS stored,
       coalesce(list(p.uncovered::DOUBLE ORDER BY p.area_code) FILTER (WHERE p.i IS NOT NULL), []) AS uncovered,
       coalesce(list(p.patients::DOUBLE ORDER BY p.area_code) FILTER (WHERE p.i IS NOT NULL), []) AS patients
FROM rates r
LEFT JOIN peer p ON p.i = r.i
GROUP BY r.i
ORDER BY r.i
`;

/**
 * A practice's patients aged 13+ in one period (its list size in force, docs/adr/0006), for practice pages.
 * $1 grain, $2 period start, $3 practice code.
 */
export const practicePatients13plus = query('query.practicePatients13plus')`
SELECT patients_13plus
FROM area_denominator
WHERE grain = $1 AND period_start = $2 AND area_level = 'practice' AND area_code = $3
`;

/**
 * One metric's computed monthly figures for England and every ICB (Unknown included), on today's structure.
 * $1 metric id, $2 month (first day).
 */
export const publishFigures = query('query.publishFigures')`
SELECT area_level, area_code, value
FROM metric_value
WHERE structure = 'current' AND grain = 'month' AND metric_id = $1 AND period_start = $2::DATE
  AND area_level IN ('england', 'icb')
`;

/**
 * Today's ICBs with their NHS England region (the official Table 2 columns), Unknown left out.
 */
export const publishIcbs = query('query.publishIcbs')`
SELECT i.area_code AS icb_code, i.name AS icb_name, r.area_code AS region_code, r.name AS region_name
FROM area i
JOIN area r ON r.area_level = 'region' AND r.area_code = i.parent_code
WHERE i.area_level = 'icb' AND i.is_current AND i.area_code <> 'UNKNOWN'
ORDER BY r.area_code, i.area_code
`;

/**
 * The areas of one level within one area (any level above it, England for all), as the hierarchy stood for
 * one period, for rankings (src/query/ranking.ts). Membership comes from area_ancestry: on today's
 * structure each practice's one 'current' row; as recorded, the rows of the practice-map release in force
 * for the period (the latest on or before its first day; before the first release, the first). Each area
 * comes with its name, whether it is open today, and for practices whether the release in force for the
 * period lists it (`in_release`: false for a practice closed by then, or not yet open) and its first and last
 * releases. Unknown is never a member.
 * $1 structure (current | as_recorded), $2 period start, $3 ranked level, $4 within level, $5 within code.
 * On today's structure rankings take them from the area index (src/query/area-index.ts, currentMembers: this
 * statement took 10–11 ms for an ICB's practices on the national cube, most of it planning); kept as the
 * reference its test compares with, and read for the structure as recorded.
 */
export const rankingMembers = query('query.rankingMembers')`
-- The release in force at $2 (else the first): aggregates over the distinct dates rather than four scalar
-- subqueries, and a join to practice_map rather than EXISTS (unique on extract date and code): 2 ms less of
-- DuckDB's planning on every ranking (issue 15.3).
WITH rel AS (
  SELECT coalesce(max(valid_from) FILTER (WHERE valid_from <= $2::DATE), min(valid_from)) AS valid_from,
         (SELECT coalesce(max(extract_date) FILTER (WHERE extract_date <= $2::DATE), min(extract_date))
          FROM (SELECT DISTINCT extract_date FROM practice_map)) AS release_date
  FROM (SELECT DISTINCT valid_from FROM area_ancestry WHERE structure = $1)
),
anc AS (
  SELECT x.area_code, x.ancestor_level, x.ancestor_code
  FROM area_ancestry x
  JOIN rel ON x.valid_from = rel.valid_from
  WHERE x.structure = $1 AND x.area_level = 'practice'
),
-- The practices' areas at the ranked level, of the practices within the area (all of them within England).
members AS (
  SELECT DISTINCT m.ancestor_code AS code
  FROM anc m
  WHERE m.ancestor_level = $3::VARCHAR AND $3::VARCHAR <> 'england'
    AND ($4::VARCHAR = 'england'
         OR ($4::VARCHAR IN ('region', 'icb', 'sub_icb', 'pcn')
             AND m.area_code IN (SELECT w.area_code FROM anc w WHERE w.ancestor_level = $4 AND w.ancestor_code = $5)))
)
SELECT m.code,
       coalesce(v.name, a.name, m.code) AS name,
       a.place_name,
       a.ons_code,
       coalesce(a.is_current, false) AS is_current,
       a.first_extract,
       a.last_extract,
       rel.release_date,
       p.practice_code IS NOT NULL AS in_release
FROM members m
CROSS JOIN rel
LEFT JOIN area a ON a.area_level = $3 AND a.area_code = m.code
LEFT JOIN area_version v
  ON $1 = 'as_recorded' AND v.extract_date = rel.release_date AND v.area_level = $3 AND v.area_code = m.code
LEFT JOIN practice_map p ON p.extract_date = rel.release_date AND p.practice_code = m.code
WHERE m.code IS NOT NULL AND m.code <> 'UNKNOWN'
ORDER BY m.code
`;

/**
 * Stored figures of one or more metrics for lists of areas, each list of its own level, over a range of
 * periods, with the areas' 13+ patients beside them (rankings: the ranked areas and England in one statement).
 * $1 structure (today's for practices: the caller passes 'current'), $2 metric ids (distinct), $3 grain,
 * $4 the areas' levels and $5 their codes (two lists of the same length, one item per area, distinct),
 * $6 first period start, $7 last period start (of all the metrics: constants the scans filter on), $8 and $9
 * each metric's own first and last period start (lists parallel to $2: a ranking's list sizes are read for one
 * period, not over its sparkline). Each row names its metric and area by their positions in the lists
 * (0-based), not by text: converting thousands of rows' strings to JavaScript cost more than the scan.
 */
export const rankingValues = query<{
  metric_idx: number;
  area_idx: number;
  period_start: string;
  value: number | null;
  uncovered: number | null;
  patients_13plus: number | null;
}>('query.rankingValues')`
WITH ids AS (
  SELECT unnest($2::VARCHAR[]) AS metric_id, CAST(unnest(range(len($2::VARCHAR[]))) AS INTEGER) AS metric_idx,
         CAST(unnest($8::VARCHAR[]) AS DATE) AS p_from, CAST(unnest($9::VARCHAR[]) AS DATE) AS p_to
),
wanted AS (
  SELECT unnest($4::VARCHAR[]) AS area_level, unnest($5::VARCHAR[]) AS area_code,
         CAST(unnest(range(len($4::VARCHAR[]))) AS INTEGER) AS area_idx
),
-- The cells under metric_value and area_denominator, filtered on their integer keys (structure 0 is
-- 'current', 1 'as_recorded'; grain 0 week, 1 month), so that zone maps apply.
keys AS (
  SELECT k.area_key, w.area_idx
  FROM area_dim k
  JOIN wanted w ON w.area_level = k.area_level AND w.area_code = k.area_code
),
metric_keys AS (
  SELECT m.metric_key, i.metric_idx, i.p_from, i.p_to FROM metric_dim m JOIN ids i ON i.metric_id = m.metric_id
),
v AS (
  SELECT mk.metric_idx, k.area_idx, v.period_start, v.value, v.uncovered
  FROM metric_cell v
  JOIN keys k ON k.area_key = v.area_key
  JOIN metric_keys mk ON mk.metric_key = v.metric_key
  WHERE v.structure = CAST(CASE $1 WHEN 'current' THEN 0 WHEN 'as_recorded' THEN 1 END AS UTINYINT)
    AND v.grain = CAST(CASE $3 WHEN 'week' THEN 0 WHEN 'month' THEN 1 END AS UTINYINT)
    AND v.period_start BETWEEN $6::DATE AND $7::DATE
    AND v.period_start BETWEEN mk.p_from AND mk.p_to
),
d AS (
  SELECT i.metric_idx, k.area_idx, d.period_start, d.patients_13plus
  FROM area_den_cell d
  JOIN keys k ON k.area_key = d.area_key
  CROSS JOIN ids i
  WHERE $1 = 'current' AND d.grain = CAST(CASE $3 WHEN 'week' THEN 0 WHEN 'month' THEN 1 END AS UTINYINT)
    AND d.period_start BETWEEN $6::DATE AND $7::DATE
    AND d.period_start BETWEEN i.p_from AND i.p_to
)
SELECT coalesce(v.metric_idx, d.metric_idx) AS metric_idx,
       coalesce(v.area_idx, d.area_idx) AS area_idx,
       coalesce(v.period_start, d.period_start) AS period_start,
       v.value, v.uncovered, d.patients_13plus
FROM v
FULL OUTER JOIN d ON d.metric_idx = v.metric_idx AND d.area_idx = v.area_idx AND d.period_start = v.period_start
ORDER BY 1, 2, 3
`;

/**
 * A rate's parts for one area over a range of periods (today's structure): the numerator metric's value
 * and the part of it from practices without a 13+ list size, beside the area's 13+ patients.
 * $1 numerator metric id, $2 grain, $3 area level, $4 area code, $5 first period start, $6 last period start.
 */
export const rateSeries = query('query.rateSeries')`
SELECT d.period_start, v.value, v.uncovered, d.patients_13plus, d.practices, d.kind_13plus
FROM area_denominator d
LEFT JOIN metric_value v
  ON v.structure = 'current' AND v.metric_id = $1 AND v.grain = d.grain
 AND v.area_level = d.area_level AND v.area_code = d.area_code AND v.period_start = d.period_start
WHERE d.grain = $2 AND d.area_level = $3 AND d.area_code = $4
  AND d.period_start BETWEEN $5 AND $6
ORDER BY d.period_start
`;

/**
 * The rules of the area search in SQL, as it ran until the search was held in memory (src/domain/area-search.ts,
 * docs/adr/0066): kept as the reference that search is tested against on the shipped reference data.
 * Areas matching a search: a case-insensitive part of the name, an ODS code (exact or its start), an ONS
 * code (exact) or a practice postcode (exact or its start, ignoring spaces and case). A sub-ICB location also
 * matches by its place name, its former CCG's name and the local authorities that CCG covered (sub_icb_place,
 * docs/adr/0028), and the ICB and region holding an open sub-ICB location so matched are found too ("contains").
 * Exact codes first, then open areas before closed ones, then from the top of the hierarchy down (areas
 * found by what they contain just after the sub-ICB locations), then the closest matches.
 * $1 the search as a name key (nameKey: lower case, '&' as 'and', no apostrophes, other punctuation a space); $2 the search upper-cased without spaces (never empty); $3 most rows to return; $4 the outward code when the search is one alone (outwardCode: 'LS1'), else NULL; $5 the search's words when an area whose name holds each of them (at the start of a word, in any order) also matches (searchWordsOf), else NULL.
 */
export const searchAreas = query('query.searchAreas')`
WITH place_keys AS (
  -- The same rule as nameKey in src/query/search.ts ("St. John's" and "st johns" match, "&" is "and"); the
  -- former CCG name and the local authorities with '|' between them, so that no match spans two.
  SELECT sub_icb_code, place_name,
         trim(regexp_replace(regexp_replace(replace(lower(place_name), '&', ' and '), '[''’‘\`]', '', 'g'), '[^[:alnum:]]+', ' ', 'g'))
           AS place_key,
         regexp_replace(regexp_replace(replace(lower(ccg_name || '|' || replace(local_authorities, '; ', '|')), '&', ' and '),
                                       '[''’‘\`]', '', 'g'), '[^[:alnum:]|]+', ' ', 'g') AS other_keys
  FROM sub_icb_place
),
matched_places AS (
  SELECT sub_icb_code, place_name, place_key,
         position($1 IN place_key) > 0 OR position($1 IN other_keys) > 0 AS whole
  FROM place_keys
  WHERE $1 <> '' AND (
    position($1 IN place_key) > 0 OR position($1 IN other_keys) > 0
    -- $5, the search's words (searchWordsOf): each starts a word of the place, former CCG or local authorities.
    OR ($5::VARCHAR[] IS NOT NULL AND NOT EXISTS (
      SELECT 1 FROM unnest($5::VARCHAR[]) AS w(word)
      WHERE position(' ' || w.word IN ' ' || place_key || ' ' || coalesce(replace(other_keys, '|', ' '), '')) = 0)))
),
-- $4, an outward code typed alone ('LS1'): when practices have it, postcodes match that district only, not
-- every district it starts (LS10 … LS19); else they match by their start as any other text.
district AS (
  SELECT count(*) > 0 AS hit
  FROM area
  WHERE $4 IS NOT NULL AND area_level = 'practice' AND upper(split_part(trim(postcode), ' ', 1)) = $4
),
keyed AS (
  SELECT a.*,
         trim(regexp_replace(regexp_replace(replace(lower(a.name), '&', ' and '), '[''’‘\`]', '', 'g'), '[^[:alnum:]]+', ' ', 'g'))
           AS name_key,
         -- What the search's words are looked for in: the name, and a sub-ICB location's places.
         ' ' || name_key || coalesce(' ' || pk.place_key || ' ' || coalesce(replace(pk.other_keys, '|', ' '), ''), '')
           AS word_text
  FROM area a
  LEFT JOIN place_keys pk ON a.area_level = 'sub_icb' AND pk.sub_icb_code = a.area_code
  WHERE a.area_code <> 'UNKNOWN'
),
direct AS (
  SELECT k.area_level, k.area_code, k.ons_code, k.name, k.place_name, k.postcode, k.is_current,
         k.parent_level, k.parent_code, CAST(NULL AS VARCHAR) AS contains,
         CASE
           WHEN upper(k.area_code) = $2 OR upper(k.ons_code) = $2 THEN 0
           WHEN replace(upper(k.postcode), ' ', '') = $2 THEN 1
           WHEN substr(upper(k.area_code), 1, length($2)) = $2 THEN 2
           WHEN substr(replace(upper(k.postcode), ' ', ''), 1, length($2)) = $2 THEN 3
           WHEN k.name_key = $1 OR mp.place_key = $1 THEN 4
           WHEN substr(k.name_key, 1, length($1)) = $1 OR substr(mp.place_key, 1, length($1)) = $1 THEN 5
           WHEN ($1 <> '' AND position($1 IN k.name_key) > 0) OR mp.whole THEN 6
           -- Its words, but not together: "Dr Hussain" for "DR S HUSSAIN".
           ELSE 8
         END AS match_rank
  FROM keyed k
  LEFT JOIN matched_places mp ON k.area_level = 'sub_icb' AND mp.sub_icb_code = k.area_code
  WHERE ($1 <> '' AND position($1 IN k.name_key) > 0)
     OR ($5::VARCHAR[] IS NOT NULL AND NOT EXISTS (
           SELECT 1 FROM unnest($5::VARCHAR[]) AS w(word) WHERE position(' ' || w.word IN k.word_text) = 0))
     OR mp.sub_icb_code IS NOT NULL
     OR substr(upper(k.area_code), 1, length($2)) = $2
     OR upper(k.ons_code) = $2
     OR CASE WHEN (SELECT hit FROM district) THEN upper(split_part(trim(k.postcode), ' ', 1)) = $4
             ELSE substr(replace(upper(k.postcode), ' ', ''), 1, length($2)) = $2 END
),
-- Open sub-ICB locations matched by place, former CCG or local authority, with the ICB and region above each.
by_place AS (
  SELECT mp.place_name, s.parent_code AS icb_code, icb.parent_code AS region_code
  FROM matched_places mp
  JOIN area s ON s.area_level = 'sub_icb' AND s.area_code = mp.sub_icb_code AND s.is_current
  JOIN area icb ON icb.area_level = 'icb' AND icb.area_code = s.parent_code
),
containing AS (
  SELECT 'icb' AS area_level, icb_code AS area_code,
         string_agg(DISTINCT place_name, '; ' ORDER BY place_name) AS contains
  FROM by_place GROUP BY icb_code
  UNION ALL
  SELECT 'region', region_code, string_agg(DISTINCT place_name, '; ' ORDER BY place_name)
  FROM by_place GROUP BY region_code
),
-- An area found both directly and by what it holds is listed once, as found directly.
matches AS (
  SELECT * EXCLUDE (pick)
  FROM (
    SELECT *, row_number() OVER (PARTITION BY area_level, area_code
                                 ORDER BY CASE WHEN match_rank = 7 THEN 1 ELSE 0 END, match_rank) AS pick
    FROM (
      SELECT * FROM direct
      UNION ALL
      SELECT a.area_level, a.area_code, a.ons_code, a.name, a.place_name, a.postcode, a.is_current,
             a.parent_level, a.parent_code, c.contains, 7
      FROM containing c
      JOIN area a ON a.area_level = c.area_level AND a.area_code = c.area_code
    )
  )
  WHERE pick = 1
)
SELECT m.area_level AS level, m.area_code AS code, m.ons_code, m.name, m.place_name, m.postcode,
       m.is_current, m.parent_level, m.parent_code, p.name AS parent_name, p.place_name AS parent_place_name,
       m.contains, m.match_rank, count(*) OVER () AS total
FROM matches m
LEFT JOIN area p ON p.area_level = m.parent_level AND p.area_code = m.parent_code
ORDER BY CASE WHEN m.match_rank = 0 THEN 0 ELSE 1 END,
         CASE WHEN m.is_current THEN 0 ELSE 1 END,
         CASE WHEN m.match_rank = 7 THEN 3.5
              ELSE CASE m.area_level
                     WHEN 'england' THEN 0 WHEN 'region' THEN 1 WHEN 'icb' THEN 2 WHEN 'sub_icb' THEN 3
                     WHEN 'pcn' THEN 4 ELSE 5
                   END
         END,
         CASE m.area_level WHEN 'icb' THEN 0 ELSE 1 END,
         m.match_rank, coalesce(m.place_name, m.name), m.area_code
LIMIT $3
`;

/** Every sub-ICB location's place, former CCG and local authorities, for the search held in memory. */
export const searchPlaces = query<{
  sub_icb_code: string;
  place_name: string;
  ccg_name: string | null;
  local_authorities: string | null;
}>('query.searchPlaces')`
SELECT sub_icb_code, place_name, ccg_name, local_authorities FROM sub_icb_place
`;

/**
 * Open GP practices near a postcode that no practice has: those in its outward code first, then those of the
 * same postcode area in the nearest districts by number (LS1 → LS2, LS3 …), with their PCN, sub-ICB location
 * and ICB on today's structure. $1 area letters ('LS'), $2 district number (1), $3 outward code ('LS1'),
 * $4 most rows.
 */
export const searchPostcodeNearby = query('query.searchPostcodeNearby')`
WITH practices AS (
  SELECT a.area_code, a.name, a.postcode, a.parent_code,
         upper(split_part(trim(a.postcode), ' ', 1)) AS outward
  FROM area a
  WHERE a.area_level = 'practice' AND a.is_current AND a.postcode IS NOT NULL
),
near AS (
  SELECT p.*, TRY_CAST(regexp_extract(p.outward, '^[A-Z]+([0-9]+)', 1) AS INTEGER) AS district
  FROM practices p
  WHERE regexp_extract(p.outward, '^([A-Z]+)[0-9]', 1) = $1
)
SELECT n.area_code AS code, n.name, n.postcode, n.parent_code, pcn.name AS parent_name,
       sa.ancestor_code AS sub_icb_code, sub.name AS sub_icb_name,
       sub.place_name AS sub_icb_place_name, icb.name AS icb_name
FROM near n
LEFT JOIN area pcn ON pcn.area_level = 'pcn' AND pcn.area_code = n.parent_code
LEFT JOIN area_ancestry sa
  ON sa.structure = 'current' AND sa.area_level = 'practice' AND sa.area_code = n.area_code AND sa.ancestor_level = 'sub_icb'
LEFT JOIN area_ancestry ia
  ON ia.structure = 'current' AND ia.area_level = 'practice' AND ia.area_code = n.area_code AND ia.ancestor_level = 'icb'
LEFT JOIN area sub ON sub.area_level = 'sub_icb' AND sub.area_code = sa.ancestor_code
LEFT JOIN area icb ON icb.area_level = 'icb' AND icb.area_code = ia.ancestor_code
ORDER BY CASE WHEN n.outward = $3 THEN 0 ELSE 1 END, abs(coalesce(n.district, 999) - $2), n.outward, n.name,
         n.area_code
LIMIT $4
`;

/**
 * One area's values of one metric over a range of periods.
 * $1 structure, $2 metric id, $3 grain, $4 area level, $5 area code, $6 first period start, $7 last period start.
 */
export const series = query('query.series')`
SELECT period_start, value
FROM metric_value
WHERE structure = $1 AND metric_id = $2 AND grain = $3 AND area_level = $4 AND area_code = $5
  AND period_start BETWEEN $6 AND $7
ORDER BY period_start
`;

/**
 * An area's practices grouped by GP system supplier (the practice map's SUPPLIER_NAME on today's map; blank →
 * 'Unknown'), today's structure: per supplier and period the sum of each metric's practice figures and of the
 * part from practices without a 13+ list size (kind 'value'); the 13+ patients of its practices with a list
 * size and how many (kind 'patients'); and how many practices it has (kind 'practices', open today in
 * `open_practices`). Activity with no recognised practice (UNKNOWN) is in no group. $1 area level, $2 area code, $3 grain, $4 first and $5 last period start, $6 metric ids.
 */
export const supplierFigures = query('query.supplierFigures')`
WITH members AS (
  SELECT pa.area_code AS code,
         coalesce(nullif(trim(a.supplier_name), ''), 'Unknown') AS supplier,
         coalesce(a.is_current, false) AS is_current
  FROM area_ancestry pa
  LEFT JOIN area a ON a.area_level = 'practice' AND a.area_code = pa.area_code
  -- The practices within the area: one lookup in the closure (England: every practice, whatever its code).
  WHERE pa.structure = 'current' AND pa.area_level = 'practice' AND pa.area_code <> 'UNKNOWN'
    AND pa.ancestor_level = $1::VARCHAR AND (pa.ancestor_code = $2::VARCHAR OR $1::VARCHAR = 'england')
),
-- The cells under metric_value and area_denominator, filtered on their integer keys (structure 0 is
-- 'current'; grain 0 week, 1 month) rather than through the views.
member_key AS (
  SELECT k.area_key, m.supplier
  FROM members m
  JOIN area_dim k ON k.area_level = 'practice' AND k.area_code = m.code
)
SELECT 'value' AS kind, m.supplier, md.metric_id, CAST(v.period_start AS VARCHAR) AS period_start,
       sum(v.value) AS value, sum(coalesce(v.uncovered, 0)) AS uncovered,
       NULL::BIGINT AS practices, NULL::BIGINT AS open_practices
FROM metric_cell v
JOIN member_key m ON m.area_key = v.area_key
JOIN metric_dim md ON md.metric_key = v.metric_key
WHERE v.structure = 0 AND v.grain = CASE $3::VARCHAR WHEN 'week' THEN 0 WHEN 'month' THEN 1 END
  AND v.period_start BETWEEN $4::DATE AND $5::DATE
  AND v.metric_key IN (SELECT metric_key FROM metric_dim WHERE list_contains($6::VARCHAR[], metric_id))
GROUP BY m.supplier, md.metric_id, v.period_start
UNION ALL
SELECT 'patients', m.supplier, NULL, CAST(d.period_start AS VARCHAR), sum(d.patients_13plus), NULL, count(*), NULL
FROM area_den_cell d
JOIN member_key m ON m.area_key = d.area_key
WHERE d.grain = CASE $3::VARCHAR WHEN 'week' THEN 0 WHEN 'month' THEN 1 END
  AND d.period_start BETWEEN $4::DATE AND $5::DATE
GROUP BY m.supplier, d.period_start
UNION ALL
SELECT 'practices', supplier, NULL, NULL, NULL, NULL, count(*), count(*) FILTER (WHERE is_current)
FROM members
GROUP BY supplier
ORDER BY 1, 2, 3, 4
`;

/**
 * The FOI figures of who uses the App (foi_app_logins), each age group with England's registered patients in
 * its population band (patients_by_age_band, the latest release; "95 to 99" and "100+" share "95+"), for
 * src/query/demographics.ts. Groups in their natural order: ages youngest first, deciles 1 to 10, Unknown last.
 */
export const foiDemographics = query('query.foiDemographics')`
WITH release AS (SELECT max(extract_date) AS extract_date FROM patients_by_age_band),
foi AS (
  SELECT *, CASE WHEN breakdown <> 'age' OR grp = 'Unknown' THEN NULL
                 WHEN grp IN ('95 to 99', '100+') THEN '95+' ELSE grp END AS band
  FROM foi_app_logins
)
SELECT f.source, strftime(f.month, '%Y-%m') AS month, f.breakdown, f.grp AS "group", f.logins,
       f.unique_users AS "uniqueUsers",
       -- 95+ is named even without patients: the page adds its two groups up whatever the list sizes hold.
       CASE WHEN f.band = '95+' THEN f.band ELSE p.age_group END AS "populationBand", p.patients,
       strftime(r.extract_date, '%Y-%m-%d') AS "patientsExtract"
FROM foi f
CROSS JOIN release r
LEFT JOIN patients_by_age_band p ON p.extract_date = r.extract_date AND p.age_group = f.band
ORDER BY f.month, f.breakdown,
         f.grp = 'Unknown',
         coalesce(TRY_CAST(regexp_extract(f.grp, '^([0-9]+)', 1) AS INTEGER), 0)
`;
