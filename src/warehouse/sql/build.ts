/**
 * The build of the figure cube: user keys, unique users, counts, roll-ups, running totals, ratios (src/metrics/build.ts).
 *
 * One exported query object per statement (ADR 0039): import it, pass it to the database (`db.all(q, params)`);
 * positional parameters $1, $2 … only, never values written into the text.
 */
import { query } from '../query.ts';

/**
 * Rolls practice 13+ list sizes up today's structure for every period of the build. $1 = the England key.
 * Estimated list sizes are fractional: summed as decimals (exact, so the same in any order) rather than as
 * doubles, whose sums once differed between builds (1623146.9999999993 and 1623147.0000000007, issue 16.7).
 */
export const areaDenominators = query('build.areaDenominators')`
INSERT INTO area_den_cell
WITH d AS (
  SELECT p.grain, p.period_start, p.extract_date, p.den, p.kind = 'exact' AS exact,
         a.practice_key, a.pcn_key, a.sub_icb_key, a.icb_key, a.region_key
  FROM practice_den p
  JOIN anc_current a ON a.practice_key = p.practice_key
)
SELECT grain, period_start, coalesce(practice_key, pcn_key, sub_icb_key, icb_key, region_key, $1),
       CAST(sum(CAST(den AS DECIMAL(18, 6))) AS DOUBLE), count(*), bool_and(exact), max(extract_date)
FROM d
GROUP BY GROUPING SETS (
  (grain, period_start, practice_key),
  (grain, period_start, pcn_key),
  (grain, period_start, sub_icb_key),
  (grain, period_start, icb_key),
  (grain, period_start, region_key),
  (grain, period_start)
)
-- In period order, as later builds append their periods. The published figures hold them by area instead
-- (src/figures/snapshot.ts PUBLISHED_ORDER, ADR 0076): in their smaller row groups a page's read of one area's
-- every period then touches one or two row groups, at ~1 ms more for the reads of a whole level in one period.
ORDER BY 1, 2, 3
`;

/**
 * Whether a build recomputes period p of grain g (0 week, 1 month): a month lying wholly within the build's
 * events, lo..hi; a week lying wholly within the weeks of its changed dates, wlo..whi (BuildWindow: lo reaches
 * back to the first changed month's start, and the weeks before the first changed date's hold no change).
 * Every statement that computes or deletes a build's periods asks it, so they agree.
 */
export const createRecomputesMacro = query('build.createRecomputesMacro')`
CREATE OR REPLACE TEMP MACRO build_recomputes(g, p, lo, hi, wlo, whi) AS
  CASE g WHEN 0 THEN p >= wlo AND p + 6 <= whi ELSE p >= lo AND last_day(p) <= hi END
`;

/**
 * Everything the roll-ups add up, per practice: event counts, users already attributed to one practice per
 * period, feed figures and list sizes, by metric (dim_key: 0, or the provider and service of a jump-off
 * breakdown), grain (0 week, 1 month), period and the practice-map release in force (for as recorded).
 */
export const createBuildFact = query('build.createBuildFact')`
CREATE OR REPLACE TEMP TABLE build_fact (
  metric_key SMALLINT NOT NULL,
  dim_key INTEGER NOT NULL,
  grain UTINYINT NOT NULL,
  period_start DATE NOT NULL,
  practice_key INTEGER NOT NULL,
  release DATE,
  n DOUBLE NOT NULL
)
`;

/**
 * Keys the build works with, derived from the closure area_ancestry (ADR 0040). build_practice: recognised
 * practice codes (anything else counts as Unknown). anc_current: each practice's ancestors on today's structure.
 * anc_recorded: its ancestors under each practice-map release (its own rows in that release, else those of its
 * latest earlier release — a practice that has since closed — else of its earliest, one that opened later).
 * build_release: the practice-map releases. The ancestors are one key column per level, not the closure's one
 * row per ancestor: GROUPING SETS over few PCN chains roll up in half the time of a join to every ancestor
 * (measured, ADR 0040).
 */
export const createBuildKeys = query('build.createBuildKeys')`
CREATE OR REPLACE TEMP TABLE build_practice AS
SELECT d.area_code AS practice_code, d.area_key AS practice_key
FROM area_dim d
JOIN area a ON a.area_level = 'practice' AND a.area_code = d.area_code
WHERE d.area_level = 'practice';

CREATE OR REPLACE TEMP TABLE anc_current AS
SELECT p.area_key AS practice_key,
       max(a.area_key) FILTER (WHERE x.ancestor_level = 'pcn') AS pcn_key,
       max(a.area_key) FILTER (WHERE x.ancestor_level = 'sub_icb') AS sub_icb_key,
       max(a.area_key) FILTER (WHERE x.ancestor_level = 'icb') AS icb_key,
       max(a.area_key) FILTER (WHERE x.ancestor_level = 'region') AS region_key
FROM area_ancestry x
JOIN area_dim p ON p.area_level = 'practice' AND p.area_code = x.area_code
JOIN area_dim a ON a.area_level = x.ancestor_level AND a.area_code = x.ancestor_code
WHERE x.structure = 'current' AND x.area_level = 'practice' AND x.depth BETWEEN 1 AND 4
GROUP BY p.area_key;

CREATE OR REPLACE TEMP TABLE build_release AS
SELECT DISTINCT valid_from AS release FROM area_ancestry WHERE structure = 'as_recorded';

CREATE OR REPLACE TEMP TABLE anc_recorded AS
WITH recorded AS (
  SELECT DISTINCT valid_from, area_code AS practice_code
  FROM area_ancestry
  WHERE structure = 'as_recorded' AND area_level = 'practice'
),
picked AS (
  SELECT r.release, x.practice_code,
    arg_max(x.valid_from, CASE WHEN x.valid_from <= r.release THEN date_diff('day', DATE '1900-01-01', x.valid_from)
                               ELSE -date_diff('day', DATE '1900-01-01', x.valid_from) END) AS valid_from
  FROM build_release r
  CROSS JOIN recorded x
  GROUP BY r.release, x.practice_code
)
SELECT x.release, p.area_key AS practice_key,
       max(a.area_key) FILTER (WHERE c.ancestor_level = 'pcn') AS pcn_key,
       max(a.area_key) FILTER (WHERE c.ancestor_level = 'sub_icb') AS sub_icb_key,
       max(a.area_key) FILTER (WHERE c.ancestor_level = 'icb') AS icb_key,
       max(a.area_key) FILTER (WHERE c.ancestor_level = 'region') AS region_key
FROM picked x
JOIN area_ancestry c
  ON c.structure = 'as_recorded' AND c.valid_from = x.valid_from AND c.area_level = 'practice'
 AND c.area_code = x.practice_code AND c.depth BETWEEN 1 AND 4
JOIN area_dim p ON p.area_level = 'practice' AND p.area_code = x.practice_code
JOIN area_dim a ON a.area_level = c.ancestor_level AND a.area_code = c.ancestor_code
GROUP BY x.release, p.area_key
`;

/**
 * Every week (grain 0) and month (grain 1) from the one containing $1 to the last loaded day, plus any other
 * period with figures from there on: the periods list sizes (denominators, patients of all ages) and running
 * totals are computed for.
 */
export const createBuildPeriod = query('build.createBuildPeriod')`
CREATE OR REPLACE TEMP TABLE build_period AS
SELECT 0::UTINYINT AS grain, CAST(d AS DATE) AS period_start
FROM generate_series(CAST(date_trunc('week', $1::DATE) AS TIMESTAMP),
                     CAST((SELECT max(day) FROM data_day) AS TIMESTAMP), INTERVAL 7 DAY) t(d)
UNION
SELECT 1, CAST(d AS DATE)
FROM generate_series(CAST(date_trunc('month', $1::DATE) AS TIMESTAMP),
                     CAST((SELECT max(day) FROM data_day) AS TIMESTAMP), INTERVAL 1 MONTH) t(d)
UNION
SELECT DISTINCT grain, period_start FROM build_fact
WHERE period_start >= CASE grain WHEN 0 THEN CAST(date_trunc('week', $1::DATE) AS DATE)
                                 ELSE CAST(date_trunc('month', $1::DATE) AS DATE) END
`;

/**
 * Figures computed by a build, before they replace the stored ones (structure 0 current, 1 as recorded).
 */
export const createCellBuild = query('build.createCellBuild')`
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
`;

