import type { Clock } from '../domain/clock.ts';
import { isStoredRatio, type MetricDefinition } from '../domain/metric-definition.ts';
import type { Warehouse } from '../warehouse/db.ts';
import { sql, sqlLiteral } from '../warehouse/sql.ts';
import { listValue } from '@duckdb/node-api';
import { addMonths, isIsoDate, maxDate, minDate, periodEnd, periodStart } from '../domain/periods.ts';
import { EARLIEST_EVENT_DATE, latestEventDate } from '../domain/canonical-event.ts';
import { metricSelectorRows, selectorKind } from './selectors.ts';

export interface BuildResult {
  metrics: string[];
  /** Figures (re)computed from events by this build, running totals aside. */
  rows: number;
  incremental: boolean;
  dataVersion: number;
  builtAt: string;
  millis: number;
}

const FEED_SOURCES = ['practice_snapshot', 'integrated_partners', 'downloads', 'pomi'];

/**
 * Metrics this build computes: event counts, unique users and running totals of counts from activity
 * events, and figures from the NHS's aggregated feeds (kept under their own metric ids, ADR 0007).
 */
export function buildableMetrics(catalogue: MetricDefinition[]): MetricDefinition[] {
  const fromEvents = catalogue.filter(
    (m) =>
      m.source === 'events' &&
      (m.aggregation === 'event_count' || m.aggregation === 'unique_users') &&
      m.events,
  );
  const fromFeeds = catalogue.filter((m) => FEED_SOURCES.includes(m.source) && m.aggregation !== 'ratio');
  const countIds = new Set(fromEvents.filter((m) => m.aggregation === 'event_count').map((m) => m.id));
  const cumulative = catalogue.filter((m) => m.aggregation === 'cumulative' && m.of && countIds.has(m.of));
  const fromListSizes = catalogue.filter(
    (m) => m.source === 'list_sizes' && LIST_SIZE_METRICS.includes(m.id),
  );
  const stored = [...fromEvents, ...fromFeeds, ...fromListSizes, ...cumulative];
  const storedIds = new Set(stored.map((m) => m.id));
  // Ratios of two stored metrics are computed from their stored figures after everything else (ADR 0009).
  const ratios = catalogue.filter(
    (m) => isStoredRatio(m) && storedIds.has(m.numerator!) && storedIds.has(m.denominator!),
  );
  return [...stored, ...ratios];
}

export interface BuildRange {
  /** First and last London dates whose events changed; the build recomputes every figure they touch. */
  from: string;
  to: string;
}

interface BuildWindow {
  /** Events read for counts and per-period users; periods lying wholly inside are recomputed. */
  lo: string;
  hi: string;
  /** Target months of rolling 12-month users recomputed, and the events they read. */
  t12lo: string;
  t12hi: string;
  e12lo: string;
  e12hi: string;
}

/**
 * The plausible span of activity at `now` (EARLIEST_EVENT_DATE to tomorrow in London): a build never reads or
 * writes outside it, so a stray far-dated event (rejected at ingest since issue 16.2, but possibly stored
 * before) cannot make the build run away.
 */
export function buildBounds(now: Date): BuildRange {
  return { from: EARLIEST_EVENT_DATE, to: latestEventDate(now) };
}

/** The periods an incremental build must recompute for changed events between from and to, within bounds. */
export function buildWindow(range: BuildRange | undefined, bounds: BuildRange): BuildWindow {
  if (!range) {
    return {
      lo: bounds.from,
      hi: bounds.to,
      t12lo: bounds.from,
      t12hi: bounds.to,
      e12lo: bounds.from,
      e12hi: bounds.to,
    };
  }
  if (!isIsoDate(range.from) || !isIsoDate(range.to) || range.from > range.to) {
    throw new RangeError(`bad build range ${range.from}..${range.to}`);
  }
  // Changed dates outside the plausible span change no figure the build keeps.
  const from = minDate(maxDate(range.from, bounds.from), bounds.to);
  const to = maxDate(minDate(range.to, bounds.to), bounds.from);
  const lo = minDate(periodStart('week', from), periodStart('month', from));
  const lastWeek = periodStart('week', to);
  const lastMonth = periodStart('month', to);
  const hi = maxDate(periodEnd('week', lastWeek), periodEnd('month', lastMonth));
  const t12lo = periodStart('month', from);
  const t12hi = addMonths(lastMonth, 11);
  return { lo, hi, t12lo, t12hi, e12lo: addMonths(t12lo, -11), e12hi: periodEnd('month', t12hi) };
}