/**
 * Running totals to compute: each cumulative metric and the count it accumulates. $1 cumulative ids,
 * $2 their base ids (same order).
 */
export const createCumMap = query('build.createCumMap')`
CREATE OR REPLACE TEMP TABLE cum_map AS
SELECT c.metric_key AS cum_key, b.metric_key AS base_key
FROM (SELECT unnest($1::VARCHAR[]) AS cum_id, unnest($2::VARCHAR[]) AS base_id) m
JOIN metric_dim c ON c.metric_id = m.cum_id
JOIN metric_dim b ON b.metric_id = m.base_id
`;

/**
 * The practice-map release in force on each date from $1 to $2 (the latest on or before it, else the first),
 * with the date's week and month: the steps that count events take them from here by a join on the date, once
 * per day rather than once per event (date_trunc over 22 M events was 0.8 s of a 20 M event full build's
 * event counts, ADR 0056).
 */
export const createDateRelease = query('build.createDateRelease')`
CREATE OR REPLACE TEMP TABLE date_release AS
SELECT CAST(d AS DATE) AS attr_date,
       coalesce((SELECT max(release) FROM build_release WHERE release <= CAST(d AS DATE)),
                (SELECT min(release) FROM build_release)) AS release,
       CAST(date_trunc('week', d) AS DATE) AS wk,
       CAST(date_trunc('month', d) AS DATE) AS mo
FROM generate_series(CAST($1::DATE AS TIMESTAMP), CAST($2::DATE AS TIMESTAMP), INTERVAL 1 DAY) t(d)
`;

/**
 * The 13+ list size of each practice in force for each period of build_period: the latest practice-level
 * release on or before the period start, or the first release for periods before it. An exact (single year
 * of age) figure beats an estimate from 5-year bands in the same release. Only practices open at the period
 * start have one (period_open): a closed practice leaves the denominators from the first period whose
 * list-size release or practice-map release no longer lists it, even though an older list-size release
 * still gives its patients (ADR 0024). practice_den (one row per period and practice with a denominator)
 * also decides which figures a rate covers (rollupPractices, running totals).
 */
export const createPracticeDen = query('build.createPracticeDen')`
CREATE OR REPLACE TEMP TABLE period_extract AS
WITH releases AS (
  SELECT DISTINCT extract_date FROM list_size WHERE area_level = 'practice' AND patients_13plus IS NOT NULL
)
SELECT p.grain, p.period_start,
       coalesce((SELECT max(r.extract_date) FROM releases r WHERE r.extract_date <= p.period_start),
                (SELECT min(r.extract_date) FROM releases r)) AS extract_date
FROM build_period p;

CREATE OR REPLACE TEMP TABLE practice_has_den AS
SELECT l.extract_date, k.area_key AS practice_key,
       arg_max(struct_pack(den := l.patients_13plus, kind := l.kind_13plus),
               CASE l.kind_13plus WHEN 'exact' THEN 1 ELSE 0 END) AS pick
FROM list_size l
JOIN area_dim k ON k.area_level = 'practice' AND k.area_code = l.area_code
WHERE l.area_level = 'practice' AND l.patients_13plus IS NOT NULL
GROUP BY ALL;

-- The practices open at each period start: those in the practice-map release in force then (the latest release
-- on or before the period start; before the first release, the first). The NHS publishes no open or close
-- dates in these files: a practice is open from the first release that lists it until the first that does
-- not (ADR 0024).
CREATE OR REPLACE TEMP TABLE period_open AS
WITH map_release AS (
  SELECT p.grain, p.period_start,
         coalesce((SELECT max(r.release) FROM build_release r WHERE r.release <= p.period_start),
                  (SELECT min(r.release) FROM build_release r)) AS release
  FROM build_period p
)
SELECT m.grain, m.period_start, k.area_key AS practice_key
FROM map_release m
JOIN area_ancestry x
  ON x.structure = 'as_recorded' AND x.valid_from = m.release AND x.area_level = 'practice' AND x.depth = 0
JOIN area_dim k ON k.area_level = 'practice' AND k.area_code = x.area_code
WHERE x.area_code <> 'UNKNOWN';

CREATE OR REPLACE TEMP TABLE practice_den AS
SELECT f.grain, f.period_start, f.extract_date, b.practice_key, b.pick.den AS den, b.pick.kind AS kind
FROM period_extract f
JOIN practice_has_den b USING (extract_date)
JOIN period_open o ON o.grain = f.grain AND o.period_start = f.period_start AND o.practice_key = b.practice_key
`;

/**
 * The practice figures of today's structure, straight into cell_build (structure 0): build_fact summed over
 * releases, with the part from practices without a 13+ list size in force at the period start (closed
 * practices and Unknown included), which rates leave out. Only practices of today's structure (anc_current):
 * rollupChainsCurrent rolls these rows up from cell_build, rather than from a table of their own copied there.
 * Every producer of build_fact groups by metric, breakdown, grain, period, practice and release, so a metric's
 * period whose rows all carry one release holds each practice once and is passed through; only the others
 * (a period spanning a practice-map release, rolling 12 months whose users' last events do) are summed, and
 * so are unique users counted in $1 user partitions (a row per partition). Summing every row took 1.7 s of a
 * 20 M event full build, passing most through 0.95 s (ADR 0056).
 */
export const rollupPractices = query('build.rollupPractices')`
INSERT INTO cell_build
WITH period AS (
  SELECT metric_key, grain, period_start,
         count(DISTINCT release) > 1
           OR ($1 > 1 AND metric_key IN (SELECT metric_key FROM metric_selector WHERE kind IN ('unique', 'unique_12m')))
           AS summed
  FROM build_fact
  GROUP BY metric_key, grain, period_start
),
p AS (
  SELECT f.metric_key, f.dim_key, f.grain, f.period_start, f.practice_key, f.n AS value
  FROM build_fact f
  JOIN period x
    ON x.metric_key = f.metric_key AND x.grain = f.grain AND x.period_start = f.period_start AND NOT x.summed
  JOIN anc_current a ON a.practice_key = f.practice_key
  UNION ALL
  SELECT f.metric_key, f.dim_key, f.grain, f.period_start, f.practice_key, sum(f.n)
  FROM build_fact f
  JOIN period x
    ON x.metric_key = f.metric_key AND x.grain = f.grain AND x.period_start = f.period_start AND x.summed
  JOIN anc_current a ON a.practice_key = f.practice_key
  GROUP BY ALL
)
SELECT 0, p.metric_key, p.dim_key, p.grain, p.period_start, p.practice_key, p.value,
       CASE WHEN d.practice_key IS NULL THEN p.value ELSE 0 END
FROM p
LEFT JOIN practice_den d ON d.grain = p.grain AND d.period_start = p.period_start AND d.practice_key = p.practice_key
`;

/**
 * Which events each metric counts, filled from the catalogue: one row per metric and event type.
 * kind: count (events), unique (users per week and month) or unique_12m (users in the 12 months to each
 * month); sig identifies the selector (event types and filters), so metrics counting the same users share
 * one computation.
 */
export const createSelectors = query('build.createSelectors')`
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
`;

/**
 * The qualifying events of every unique-user selector (metrics with the same selector share it), each with
 * its practice key (unrecognised practices count as Unknown), its week (for selectors of per-period metrics
 * only) and month: what createUserPeriod and resolveTiedUserPeriods group. A view over build_event.
 */
export const createUserEventView = query('build.createUserEventView')`
CREATE OR REPLACE TEMP VIEW build_user_event AS
WITH sel AS (
  SELECT sig_key, event_type, identity_level, record_type, channel, provider, service, p9_route,
         bool_or(kind = 'unique') AS weekly
  FROM metric_selector
  WHERE kind IN ('unique', 'unique_12m')
  GROUP BY ALL
)
SELECT s.sig_key, e.user_key, e.event_time, e.event_id, e.event_date,
       coalesce(p.practice_key,
                (SELECT area_key FROM area_dim WHERE area_level = 'practice' AND area_code = 'UNKNOWN')) AS practice_key,
       CASE WHEN s.weekly THEN coalesce(r.wk, CAST(date_trunc('week', e.event_date) AS DATE)) END AS wk,
       coalesce(r.mo, CAST(date_trunc('month', e.event_date) AS DATE)) AS mo
FROM build_event e
JOIN sel s
  ON e.event_type = s.event_type
 AND (s.identity_level IS NULL OR e.identity_level = s.identity_level)
 AND (s.record_type IS NULL OR e.record_type = s.record_type)
 AND (s.channel IS NULL OR e.channel = s.channel)
 AND (s.provider IS NULL OR e.provider = s.provider)
 AND (s.service IS NULL OR e.service = s.service)
 AND (s.p9_route IS NULL OR e.p9_route = s.p9_route)
LEFT JOIN build_practice p ON p.practice_code = e.practice_code
-- The week and month of each day (date_release holds every day a build attributes; computed here otherwise).
LEFT JOIN date_release r ON r.attr_date = e.event_date
`;

/**
 * Each user's last qualifying event in each period (build_user_event), once per unique-user selector: latest
 * event_time, event_id breaking ties, as in the NHS App MI publication. Only the periods the build recomputes:
 * months within $1..$2, weeks within $5..$6 (build_recomputes; build_event may hold part of others). Users
 * are grouped on their integer key, and only partition $4 of $3 by the key's hash is computed (ADR 0027):
 * every user's events lie in one partition.
 *
 * The last event is found with fixed-size maxima, not an arg_max over structs (4.6 -> 3.0 s at 20 M events,
 * ADR 0055): an event's millisecond since 2017 above its practice key (below 2^22, checked by the build)
 * packed into one BIGINT, whose maximum is the latest millisecond and the highest practice key within it, and
 * again with the key reversed, giving the lowest. Where the two agree, every event of that millisecond has one
 * practice, and so has the last of them; the latest date is the latest event's (London dates follow
 * instants). Where they differ, last_practice and last_date are left NULL for resolveTiedUserPeriods to settle
 * exactly. Weeks and months in one GROUPING SETS pass (ADR 0046); periods outside $1..$2 are dropped after
 * grouping. The last event is two plain columns, not a struct: the later passes over these 16 M rows read
 * them directly (ADR 0056).
 */
export const createUserPeriod = query('build.createUserPeriod')`
CREATE OR REPLACE TEMP TABLE build_user_period AS
WITH packed AS (
  SELECT sig_key, user_key, wk, mo, event_date,
         (epoch_ms(event_time) - 1483228800000) * 4194304 + practice_key AS high,
         (epoch_ms(event_time) - 1483228800000) * 4194304 + (4194303 - practice_key) AS low
  FROM build_user_event
  WHERE hash(user_key) % CAST($3 AS UBIGINT) = CAST($4 AS UBIGINT)
),
grouped AS (
  SELECT sig_key, user_key, wk, mo, GROUPING(wk) AS no_week,
         max(high) AS high, max(low) AS low, max(event_date) AS event_date
  FROM packed
  GROUP BY GROUPING SETS ((sig_key, user_key, wk), (sig_key, user_key, mo))
)
SELECT sig_key, CAST(no_week AS UTINYINT) AS grain, coalesce(wk, mo) AS period_start, user_key,
       CASE WHEN high % 4194304 = 4194303 - low % 4194304 THEN CAST(high % 4194304 AS INTEGER) END AS last_practice,
       CASE WHEN high % 4194304 = 4194303 - low % 4194304 THEN event_date END AS last_date
FROM grouped
WHERE build_recomputes(no_week, coalesce(wk, mo), $1, $2, $5, $6)
`;

/**
 * Settles the periods createUserPeriod left open: a user whose latest millisecond in the period holds events
 * at two practices. The last event is then found exactly, latest event_time and then event_id, from the events
 * of those users only (rare: none in the 20 M event demo).
 */
export const resolveTiedUserPeriods = query('build.resolveTiedUserPeriods')`
UPDATE build_user_period u
SET last_practice = x.last_event.practice_key, last_date = x.last_event.event_date
FROM (
  SELECT sig_key, user_key, CAST(GROUPING(wk) AS UTINYINT) AS grain, coalesce(wk, mo) AS period_start,
         arg_max(struct_pack(practice_key := practice_key, event_date := event_date),
                 struct_pack(t := event_time, id := event_id)) AS last_event
  FROM build_user_event
  WHERE (sig_key, user_key) IN (SELECT sig_key, user_key FROM build_user_period WHERE last_practice IS NULL)
  GROUP BY GROUPING SETS ((sig_key, user_key, wk), (sig_key, user_key, mo))
) x
WHERE u.last_practice IS NULL
  AND u.sig_key = x.sig_key AND u.user_key = x.user_key AND u.grain = x.grain AND u.period_start = x.period_start
`;

/**
 * Running totals as recorded (cum_running), straight into cell_build: they are stored as computed.
 */
export const cumulativeAsRecorded = query('build.cumulativeAsRecorded')`
INSERT INTO cell_build
SELECT 1, cum_key, 0, grain, period_start, area_key, value, NULL FROM cum_running WHERE structure = 1
`;

/**
 * Running totals per practice (cum_running, today's structure) into cell_build as practice rows, to be rolled
 * up like the counts (rollupChainsCurrent); the part held by practices without a 13+ list size in force (or
 * closed) is kept apart.
 */
export const cumulativePractices = query('build.cumulativePractices')`
INSERT INTO cell_build
SELECT 0, r.cum_key, 0, r.grain, r.period_start, r.area_key, r.value,
       CASE WHEN d.practice_key IS NULL THEN r.value ELSE 0 END
FROM cum_running r
LEFT JOIN practice_den d ON d.grain = r.grain AND d.period_start = r.period_start AND d.practice_key = r.area_key
WHERE r.structure = 0 AND r.area_key IN (SELECT practice_key FROM anc_current)
`;

/**
 * Running totals of each cumulative metric (cum_map) into cum_running, recomputed from the period containing
 * $1: per practice in today's structure (rolled up like the counts: a sum of running totals is the running
 * total of the sums) and per area as recorded (where they are not sums of today's practices). Each area gets
 * every period from its first figure of the base metric (or from $1 when it had one before) to the last period
 * of the cube, so a quiet period carries the total forward. Earlier history is an opening total: after the
 * first loaded day $2 (an incremental build), each area's stored running total at the last period before, so
 * only the new periods' counts are read; otherwise (a full build, or a load from the first day, where stored
 * totals may predate it) the sum of its earlier counts.
 */
export const cumulativeRunning = query('build.cumulativeRunning')`
CREATE OR REPLACE TEMP TABLE cum_running AS
WITH p0 AS (
  SELECT 0::UTINYINT AS grain, CAST(date_trunc('week', $1::DATE) AS DATE) AS p0
  UNION ALL SELECT 1, CAST(date_trunc('month', $1::DATE) AS DATE)
),
-- The cube is read with filters on its own columns (constants once $1 and $2 are bound, so the scan applies
-- them), not through a join to p0: each read is one pass over metric_cell, and a plain lower bound on the
-- period lets the scan drop most of the cube's rows before the per-grain test.
last_prev AS (
  SELECT c.structure, c.metric_key AS cum_key, c.grain, max(c.period_start) AS period_start
  FROM metric_cell c
  WHERE $1::DATE > $2::DATE AND c.structure IN (0, 1) AND c.metric_key IN (SELECT cum_key FROM cum_map)
    AND c.period_start < CASE c.grain WHEN 0 THEN CAST(date_trunc('week', $1::DATE) AS DATE)
                                      ELSE CAST(date_trunc('month', $1::DATE) AS DATE) END
  GROUP BY ALL
),
opening AS (
  SELECT l.structure, l.cum_key, c.grain, c.area_key, c.value AS opening
  FROM metric_cell c
  JOIN last_prev l
    ON l.structure = c.structure AND l.cum_key = c.metric_key AND l.grain = c.grain AND l.period_start = c.period_start
  WHERE c.structure = 1 OR c.area_key IN (SELECT practice_key FROM anc_current)
),
base AS (
  SELECT c.structure, m.cum_key, c.grain, c.period_start, c.area_key, c.value
  FROM metric_cell c
  JOIN cum_map m ON m.base_key = c.metric_key
  WHERE (c.structure = 1 OR (c.structure = 0 AND c.area_key IN (SELECT practice_key FROM anc_current)))
    AND c.period_start >= CASE WHEN $1::DATE > $2::DATE
                               THEN least(CAST(date_trunc('week', $1::DATE) AS DATE), CAST(date_trunc('month', $1::DATE) AS DATE))
                               ELSE DATE '0001-01-01' END
    AND (NOT $1::DATE > $2::DATE
         OR c.period_start >= CASE c.grain WHEN 0 THEN CAST(date_trunc('week', $1::DATE) AS DATE)
                                           ELSE CAST(date_trunc('month', $1::DATE) AS DATE) END)
),
areas AS (
  SELECT structure, cum_key, grain, area_key, sum(opening) AS opening, min(first_period) AS first_period
  FROM (
    SELECT o.structure, o.cum_key, o.grain, o.area_key, o.opening, p0.p0 AS first_period
    FROM opening o JOIN p0 USING (grain)
    UNION ALL
    SELECT b.structure, b.cum_key, b.grain, b.area_key,
           coalesce(sum(b.value) FILTER (WHERE b.period_start < p0.p0), 0),
           greatest(min(b.period_start), p0.p0)
    FROM base b JOIN p0 USING (grain)
    GROUP BY b.structure, b.cum_key, b.grain, b.area_key, p0.p0
  )
  GROUP BY ALL
),
periods AS (
  SELECT DISTINCT c.grain, c.period_start
  FROM metric_cell c
  WHERE c.period_start >= least(CAST(date_trunc('week', $1::DATE) AS DATE), CAST(date_trunc('month', $1::DATE) AS DATE))
    AND c.period_start >= CASE c.grain WHEN 0 THEN CAST(date_trunc('week', $1::DATE) AS DATE)
                                       ELSE CAST(date_trunc('month', $1::DATE) AS DATE) END
),
grid AS (
  SELECT x.structure, x.cum_key, x.grain, x.area_key, x.opening, p.period_start
  FROM areas x JOIN periods p ON p.grain = x.grain AND p.period_start >= x.first_period
)
SELECT g.structure, g.cum_key, g.grain, g.period_start, g.area_key,
       g.opening + sum(coalesce(b.value, 0)) OVER (
         PARTITION BY g.structure, g.cum_key, g.grain, g.area_key ORDER BY g.period_start
         ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS value
FROM grid g
LEFT JOIN base b
  ON b.structure = g.structure AND b.cum_key = g.cum_key AND b.grain = g.grain AND b.area_key = g.area_key
 AND b.period_start = g.period_start
`;