/**
 * What the figures were built from: the last event load, the feed loads the cube reads (the MI publication is
 * kept apart) and the reference releases. The build records them in the same transaction as the figures, so a
 * load whose build never committed (killed, failed) is found by comparing them with what is loaded now
 * (issue 16.4) — and a load that changed nothing (refused, already loaded) needs no build (issue 16.5).
 */
export interface BuildInputs {
  events: number;
  feeds: string;
  reference: string;
}

const BUILT_INPUTS_KEY = 'built_inputs';

const BUILD_INPUTS_SQL = `SELECT
  (SELECT coalesce(max(load_id), 0) FROM event_load) AS events,
  (SELECT count(*) || ':' || coalesce(max(load_id), 0) FROM feed_load WHERE kind <> 'mi-publication') AS feeds,
  (SELECT coalesce(md5(string_agg(kind || '|' || extract_date || '|' || sha256, ',' ORDER BY kind, extract_date)), '')
   FROM reference_release) AS reference`;

export async function currentBuildInputs(db: Warehouse): Promise<BuildInputs> {
  const row = (await db.one<{ events: number; feeds: string; reference: string }>(BUILD_INPUTS_SQL))!;
  return { events: Number(row.events), feeds: row.feeds, reference: row.reference };
}

/** The build the loaded data awaits, if any. */
export type PendingBuild =
  | { kind: 'none' }
  /** Only event loads since the last build: recompute the periods they touch (range null: they loaded no rows). */
  | { kind: 'incremental'; range: BuildRange | null; loads: number }
  | { kind: 'full'; reason: string };

/** Records the loads as built when they changed no figure (event loads that added no rows). */
export async function recordBuildInputs(db: Warehouse): Promise<void> {
  await db.run(sql('build/set_meta'), [BUILT_INPUTS_KEY, JSON.stringify(await currentBuildInputs(db))]);
}

export async function pendingBuild(db: Warehouse): Promise<PendingBuild> {
  const now = await currentBuildInputs(db);
  const stored = await db.scalar<string>('SELECT value FROM warehouse_meta WHERE key = $1', [
    BUILT_INPUTS_KEY,
  ]);
  if (!stored) {
    const builds = (await db.scalar<number>('SELECT count(*) FROM build_log'))!;
    const loads = now.events + Number(now.feeds.split(':')[0]);
    if (builds > 0)
      return { kind: 'full', reason: 'the warehouse does not record what its figures were built from' };
    return loads > 0 ? { kind: 'full', reason: 'data loaded but never built' } : { kind: 'none' };
  }
  const built = JSON.parse(stored) as BuildInputs;
  if (built.reference !== now.reference) return { kind: 'full', reason: 'reference data changed' };
  if (built.feeds !== now.feeds) return { kind: 'full', reason: 'NHS feed files loaded' };
  if (now.events < built.events) return { kind: 'full', reason: 'event loads removed' };
  if (now.events === built.events) return { kind: 'none' };
  const r = (await db.one<{ loads: number; first: string | null; last: string | null }>(
    `SELECT count(*) AS loads, CAST(min(first_event_date) AS VARCHAR) AS first, CAST(max(last_event_date) AS VARCHAR) AS last
     FROM event_load WHERE load_id > $1`,
    [built.events],
  ))!;
  return {
    kind: 'incremental',
    range: r.first && r.last ? { from: r.first, to: r.last } : null,
    loads: Number(r.loads),
  };
}

export interface BuildOptions {
  /**
   * How many partitions of the users' key hash the unique-user passes run in, one after another (default:
   * one per USER_PARTITION_EVENTS events in the build window). Figures are the same for any number.
   */
  userPartitions?: number;
}

/** Events per user partition when the build chooses: bounds the per-user state held in memory at once. */
export const USER_PARTITION_EVENTS = 25_000_000;