/**
 * The first and last dates any figure of a build can be attributed to (events, feeds, periods from $1 on):
 * the span of date_release, never outside the plausible span $2..$3 (a stray far-dated row stays out); and
 * the first and last event dates (first_event, last_event: for rolling 12-month users, read here rather than
 * by a scan of their own, 57 -> 38 ms of a new week's build at 20 M events, ADR 0056).
 */
export const dateRange = query('build.dateRange')`
WITH events AS MATERIALIZED (
  SELECT min(event_date) AS first, max(event_date) AS last FROM activity_event
),
d AS (
  SELECT unnest([first, last]) AS d FROM events
  UNION ALL SELECT unnest([min(date), max(date)]) FROM feed_practice_daily
  UNION ALL SELECT unnest([min(date), max(date)]) FROM feed_partner_daily
  UNION ALL SELECT unnest([min(month), max(month)]) FROM feed_pomi
  UNION ALL SELECT max(day) FROM data_day
  UNION ALL SELECT least(CAST(date_trunc('month', $1::DATE) AS DATE), CAST(date_trunc('week', $1::DATE) AS DATE))
)
SELECT CAST(greatest(min(d), $2::DATE) AS VARCHAR) AS first, CAST(least(max(d), $3::DATE) AS VARCHAR) AS last,
       (SELECT CAST(first AS VARCHAR) FROM events) AS first_event,
       (SELECT CAST(last AS VARCHAR) FROM events) AS last_event
FROM d
`;

/**
 * Denominators of the periods from the one containing $1 (all of them on a full build), about to be recomputed.
 */
export const deleteAreaDenominators = query('build.deleteAreaDenominators')`
DELETE FROM area_den_cell
WHERE period_start >= CASE grain WHEN 0 THEN CAST(date_trunc('week', $1::DATE) AS DATE)
                                 ELSE CAST(date_trunc('month', $1::DATE) AS DATE) END
`;

/**
 * Removes the stored figures an incremental build recomputes from events and feeds: counts, unique users and
 * feed figures of the months within $1..$2 and the weeks within $5..$6 (build_recomputes), and rolling 12-month
 * users of target months $3..$4.
 * The metrics recomputed from a date on (running totals, patients of all ages) go by
 * deleteRecomputedFromDates: one statement with both as `OR`ed conditions and a correlated subquery over
 * their list took 0.22 s of a one-week build at 20 M events (ADR 0046).
 */
export const deleteRecomputed = query('build.deleteRecomputed')`
DELETE FROM metric_cell
WHERE period_start >= least($1::DATE, $3::DATE)
  AND ((metric_key IN (SELECT metric_key FROM metric_selector WHERE kind IN ('count', 'unique')
                      UNION SELECT metric_key FROM feed_selector)
       AND build_recomputes(grain, period_start, $1, $2, $5, $6))
   OR (metric_key IN (SELECT metric_key FROM metric_selector WHERE kind = 'unique_12m')
       AND period_start BETWEEN $3 AND $4))
`;

/**
 * Removes the stored figures of the metrics of $1 (a JSON array of {id, from}: running totals, patients of
 * all ages) from the week and month containing their date; $2 is the earliest of those dates (a constant
 * bound the scan applies). A join to the list, not a correlated subquery: the cube is ordered by metric, so
 * the scan reads only these metrics' cells.
 */
export const deleteRecomputedFromDates = query('build.deleteRecomputedFromDates')`
DELETE FROM metric_cell
USING (
  SELECT d.metric_key, f."from" AS from_date
  FROM (SELECT unnest(from_json($1, '[{"id": "VARCHAR", "from": "DATE"}]'), recursive := true)) f
  JOIN metric_dim d ON d.metric_id = f.id
) r
-- The first filter is only a cheap bound: it must reach back to the month containing $2, which starts before
-- its week when that week began in the previous month (issue 16.1: September's running totals were stored
-- twice after a load starting on 1 October 2026).
WHERE metric_cell.period_start >= least(CAST(date_trunc('week', $2::DATE) AS DATE), CAST(date_trunc('month', $2::DATE) AS DATE))
  AND metric_cell.metric_key = r.metric_key
  AND metric_cell.period_start >= CASE metric_cell.grain WHEN 0 THEN CAST(date_trunc('week', r.from_date) AS DATE)
                                                         ELSE CAST(date_trunc('month', r.from_date) AS DATE) END
`;

/**
 * Removes the stored jump-off breakdown of the months within $1..$2 and the weeks within $3..$4.
 */
export const deleteRecomputedJumpOffs = query('build.deleteRecomputedJumpOffs')`
DELETE FROM jump_off_cell
WHERE period_start >= $1 AND build_recomputes(grain, period_start, $1, $2, $3, $4)
`;

/**
 * Months about to be recomputed: those lying wholly within $1..$2.
 */
export const deleteUserMonth = query('build.deleteUserMonth')`
DELETE FROM user_month WHERE month >= $1 AND last_day(month) <= $2
`;

/**
 * Event counts per metric, period and practice, for the months within $1..$2 and the weeks within $4..$5
 * (build_recomputes; build_event may hold part of others): each event with its practice key, its day's
 * practice-map release and its week and month, counted per week and per month in one GROUPING SETS pass
 * (ADR 0046). Counting per day first and then summing the days took longer: 10 M day groups at 20 M events,
 * 2.5 s against 2.0 (ADR 0055).
 * Unrecognised practices count as Unknown ($3 = its key).
 */
export const factCounts = query('build.factCounts')`
INSERT INTO build_fact
WITH periods AS (
  SELECT s.metric_key, coalesce(p.practice_key, $3) AS practice_key, r.release, r.wk, r.mo
  FROM build_event e
  JOIN metric_selector s
    ON s.kind = 'count'
   AND e.event_type = s.event_type
   AND (s.identity_level IS NULL OR e.identity_level = s.identity_level)
   AND (s.record_type IS NULL OR e.record_type = s.record_type)
   AND (s.channel IS NULL OR e.channel = s.channel)
   AND (s.provider IS NULL OR e.provider = s.provider)
   AND (s.service IS NULL OR e.service = s.service)
   AND (s.p9_route IS NULL OR e.p9_route = s.p9_route)
  LEFT JOIN build_practice p ON p.practice_code = e.practice_code
  JOIN date_release r ON r.attr_date = e.event_date
),
grouped AS (
  SELECT metric_key, practice_key, release, wk, mo, GROUPING(wk) AS no_week, count(*) AS n
  FROM periods
  GROUP BY GROUPING SETS ((metric_key, practice_key, release, wk), (metric_key, practice_key, release, mo))
)
SELECT metric_key, 0, CAST(no_week AS UTINYINT), coalesce(wk, mo), practice_key, release, n
FROM grouped
WHERE build_recomputes(no_week, coalesce(wk, mo), $1, $2, $4, $5)
`;

/**
 * Practice feed figures per period: the daily snapshot (one metric per column) and integrated-partner clicks
 * (also per provider and service, as the breakdown of metric $4 when it is given), for the months within
 * $1..$2 and the weeks within $5..$6. Unrecognised practice codes count as Unknown ($3 = its key).
 */
export const factFeedDays = query('build.factFeedDays')`
INSERT INTO build_fact
WITH snapshot AS (
  UNPIVOT (SELECT * EXCLUDE (load_id) FROM feed_practice_daily WHERE date BETWEEN $1 AND $2)
  ON COLUMNS(* EXCLUDE (date, practice_code))
  INTO NAME snapshot_column VALUE n
),
figures AS (
  SELECT s.metric_key, 0 AS dim_key, f.date, f.practice_code, f.n
  FROM snapshot f
  JOIN feed_selector s ON s.source = 'practice_snapshot' AND s.snapshot_column = f.snapshot_column
  UNION ALL
  SELECT s.metric_key, 0, f.date, f.practice_code, f.clicks
  FROM feed_partner_daily f
  JOIN feed_selector s
    ON s.source = 'integrated_partners'
   AND (s.provider IS NULL OR f.provider = s.provider)
   AND (s.service IS NULL OR f.service = s.service)
  WHERE f.date BETWEEN $1 AND $2
  UNION ALL
  SELECT $4, j.dim_key, f.date, f.practice_code, f.clicks
  FROM feed_partner_daily f
  JOIN jump_off_dim j ON j.provider = f.provider AND j.service = f.service
  WHERE $4 IS NOT NULL AND f.date BETWEEN $1 AND $2
)
SELECT f.metric_key, f.dim_key, g.grain, x.period_start, coalesce(p.practice_key, $3), r.release, sum(f.n)
FROM figures f
CROSS JOIN (VALUES (0::UTINYINT), (1::UTINYINT)) g(grain)
CROSS JOIN LATERAL (
  SELECT CAST(CASE g.grain WHEN 0 THEN date_trunc('week', f.date) ELSE date_trunc('month', f.date) END AS DATE) AS period_start
) x
LEFT JOIN build_practice p ON p.practice_code = f.practice_code
JOIN date_release r ON r.attr_date = f.date
WHERE build_recomputes(g.grain, x.period_start, $1, $2, $5, $6)
GROUP BY ALL
`;

/**
 * Jump-off events per provider and service (the breakdown of metric $4), per period and practice, for the
 * months within $1..$2 and the weeks within $5..$6. Unrecognised practices count as Unknown ($3 = its key).
 */
export const factJumpOffs = query('build.factJumpOffs')`
INSERT INTO build_fact
SELECT $4, j.dim_key, g.grain, CASE g.grain WHEN 0 THEN r.wk ELSE r.mo END AS period_start,
       coalesce(p.practice_key, $3), r.release, count(*)
FROM build_event e
JOIN jump_off_dim j ON j.provider = e.provider AND j.service = e.service
CROSS JOIN (VALUES (0::UTINYINT), (1::UTINYINT)) g(grain)
LEFT JOIN build_practice p ON p.practice_code = e.practice_code
JOIN date_release r ON r.attr_date = e.event_date
WHERE e.event_type = 'jump_off'
  AND build_recomputes(g.grain, CASE g.grain WHEN 0 THEN r.wk ELSE r.mo END, $1, $2, $5, $6)
GROUP BY ALL
`;

/**
 * GP registered patients of all ages (metric $1) per practice for every period of build_period: the latest
 * practice-level release on or before the period start (else the first), the list_size_all figure where a
 * release has several. Only practices of the area model open at the period start (period_open: a closed
 * practice's patients are not carried forward from an older release); attributed as recorded at the period start.
 */
export const factPatientsAll = query('build.factPatientsAll')`
INSERT INTO build_fact
WITH releases AS (
  SELECT DISTINCT extract_date FROM list_size WHERE area_level = 'practice' AND patients_all IS NOT NULL
),
in_force AS (
  SELECT p.grain, p.period_start,
         coalesce((SELECT max(r.extract_date) FROM releases r WHERE r.extract_date <= p.period_start),
                  (SELECT min(r.extract_date) FROM releases r)) AS extract_date
  FROM build_period p
),
best AS (
  SELECT extract_date, area_code AS practice_code,
         arg_max(patients_all, CASE source_kind WHEN 'list_size_all' THEN 1 ELSE 0 END) AS patients
  FROM list_size
  WHERE area_level = 'practice' AND patients_all IS NOT NULL
  GROUP BY ALL
)
SELECT $1, 0, f.grain, f.period_start, p.practice_key, r.release, b.patients
FROM in_force f
JOIN best b USING (extract_date)
JOIN build_practice p ON p.practice_code = b.practice_code
JOIN period_open o ON o.grain = f.grain AND o.period_start = f.period_start AND o.practice_key = p.practice_key
JOIN date_release r ON r.attr_date = f.period_start
`;

/**
 * POMI monthly practice figures (month grain only), for months lying wholly within $1..$2. Unrecognised
 * practice codes count as Unknown ($3 = its key).
 */
export const factPomi = query('build.factPomi')`
INSERT INTO build_fact
SELECT s.metric_key, 0, 1, f.month, coalesce(p.practice_key, $3), r.release, sum(f.value)
FROM feed_pomi f
JOIN feed_selector s ON s.source = 'pomi' AND s.pomi_field = f.field
LEFT JOIN build_practice p ON p.practice_code = f.practice_code
JOIN date_release r ON r.attr_date = f.month
WHERE f.month >= $1 AND last_day(f.month) <= $2
GROUP BY ALL
`;

/**
 * Unique users in the 12 months ending with month $1: every user in the rolling state at $1 (u12_state),
 * once, at the practice of their most recent qualifying event in those months; its date picks the structure.
 */
export const factUnique12m = query('build.factUnique12m')`
INSERT INTO build_fact
SELECT m.metric_key, 0, 1, $1::DATE, s.practice_key, r.release, count(*)
FROM u12_state s
JOIN (SELECT DISTINCT metric_key, sig FROM metric_selector WHERE kind = 'unique_12m') m ON m.sig = s.sig
JOIN date_release r ON r.attr_date = s.attr_date
GROUP BY ALL
`;

/**
 * Unique users in the 12 months ending with each month from $1 to $2 in one pass over user_month, for a
 * build that carries no stored state forward (a full build, a late change): as factUnique12m would count
 * them month by month from a rolling state, 2.0 s of a 20 M event full build against 0.8 (ADR 0056). A
 * user's last qualifying event in month m is their most recent one for every target from m until the month
 * before their next active month, and at most 11 months on (as clickhouse.factUnique12m). Each such span adds
 * one user at its practice and release from its first target and removes them after its last; a running sum
 * over a grid of every target month gives the counts. Only partition $4 of $3 of the users by key hash.
 */