async function userPartitionsFor(db: Warehouse, lo: string, hi: string): Promise<number> {
  const n = (await db.scalar<number>(
    'SELECT count(*) FROM activity_event WHERE event_date BETWEEN $1 AND $2',
    [lo, hi],
  ))!;
  return Math.max(1, Math.ceil(Number(n) / USER_PARTITION_EVENTS));
}

/** Metrics computed from GP list sizes into the cube (patients aged 13+ are served from area_denominator). */
const LIST_SIZE_METRICS = ['patients_all'];

/** The metrics whose figures are also broken down by provider and service (jump_off_value). */
export const JUMP_OFF_BREAKDOWN = { events: 'jump_off_clicks', feed: 'partner_jump_off_clicks' } as const;

const TEMP_TABLES = [
  'metric_selector',
  'feed_selector',
  'build_practice',
  'anc_current',
  'anc_recorded',
  'build_release',
  'date_release',
  'build_fact',
  'build_period',
  'practice_den',
  'period_extract',
  'practice_has_den',
  'period_open',
  'rollup_in',
  'cell_build',
];

/**
 * Builds the metric cube in one transaction: readers see the old figures or the new ones, never a mix.
 * Without a range everything is recomputed; with one, only the weeks and months the changed dates touch,
 * the rolling 12-month windows that include them (from the users' stored last event per month), and the
 * running totals and list sizes from the first touched period on. Bumps the data version, which keys HTTP
 * caches, and records the build in build_log. Works on small integer keys throughout (ADR 0009).
 */