export const factUnique12mFromMonths = query('build.factUnique12mFromMonths')`
INSERT INTO build_fact
WITH months AS (
  -- Partitioned on one integer, the selector's key above the user's: on the selector's text and the user,
  -- the window took 0.7 s of 3 M months rather than 0.25.
  SELECT u.sig, u.month, u.practice_key, u.attr_date,
         lead(u.month) OVER (PARTITION BY CAST(s.sig_key AS BIGINT) * 4294967296 + u.user_id ORDER BY u.month)
           AS next_month
  FROM user_month u
  JOIN (SELECT DISTINCT sig, sig_key FROM metric_selector WHERE kind = 'unique_12m') s ON s.sig = u.sig
  WHERE u.month BETWEEN CAST($1::DATE - INTERVAL 11 MONTH AS DATE) AND $2::DATE
    AND hash(u.user_id) % CAST($3 AS UBIGINT) = CAST($4 AS UBIGINT)
),
spans AS (
  SELECT m.sig, m.practice_key, r.release, greatest(m.month, $1::DATE) AS first_target,
         -- The first target the span no longer counts (exclusive).
         least(coalesce(m.next_month, CAST($2::DATE + INTERVAL 1 MONTH AS DATE)),
               CAST(m.month + INTERVAL 12 MONTH AS DATE),
               CAST($2::DATE + INTERVAL 1 MONTH AS DATE)) AS end_target
  FROM months m
  JOIN date_release r ON r.attr_date = m.attr_date
),
steps AS (
  SELECT sig, practice_key, release, month, sum(d) AS d
  FROM (
    SELECT sig, practice_key, release, first_target AS month, 1 AS d FROM spans WHERE first_target < end_target
    UNION ALL
    SELECT sig, practice_key, release, end_target, -1 FROM spans WHERE first_target < end_target
  )
  GROUP BY ALL
),
series AS (
  SELECT sig, practice_key, release, min(month) AS first_month FROM steps GROUP BY ALL
),
grid AS (
  SELECT s.sig, s.practice_key, s.release, CAST(t.month AS DATE) AS month
  FROM series s
  JOIN generate_series(CAST($1::DATE AS TIMESTAMP), CAST($2::DATE AS TIMESTAMP), INTERVAL 1 MONTH) t(month)
    ON CAST(t.month AS DATE) >= s.first_month
),
running AS (
  SELECT g.sig, g.practice_key, g.release, g.month,
         sum(coalesce(st.d, 0)) OVER (PARTITION BY g.sig, g.practice_key, g.release ORDER BY g.month
                                      ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS n
  FROM grid g
  LEFT JOIN steps st
    ON st.sig = g.sig AND st.practice_key = g.practice_key AND st.release = g.release AND st.month = g.month
)
SELECT m.metric_key, 0, 1, x.month, x.practice_key, x.release, x.n
FROM running x
JOIN (SELECT DISTINCT metric_key, sig FROM metric_selector WHERE kind = 'unique_12m') m ON m.sig = x.sig
WHERE x.n > 0
`;

/**
 * Unique users per metric, week and month: each user once, at the practice of their last qualifying event
 * in the period; that event's date picks the structure in force.
 */
export const factUniquePeriod = query('build.factUniquePeriod')`
INSERT INTO build_fact
SELECT m.metric_key, 0, u.grain, u.period_start, u.last_practice, r.release, count(*)
FROM build_user_period u
JOIN (SELECT DISTINCT metric_key, sig_key FROM metric_selector WHERE kind = 'unique') m ON m.sig_key = u.sig_key
JOIN date_release r ON r.attr_date = u.last_date
GROUP BY ALL
`;

/**
 * App downloads, England only ($3 = its key), on both structures, for the months within $1..$2
 * and the weeks within $4..$5.
 */
export const feedDownloads = query('build.feedDownloads')`
INSERT INTO cell_build
WITH by_period AS (
  SELECT s.metric_key, g.grain, x.period_start, sum(f.downloads) AS value
  FROM feed_downloads_daily f
  JOIN feed_selector s ON s.source = 'downloads' AND (s.device_type IS NULL OR f.device_type = s.device_type)
  CROSS JOIN (VALUES (0::UTINYINT), (1::UTINYINT)) g(grain)
  CROSS JOIN LATERAL (
    SELECT CAST(CASE g.grain WHEN 0 THEN date_trunc('week', f.date) ELSE date_trunc('month', f.date) END AS DATE) AS period_start
  ) x
  WHERE f.date BETWEEN $1 AND $2
  GROUP BY ALL
)
SELECT st.structure, b.metric_key, 0, b.grain, b.period_start, $3, b.value, NULL
FROM by_period b
CROSS JOIN (VALUES (0::UTINYINT), (1::UTINYINT)) st(structure)
WHERE build_recomputes(b.grain, b.period_start, $1, $2, $4, $5)
`;

/**
 * Records a build inside its own transaction. $1 build id, $2 started_at, $3 finished_at (ISO instants, UTC),
 * $4 kind, $5 first and $6 last period start recomputed, $7 rows written, $8 data version, $9 events in the
 * warehouse.
 */
export const insertBuildLog = query('build.insertBuildLog')`
INSERT INTO build_log
VALUES ($1, CAST($2::TIMESTAMPTZ AS TIMESTAMP), CAST($3::TIMESTAMPTZ AS TIMESTAMP), $4, $5::DATE, $6::DATE, $7,
        $8, $9)
`;

/**
 * Records the timings of a build's steps, in the order run. $1 build id, $2 step names, $3 their milliseconds
 * (lists of the same length).
 */
export const insertBuildSteps = query('build.insertBuildSteps')`
INSERT INTO build_step
SELECT $1, CAST(i AS INTEGER), $2[i], CAST($3[i] AS DECIMAL(12, 3))
FROM range(1, len($2) + 1) t(i)
`;

/**
 * Every feed metric's selector: $1 a JSON array of {metric_id, source, snapshot_column, pomi_field,
 * device_type, provider, service} (null: any). JSON rather than a list per column: a bound list takes its type
 * from its first element, so a list starting with NULL would lose every value.
 */
export const insertFeedSelector = query('build.insertFeedSelector')`
INSERT INTO feed_selector
SELECT d.metric_key, s.source, s.snapshot_column, s.pomi_field, s.device_type, s.provider, s.service
FROM (
  SELECT unnest(from_json($1, '[{"metric_id": "VARCHAR", "source": "VARCHAR", "snapshot_column": "VARCHAR",
    "pomi_field": "VARCHAR", "device_type": "VARCHAR", "provider": "VARCHAR", "service": "VARCHAR"}]'),
    recursive := true)
) s
JOIN metric_dim d ON d.metric_id = s.metric_id
`;

/**
 * Every selector row of the metrics counted from events: $1 a JSON array of {metric_id, kind, sig, sig_key,
 * event_type, identity_level, record_type, channel, provider, service, p9_route} (null: any). One statement
 * rather than one per row: each costs about a millisecond however small, and there are dozens.
 */
export const insertMetricSelector = query('build.insertMetricSelector')`
INSERT INTO metric_selector
SELECT d.metric_key, s.kind, s.sig, s.sig_key, s.event_type, s.identity_level, s.record_type, s.channel,
       s.provider, s.service, s.p9_route
FROM (
  SELECT unnest(from_json($1, '[{"metric_id": "VARCHAR", "kind": "VARCHAR", "sig": "VARCHAR", "sig_key": "SMALLINT",
    "event_type": "VARCHAR", "identity_level": "VARCHAR", "record_type": "VARCHAR", "channel": "VARCHAR",
    "provider": "VARCHAR", "service": "VARCHAR", "p9_route": "VARCHAR"}]'), recursive := true)
) s
JOIN metric_dim d ON d.metric_id = s.metric_id
`;

/**
 * Keeps each user's last qualifying event per month for later builds (user_month.user_id holds the user's
 * integer key, ADR 0027).
 */
export const insertUserMonth = query('build.insertUserMonth')`
INSERT INTO user_month
SELECT s.sig, u.period_start, u.user_key, u.last_practice, u.last_date
FROM build_user_period u
JOIN (SELECT DISTINCT sig, sig_key FROM metric_selector) s ON s.sig_key = u.sig_key
WHERE u.grain = 1
`;

/**
 * The peer bands of the rates over patients aged 13+ at every level below England, per grain and period: the
 * rows getPeerBands computes from querySql.peersRateBandParts for each level and grain, with the same figure per area and the same
 * quantiles, so that a page reading them sees exactly what it would have computed. All rates in one pass over
 * the keyed cube (a statement per rate read the whole cube through the metric_value view each time). One
 * rate per list position: $1 rate ids, $2 numerator metric ids ('' for patients aged 13+ itself), $3
 * multipliers (as text), $4 and $5 its first week and first month (as text); $6 patient scale; $7 the
 * earliest of $4 and $5 (a constant the scans apply, so that an incremental build reads only its recent
 * periods' cells); $8 the area levels (AREA_LEVELS), which the statement carries as positions.
 */
export const peerBands = query('build.peerBands')`
INSERT INTO peer_band
WITH rate AS (
  SELECT unnest($1::VARCHAR[]) AS metric_id, unnest($2::VARCHAR[]) AS numerator_id,
         CAST(unnest($3::VARCHAR[]) AS DOUBLE) AS multiplier, CAST(unnest($4::VARCHAR[]) AS DATE) AS week_from,
         CAST(unnest($5::VARCHAR[]) AS DATE) AS month_from, unnest(range(len($1::VARCHAR[]))) AS i
),
-- One row per rate and grain, with the first period recomputed.
r AS (
  SELECT rate.i, rate.numerator_id = '' AS of_patients, rate.multiplier, m.metric_key AS numerator_key, g.grain,
         CASE g.grain WHEN 0 THEN rate.week_from ELSE rate.month_from END AS period_from
  FROM rate
  LEFT JOIN metric_dim m ON m.metric_id = rate.numerator_id
  CROSS JOIN (VALUES (0::UTINYINT), (1::UTINYINT)) g(grain)
),
peer_area AS (
  -- The level by its position in $8 (the levels): the rows joined and grouped below carry it, and the rate's
  -- numerator as a flag, not text (peer bands 2.4 -> 1.6 s of a 20 M event full build, ADR 0056).
  SELECT k.area_key, CAST(list_position($8::VARCHAR[], k.area_level) AS UTINYINT) AS level_no, a.is_current
  FROM area_dim k
  JOIN area a ON a.area_level = k.area_level AND a.area_code = k.area_code
  WHERE k.area_level <> 'england' AND k.area_code <> 'UNKNOWN'
),
den AS (
  SELECT d.grain, d.period_start, d.area_key, d.patients_13plus, p.level_no, p.is_current
  FROM area_den_cell d
  JOIN peer_area p ON p.area_key = d.area_key
  WHERE d.patients_13plus > 0 AND d.period_start >= $7::DATE
),
-- Rates are joined and grouped on their position (i), not their id: integer keys hash faster.
numerator AS (
  SELECT r.i, v.grain, v.period_start, v.area_key, v.value, v.uncovered
  FROM r
  JOIN metric_cell v ON v.metric_key = r.numerator_key AND v.grain = r.grain AND v.period_start >= r.period_from
  WHERE v.structure = 0 AND v.period_start >= $7::DATE
),
peer AS (
  SELECT r.i, d.level_no, d.grain, d.period_start,
         CASE WHEN r.of_patients THEN d.patients_13plus
              ELSE (coalesce(v.value, 0) - coalesce(v.uncovered, 0)) / (d.patients_13plus * $6) * r.multiplier
         END AS value
  FROM r
  JOIN den d ON d.grain = r.grain AND d.period_start >= r.period_from
  LEFT JOIN numerator v
    ON v.i = r.i AND v.grain = d.grain AND v.period_start = d.period_start AND v.area_key = d.area_key
  WHERE d.is_current OR v.value IS NOT NULL
),
bands AS (
  SELECT i, level_no, grain, period_start, count(*) AS n,
         quantile_cont(value, [0.1, 0.25, 0.5, 0.75, 0.9]) AS q
  FROM peer
  GROUP BY i, level_no, grain, period_start
)
SELECT rate.metric_id, ($8::VARCHAR[])[b.level_no], CASE b.grain WHEN 0 THEN 'week' ELSE 'month' END, b.period_start, b.n,
       b.q[1], b.q[2], b.q[3], b.q[4], b.q[5]
FROM bands b
JOIN rate ON rate.i = b.i
`;

/**
 * The stored peer bands about to be recomputed: those of rate $1[i] from week $2[i] and month $3[i] on (as
 * text), and those of rates not in $1 (no longer drawn).
 */
export const deletePeerBands = query('build.deletePeerBands')`
DELETE FROM peer_band
WHERE NOT list_contains($1::VARCHAR[], metric_id)
   OR period_start >= CAST(list_extract(CASE grain WHEN 'week' THEN $2::VARCHAR[] ELSE $3::VARCHAR[] END,
                                        list_position($1::VARCHAR[], metric_id)) AS DATE)
`;

/**
 * A London day counts as loaded when it has login activity, from events or the practice feed (logins happen every day in England);
 * registration history before the activity window does not make those days "loaded". $1..$2: the days
 * the build covers (deleted just before).
 */
export const replaceDataDays = query('build.replaceDataDays')`
INSERT INTO data_day
SELECT day, sum(logins) FROM (
  SELECT event_date AS day, count(*) AS logins FROM activity_event
  WHERE event_type = 'login' AND event_date BETWEEN $1 AND $2
  GROUP BY event_date
  UNION ALL
  -- A day of the NHS practice snapshot feed counts too (its dates are London dates).
  SELECT date, sum(coalesce(logins, 0)) FROM feed_practice_daily
  WHERE date BETWEEN $1 AND $2
  GROUP BY date
) d
GROUP BY day
`;

/**
 * Rolls practice figures up the structure in force on each attribution date (its release): one pass to the
 * PCN chains of each release, then every level from those. Practices are the same areas on both structures,
 * so only PCN and above are written here. $1 = the England area key.
 */
export const rollupAsRecorded = query('build.rollupAsRecorded')`
INSERT INTO cell_build
WITH chain AS (
  SELECT f.metric_key, f.dim_key, f.grain, f.period_start, a.pcn_key, a.sub_icb_key, a.icb_key, a.region_key,
         sum(f.n) AS value
  FROM build_fact f
  JOIN anc_recorded a ON a.release = f.release AND a.practice_key = f.practice_key
  GROUP BY ALL
)
SELECT 1, metric_key, dim_key, grain, period_start, coalesce(pcn_key, sub_icb_key, icb_key, region_key, $1),
       sum(value), NULL
FROM chain
GROUP BY GROUPING SETS (
  (metric_key, dim_key, grain, period_start, pcn_key),
  (metric_key, dim_key, grain, period_start, sub_icb_key),
  (metric_key, dim_key, grain, period_start, icb_key),
  (metric_key, dim_key, grain, period_start, region_key),
  (metric_key, dim_key, grain, period_start)
)
`;

/**
 * Rolls the practice rows of cell_build (rollupPractices, cumulativePractices: today's structure, nothing
 * else in cell_build yet) up today's structure: one pass to PCN chains (PCN, sub-ICB, ICB, region), which are
 * few, and every level above from those. Sums are exact. $1 = the England area key.
 */
export const rollupChainsCurrent = query('build.rollupChainsCurrent')`
INSERT INTO cell_build
WITH chain AS (
  SELECT r.metric_key, r.dim_key, r.grain, r.period_start, a.pcn_key, a.sub_icb_key, a.icb_key, a.region_key,
         sum(r.value) AS value, sum(r.uncovered) AS uncovered
  FROM cell_build r
  JOIN anc_current a ON a.practice_key = r.area_key
  WHERE r.structure = 0
  GROUP BY ALL
)
SELECT 0, metric_key, dim_key, grain, period_start, coalesce(pcn_key, sub_icb_key, icb_key, region_key, $1),
       sum(value), sum(uncovered)
FROM chain
GROUP BY GROUPING SETS (
  (metric_key, dim_key, grain, period_start, pcn_key),
  (metric_key, dim_key, grain, period_start, sub_icb_key),
  (metric_key, dim_key, grain, period_start, icb_key),
  (metric_key, dim_key, grain, period_start, region_key),
  (metric_key, dim_key, grain, period_start)
)
`;

export const setMeta = query('build.setMeta')`
INSERT INTO warehouse_meta (key, value) VALUES ($1, $2)
ON CONFLICT (key) DO UPDATE SET value = excluded.value
`;

/**
 * Adds the computed figures to the cube (the jump-off breakdown goes to store_jump_off_cells), ordered by
 * metric, grain, structure and area: pages and the API read one metric of one area (or one area's metrics) at
 * a time, or one metric of many areas in one grain, and with the cube in this order DuckDB's zone maps skip
 * almost all of it (a series read drops from ~50 ms to ~10 ms on the national demo cube; a ranking's read of
 * an ICB's practices over a year of months from 22 to 12 ms with grain and structure before area, issue 15.3;
 * readers must filter on the integer columns for the zone maps to apply, not on the views' names). An
 * incremental build appends its recent periods as a further sorted run.
 * The periods from $1 (recentFrom: a few months before the last loaded day) are stored after the others, each
 * part in that order: the next incremental build deletes and re-reads only recent periods, and with a
 * constant lower bound on period_start its scans skip the history's row groups (deleteRecomputed: 115 → 22 ms
 * of a 1.6 s incremental build at 20 M events); a page's read of a metric finds it in one range per part.
 */
export const storeCells = query('build.storeCells')`
INSERT INTO metric_cell (structure, metric_key, grain, period_start, area_key, value, uncovered)
SELECT structure, metric_key, grain, period_start, area_key, value, uncovered FROM cell_build WHERE dim_key = 0
ORDER BY period_start >= $1::DATE, metric_key, grain, structure, area_key, period_start
`;