export async function buildMetrics(
  db: Warehouse,
  catalogue: MetricDefinition[],
  clock: Clock,
  range?: BuildRange,
  options: BuildOptions = {},
): Promise<BuildResult> {
  const started = Date.now();
  const metrics = buildableMetrics(catalogue);
  const ids = new Set(metrics.map((m) => m.id));
  // The later of the build's clock and the system's: a fixed test clock must not hide loaded events.
  const bounds = buildBounds(new Date(Math.max(clock.now().getTime(), Date.now())));
  const w = buildWindow(range, bounds);
  const cumulative = metrics.filter((m) => m.aggregation === 'cumulative');
  const fromFirstPeriod = [...cumulative.map((m) => m.id), ...LIST_SIZE_METRICS.filter((id) => ids.has(id))];
  return db.transaction(async (tx) => {
    await tx.run(sql('build/upsert_metric_dim'), [listValue(metrics.map((m) => m.id))]);
    await tx.run(sql('build/upsert_area_dim'));
    const areaKey = async (level: string, code: string) =>
      (await tx.scalar<number>('SELECT area_key FROM area_dim WHERE area_level = $1 AND area_code = $2', [
        level,
        code,
      ]))!;
    const metricKey = async (id: string) =>
      ids.has(id)
        ? (await tx.scalar<number>('SELECT metric_key FROM metric_dim WHERE metric_id = $1', [id]))!
        : -1;
    const unknown = await areaKey('practice', 'UNKNOWN');
    const england = await areaKey('england', 'E92000001');
    await tx.run(sql('build/create_build_keys'));
    await tx.run(sql('build/create_selectors'));
    for (const s of metricSelectorRows(metrics)) {
      await tx.run(sql('build/insert_metric_selector'), [
        s.metricId,
        s.kind,
        s.sig,
        s.eventType,
        s.identityLevel,
        s.recordType,
        s.channel,
        s.provider,
        s.service,
        s.p9Route,
        s.sigKey,
      ]);
    }
    for (const m of metrics.filter((x) => FEED_SOURCES.includes(x.source) && x.aggregation !== 'ratio')) {
      const f = m.feed ?? {};
      await tx.run(sql('build/insert_feed_selector'), [
        m.id,
        m.source,
        f.snapshot_column ?? null,
        f.pomi_field ?? null,
        f.device_type ?? null,
        f.provider ?? null,
        f.service ?? null,
      ]);
    }
    // Views take no parameters; the dates are validated ISO dates.
    await tx.run(
      `CREATE OR REPLACE TEMP VIEW build_event AS SELECT * FROM activity_event
       WHERE event_date BETWEEN ${sqlLiteral(w.lo)} AND ${sqlLiteral(w.hi)}`,
    );
    // Loaded days first: running totals and denominators start at the first period with activity.
    await tx.run('DELETE FROM data_day WHERE day BETWEEN $1 AND $2 OR day NOT BETWEEN $3 AND $4', [
      w.lo,
      w.hi,
      bounds.from,
      bounds.to,
    ]);
    await tx.run(sql('build/replace_data_days'), [w.lo, w.hi]);
    const firstDay = (await tx.scalar<string | null>('SELECT min(day) FROM data_day')) ?? '0001-01-01';
    // Running totals and denominators are recomputed from here on; earlier periods are unchanged.
    const gridStart = range ? maxDate(firstDay, w.lo) : firstDay;
    const span = (await tx.one<{ first: string | null; last: string | null }>(sql('build/date_range'), [
      gridStart,
      bounds.from,
      bounds.to,
    ]))!;
    await tx.run(sql('build/create_date_release'), [span.first ?? gridStart, span.last ?? gridStart]);
    await tx.run(sql('build/create_build_fact'));
    await tx.run(sql('build/fact_counts'), [w.lo, w.hi, unknown]);

    const jumpOffEvents = await metricKey(JUMP_OFF_BREAKDOWN.events);
    const jumpOffFeed = await metricKey(JUMP_OFF_BREAKDOWN.feed);
    if (jumpOffEvents >= 0 || jumpOffFeed >= 0) await tx.run(sql('build/upsert_jump_off_dim'), [w.lo, w.hi]);
    if (jumpOffEvents >= 0) await tx.run(sql('build/fact_jump_offs'), [w.lo, w.hi, unknown, jumpOffEvents]);

    const kinds = new Set(metrics.filter((m) => m.source === 'events').map((m) => selectorKind(m)));
    const hasUnique = metrics.some((m) => m.aggregation === 'unique_users' && m.source === 'events');
    // Unique users by partitions of the users' key hash (ADR 0027): each user lies in one partition, so the
    // partitions' practice figures add up exactly, and memory holds one partition's per-user state at a time.
    const parts = options.userPartitions ?? (await userPartitionsFor(tx, w.lo, w.hi));
    if (hasUnique) {
      if (range) await tx.run(sql('build/delete_user_month'), [w.lo, w.hi]);
      else await tx.run('DELETE FROM user_month');
      for (let part = 0; part < parts; part++) {
        await tx.run(sql('build/create_user_period'), [w.lo, w.hi, unknown, parts, part]);
        await tx.run(sql('build/fact_unique_period'));
        await tx.run(sql('build/insert_user_month'));
        await tx.run('DROP TABLE build_user_period');
      }
    }
    const lastMonth = await tx.scalar<string | null>(
      "SELECT CAST(date_trunc('month', max(event_date)) AS DATE) FROM activity_event WHERE event_date BETWEEN $1 AND $2",
      [bounds.from, bounds.to],
    );
    if (kinds.has('unique_12m') && lastMonth) {
      for (let part = 0; part < parts; part++) {
        await tx.run(sql('build/fact_unique_12m'), [
          maxDate(w.t12lo, '1900-01-01'),
          w.t12hi,
          lastMonth,
          parts,
          part,
        ]);
      }
    }
    await tx.run(sql('build/fact_feed_days'), [w.lo, w.hi, unknown, jumpOffFeed]);
    await tx.run(sql('build/fact_pomi'), [w.lo, w.hi, unknown]);
    await tx.run(sql('build/create_build_period'), [gridStart]);
    await tx.run(sql('build/create_practice_den'));
    for (const id of LIST_SIZE_METRICS) {
      if (ids.has(id)) await tx.run(sql('build/fact_patients_all'), [await metricKey(id)]);
    }

    await tx.run(sql('build/create_rollup_in'));
    await tx.run(sql('build/create_cell_build'));
    await tx.run(sql('build/rollup_current'), [england]);
    await tx.run(sql('build/rollup_as_recorded'), [england]);
    await tx.run(sql('build/feed_downloads'), [w.lo, w.hi, england]);
    if (range) {
      await tx.run(sql('build/delete_recomputed'), [
        w.lo,
        w.hi,
        w.t12lo,
        w.t12hi,
        listValue(fromFirstPeriod),
        gridStart,
      ]);
      await tx.run(sql('build/delete_recomputed_jump_offs'), [w.lo, w.hi]);
    } else {
      await tx.run('DELETE FROM metric_cell');
      await tx.run('DELETE FROM jump_off_cell');
    }
    let rows = 0;
    let firstPeriod: string | null = null;
    let lastPeriod: string | null = null;
    const store = async () => {
      const r = (await tx.one<{ n: number; first: string | null; last: string | null }>(
        'SELECT count(*) AS n, min(period_start) AS first, max(period_start) AS last FROM cell_build',
      ))!;
      rows += r.n;
      if (r.first && (!firstPeriod || r.first < firstPeriod)) firstPeriod = r.first;
      if (r.last && (!lastPeriod || r.last > lastPeriod)) lastPeriod = r.last;
      await tx.run(sql('build/store_cells'));
      await tx.run(sql('build/store_jump_off_cells'));
    };
    await store();
    if (cumulative.length > 0) {
      await tx.run(sql('build/create_cum_map'), [
        listValue(cumulative.map((m) => m.id)),
        listValue(cumulative.map((m) => m.of!)),
      ]);
      // After the first loaded period, the stored running totals of the period before give the opening.
      const fromStored = range !== undefined && gridStart > firstDay ? '_from_stored' : '';
      await tx.run(sql(`build/cumulative_practices${fromStored}`), [gridStart]);
      await tx.run('DELETE FROM cell_build');
      await tx.run(sql('build/rollup_current'), [england]);
      await tx.run(sql(`build/cumulative_as_recorded${fromStored}`), [gridStart]);
      await store();
      await tx.run('DROP TABLE cum_map');
    }
    // Ratios of two stored metrics, from the stored figures of every period whose parts may have changed:
    // every recomputed period starts on or after the first period containing the build window's start.
    const ratioFrom = range ? minDate(periodStart('week', w.lo), periodStart('month', w.lo)) : '0001-01-01';
    for (const m of metrics.filter(isStoredRatio)) {
      const [ratioKey, numKey, denKey] = [
        await metricKey(m.id),
        await metricKey(m.numerator!),
        await metricKey(m.denominator!),
      ];
      await tx.run('DELETE FROM metric_cell WHERE metric_key = $1 AND period_start >= $2', [
        ratioKey,
        ratioFrom,
      ]);
      // Figures from events are 0 where not stored; a feed figure that is not stored was not reported.
      const numeratorFromEvents = catalogue.find((x) => x.id === m.numerator)?.source === 'events';
      await tx.run(sql('build/stored_ratio'), [
        ratioKey,
        numKey,
        denKey,
        m.multiplier ?? 1,
        ratioFrom,
        numeratorFromEvents,
      ]);
    }
    await tx.run(sql('build/delete_area_denominators'), [range ? gridStart : '0001-01-01']);
    await tx.run(sql('build/area_denominators'), [england]);

    const previous = await tx.scalar<string>("SELECT value FROM warehouse_meta WHERE key = 'data_version'");
    const dataVersion = (previous ? Number(previous) : 0) + 1;
    const builtAt = clock.now().toISOString();
    await tx.run(sql('build/set_meta'), ['data_version', String(dataVersion)]);
    await tx.run(sql('build/set_meta'), ['built_at', builtAt]);
    // Started and finished on the build's clock (fixed in tests), the duration measured.
    const finished = clock.now().getTime();
    await tx.run(sql('build/insert_build_log'), [
      new Date(finished - (Date.now() - started)).toISOString(),
      new Date(finished).toISOString(),
      range ? 'incremental' : 'full',
      firstPeriod,
      lastPeriod,
      rows,
      dataVersion,
      (await tx.scalar<number>('SELECT count(*) FROM activity_event'))!,
    ]);
    // Last, so that a build whose commit was torn is found and redone (pendingBuild).
    await tx.run(sql('build/set_meta'), [BUILT_INPUTS_KEY, JSON.stringify(await currentBuildInputs(tx))]);
    for (const table of TEMP_TABLES) await tx.run(`DROP TABLE ${table}`);
    await tx.run('DROP VIEW build_event');
    return {
      metrics: metrics.map((m) => m.id),
      rows,
      dataVersion,
      builtAt,
      millis: Date.now() - started,
      incremental: range !== undefined,
    };
  });
}