/**
 * A full build's cells, unsorted: they go to its temporary copy of the cube, which buildMetrics then moves into
 * the warehouse in storeCells' order (moveCubeOrder), all of them in one sorted run (ADR 0053). The first
 * cells a full build stores need no copy: cell_build itself becomes that copy (adoptCellBuild).
 */
export const stageCells = query('build.stageCells')`
INSERT INTO metric_cell (structure, metric_key, grain, period_start, area_key, value, uncovered)
SELECT structure, metric_key, grain, period_start, area_key, value, uncovered FROM cell_build WHERE dim_key = 0
`;

/**
 * The order a full build moves its cube into the warehouse in ($1 recentFrom): storeCells' order, which it must
 * match. Not a whole statement: the warehouse's table is named by its database, which no parameter can be.
 */
export const moveCubeOrder =
  'ORDER BY period_start >= $1::DATE, metric_key, grain, structure, area_key, period_start';

/**
 * A full build's first cells become its temporary copy of the cube (empty until then) without a copy: the
 * breakdown rows (stored by storeJumpOffCells first) are deleted and cell_build is renamed, keeping its
 * dim_key column, which the cube's readers do not name (copying 17 M rows took 0.7 s of a 20 M event
 * build, ADR 0057). The inserts into metric_cell name their columns, and the move into the warehouse names
 * the cube's (moveCubeColumns).
 */
export const adoptCellBuild = query('build.adoptCellBuild')`
DELETE FROM cell_build WHERE dim_key <> 0;
DROP TABLE temp.main.metric_cell;
ALTER TABLE temp.main.cell_build RENAME TO metric_cell;
ALTER TABLE temp.main.metric_cell ALTER COLUMN dim_key SET DEFAULT 0
`;

/** The cube's columns as a full build moves its copy into the warehouse (the copy may hold dim_key too). */
export const moveCubeColumns = 'structure, metric_key, grain, period_start, area_key, value, uncovered';

export const storeJumpOffCells = query('build.storeJumpOffCells')`
INSERT INTO jump_off_cell
SELECT structure, metric_key, dim_key, grain, period_start, area_key, value FROM cell_build WHERE dim_key <> 0
`;

/**
 * Keeps the rolling 12-month state at month $1 (u12_state) for the next build to carry forward (ADR 0034).
 */
export const storeUser12m = query('build.storeUser12m')`
INSERT INTO user_12m
SELECT $1::DATE, sig, user_id, last_month, practice_key, attr_date FROM u12_state
`;

/**
 * A ratio of two stored metrics (ADR 0009), per structure, grain, period and area, from periods starting on
 * or after $5: numerator ($2) ÷ denominator ($3) × $4, stored as metric $1 wherever the denominator is
 * positive. $6: the numerator counts events, so an area and period without a stored figure had none (0);
 * otherwise (a feed) the area needs a stored numerator too.
 */
export const storedRatio = query('build.storedRatio')`
INSERT INTO metric_cell (structure, metric_key, grain, period_start, area_key, value, uncovered)
SELECT d.structure, $1::SMALLINT, d.grain, d.period_start, d.area_key,
       coalesce(n.value, 0) / d.value * $4, NULL
FROM metric_cell d
LEFT JOIN metric_cell n
  ON n.metric_key = $2 AND n.structure = d.structure AND n.grain = d.grain
 AND n.period_start = d.period_start AND n.area_key = d.area_key
WHERE d.metric_key = $3 AND d.period_start >= $5 AND d.value > 0 AND (n.value IS NOT NULL OR $6)
ORDER BY d.area_key, d.structure, d.grain, d.period_start
`;

/**
 * Moves the rolling 12-month state (u12_state, at the month before $1) on to month $1: users whose most recent
 * month falls out of the 12 months leave, and users active in $1 join or move to that month's practice and
 * attribution date (user_month, their last qualifying event in it). Partition $3 of $2 of the users.
 */
export const u12Advance = query('build.u12Advance')`
CREATE OR REPLACE TEMP TABLE u12_next AS
WITH joining AS (
  SELECT sig, user_id, month AS last_month, practice_key, attr_date
  FROM user_month
  WHERE month = $1
    AND sig IN (SELECT sig FROM metric_selector WHERE kind = 'unique_12m')
    AND hash(user_id) % CAST($2 AS UBIGINT) = CAST($3 AS UBIGINT)
)
-- An anti join: NOT EXISTS planned as a correlated subquery (a delim join), twice the time.
SELECT s.sig, s.user_id, s.last_month, s.practice_key, s.attr_date
FROM u12_state s
ANTI JOIN joining j ON j.sig = s.sig AND j.user_id = s.user_id
WHERE s.last_month >= CAST($1::DATE - INTERVAL 11 MONTH AS DATE)
UNION ALL
SELECT * FROM joining
`;

/**
 * Each user's most recent month of activity in the 12 months ending with month $1 (the rolling 12-month state
 * at $1, ADR 0034), read from the per-user monthly state: one row per selector and user with that month's
 * practice and attribution date. Used when no stored state can be carried forward (a full build, a late
 * change to an earlier month). Only partition $3 of $2 of the users by their key's hash (ADR 0027).
 */
export const u12StateFromMonths = query('build.u12StateFromMonths')`
CREATE OR REPLACE TEMP TABLE u12_state AS
SELECT sig, user_id, max(month) AS last_month,
       arg_max(practice_key, month) AS practice_key, arg_max(attr_date, month) AS attr_date
FROM user_month
WHERE sig IN (SELECT sig FROM metric_selector WHERE kind = 'unique_12m')
  AND month BETWEEN CAST($1::DATE - INTERVAL 11 MONTH AS DATE) AND $1
  AND hash(user_id) % CAST($2 AS UBIGINT) = CAST($3 AS UBIGINT)
GROUP BY sig, user_id
`;

/**
 * The stored rolling 12-month state at month $1 (user_12m), partition $3 of $2 of the users by key hash.
 */
export const u12StateFromStored = query('build.u12StateFromStored')`
CREATE OR REPLACE TEMP TABLE u12_state AS
SELECT sig, user_id, last_month, practice_key, attr_date
FROM user_12m
WHERE month = $1
  AND sig IN (SELECT sig FROM metric_selector WHERE kind = 'unique_12m')
  AND hash(user_id) % CAST($2 AS UBIGINT) = CAST($3 AS UBIGINT)
`;

/**
 * Gives every area (every level of the area model and of every recorded structure, Unknown included) a
 * stable key (existing keys are never changed).
 */
export const upsertAreaDim = query('build.upsertAreaDim')`
INSERT INTO area_dim
SELECT (SELECT coalesce(max(area_key), 0) FROM area_dim) + row_number() OVER (ORDER BY area_level, area_code),
       area_level, area_code
FROM (
  SELECT area_level, area_code FROM area
  UNION SELECT ancestor_level, ancestor_code FROM area_ancestry
  UNION SELECT 'england', 'E92000001'
  UNION SELECT level, 'UNKNOWN' FROM (VALUES ('practice'), ('pcn'), ('sub_icb'), ('icb'), ('region')) l(level)
  EXCEPT SELECT area_level, area_code FROM area_dim
)
`;

/**
 * Keys for every (provider, service) of jump-offs in the events and in the integrated-partners feed
 * between $1 and $2 (existing keys are never changed).
 */
export const upsertJumpOffDim = query('build.upsertJumpOffDim')`
INSERT INTO jump_off_dim
SELECT (SELECT coalesce(max(dim_key), 0) FROM jump_off_dim) + row_number() OVER (ORDER BY provider, service),
       provider, service
FROM (
  SELECT provider, service FROM activity_event
  WHERE event_type = 'jump_off' AND event_date BETWEEN $1 AND $2
  UNION SELECT provider, service FROM feed_partner_daily WHERE date BETWEEN $1 AND $2
  EXCEPT SELECT provider, service FROM jump_off_dim
)
`;

/**
 * Gives every catalogue metric id a stable small key (existing keys are never changed). $1 list of ids.
 */
export const upsertMetricDim = query('build.upsertMetricDim')`
INSERT INTO metric_dim
SELECT (SELECT coalesce(max(metric_key), 0) FROM metric_dim) + row_number() OVER (ORDER BY id), id
FROM (SELECT DISTINCT unnest($1::VARCHAR[]) AS id)
WHERE id NOT IN (SELECT metric_id FROM metric_dim)
`;
