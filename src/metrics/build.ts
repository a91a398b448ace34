import type { Clock } from '../domain/clock.ts';
import type { MetricDefinition } from '../domain/metric-definition.ts';
import { builtBy, isKind, type KindBuildStep } from '../domain/metric-kind.ts';
import type { Warehouse } from '../warehouse/db.ts';
import { sqlIdentifier, sqlLiteral } from '../warehouse/sql.ts';
import { listValue } from '@duckdb/node-api';
import { addMonths, isIsoDate, maxDate, minDate, periodEnd, periodStart } from '../domain/periods.ts';
import { EARLIEST_EVENT_DATE, latestEventDate } from '../domain/canonical-event.ts';
import { bandedRates } from '../domain/page-rates.ts';
import { AREA_LEVELS } from '../domain/areas.ts';
import { metricSelectorRows } from './selectors.ts';
import * as buildSql from '../warehouse/sql/build.ts';

export interface BuildResult {
  metrics: string[];
  /**
   * Cells this build stored: figures (running totals included) and their provider and service breakdowns;
   * ratios, computed from stored figures afterwards, aside.
   */
  rows: number;
  incremental: boolean;
  dataVersion: number;
  builtAt: string;
  millis: number;
  /**
   * The steps run, in order, with their wall-clock milliseconds (also in build_step) and the process's CPU
   * milliseconds meanwhile (all DuckDB threads; for the benchmarks, not stored: a server does other work).
   */
  steps: { name: string; millis: number; cpuMillis: number }[];
}

/**
 * Metrics this build computes: event counts, unique users and running totals of counts from activity
 * events, and figures from the NHS's aggregated feeds (kept under their own metric ids, ADR 0007).
 */
export function buildableMetrics(catalogue: MetricDefinition[]): MetricDefinition[] {
  // Which step builds a metric is its kind's (src/domain/metric-kind.ts builtBy).
  const by = (...steps: KindBuildStep[]) => catalogue.filter((m) => steps.includes(builtBy(m)!));
  const fromEvents = by('event-counts', 'unique-users', 'rolling-12-month-users').filter((m) => m.events);
  const countIds = new Set(fromEvents.filter((m) => isKind(m, 'count')).map((m) => m.id));
  const cumulative = by('running-totals').filter((m) => countIds.has(m.of!));
  const stored = [...fromEvents, ...by('feed-figures'), ...by('list-sizes'), ...cumulative];
  const storedIds = new Set(stored.map((m) => m.id));
  // Ratios of two stored metrics are computed from their stored figures after everything else (ADR 0009).
  const ratios = by('ratios').filter((m) => storedIds.has(m.numerator!) && storedIds.has(m.denominator!));
  return [...stored, ...ratios];
}

export interface BuildRange {
  /** First and last London dates whose events changed; the build recomputes every figure they touch. */
  from: string;
  to: string;
}

interface BuildWindow {
  /** Events read for counts and per-period users; the months lying wholly inside are recomputed. */
  lo: string;
  hi: string;
  /**
   * The weeks recomputed: those lying wholly inside, from the week of the first changed date to the week of
   * the last. The window reaches back to the start of the first changed month, but the weeks between hold no
   * changed date (a new week of 9-15 November rewrote 2-8 November too: a quarter of its cells).
   */
  weekLo: string;
  weekHi: string;
  /** Target months of rolling 12-month users recomputed, and the events they read. */
  t12lo: string;
  t12hi: string;
  e12lo: string;
  e12hi: string;
  /** The first changed date (within bounds), and the week and month it falls in: no earlier figure changes. */
  first: string;
  firstWeek: string;
  firstMonth: string;
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
      weekLo: bounds.from,
      weekHi: bounds.to,
      t12lo: bounds.from,
      t12hi: bounds.to,
      e12lo: bounds.from,
      e12hi: bounds.to,
      first: bounds.from,
      firstWeek: periodStart('week', bounds.from),
      firstMonth: periodStart('month', bounds.from),
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
  return {
    lo,
    hi,
    weekLo: periodStart('week', from),
    weekHi: periodEnd('week', lastWeek),
    t12lo,
    t12hi,
    e12lo: addMonths(t12lo, -11),
    e12hi: periodEnd('month', t12hi),
    first: from,
    firstWeek: periodStart('week', from),
    firstMonth: t12lo,
  };
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
  await db.run(buildSql.setMeta, [BUILT_INPUTS_KEY, JSON.stringify(await currentBuildInputs(db))]);
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

/** Practice keys createUserPeriod can pack beside an instant in one BIGINT (2^22; ADR 0055). */
const USER_PERIOD_PRACTICE_KEYS = 4_194_304;

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
  'cell_build',
];

/** What the build's steps share: the settings it was asked for, and what earlier steps found or counted. */
interface BuildState {
  tx: Warehouse;
  catalogue: MetricDefinition[];
  metrics: MetricDefinition[];
  ids: Set<string>;
  range: BuildRange | undefined;
  bounds: BuildRange;
  w: BuildWindow;
  clock: Clock;
  options: BuildOptions;
  cumulative: MetricDefinition[];
  /** Metrics from list sizes (patients of all ages), recomputed from gridStart on (running totals: cumStart). */
  listSizeIds: string[];
  /** metric_key of each metric id (step `dimensions`). */
  metricKeys: Map<string, number>;
  /** area_key of the Unknown practice and of England. */
  unknown: number;
  england: number;
  /** The first loaded day, and the first day whose list sizes and denominators are recomputed. */
  firstDay: string;
  gridStart: string;
  /**
   * The first day whose running totals are recomputed: the first changed date (no count before its week and
   * month changed), or the first loaded day when that is later or the build is full.
   */
  cumStart: string;
  /** The last event date within the build's bounds (step `loaded-days`), if any. */
  lastEvent: string | null;
  /** User-hash partitions of the unique-user passes (ADR 0027). */
  parts: number;
  rows: number;
  firstPeriod: string | null;
  lastPeriod: string | null;
  dataVersion: number;
  builtAt: string;
}

/** One named step of the build: what it reads and writes (tables; temp tables are the build's own). */
export interface BuildStep {
  name: string;
  reads: readonly string[];
  writes: readonly string[];
  why: string;
  run: (s: BuildState) => Promise<void>;
}

/** The key of a metric this build stores, else -1 (looked up once, in step `dimensions`). */
const metricKey = (s: BuildState, id: string) => (s.ids.has(id) ? (s.metricKeys.get(id) ?? -1) : -1);

const areaKey = async (s: BuildState, level: string, code: string) =>
  (await s.tx.scalar<number>('SELECT area_key FROM area_dim WHERE area_level = $1 AND area_code = $2', [
    level,
    code,
  ]))!;

const hasUniqueUsers = (s: BuildState) => s.metrics.some((m) => isKind(m, 'unique_users', 'rolling_window'));

/**
 * Moves cell_build into the cube, counting what it wrote, and leaves cell_build empty. It is made anew rather
 * than deleted from: a DELETE keeps the rows' memory, and a full build's 20 M rows there (with build_fact's,
 * which nothing reads after the roll-up either) pushed a gigabyte of the later steps' tables out to disk.
 */
async function storeCells(s: BuildState): Promise<void> {
  const r = (await s.tx.one<{ n: number; first: string | null; last: string | null }>(
    'SELECT count(*) AS n, min(period_start) AS first, max(period_start) AS last FROM cell_build',
  ))!;
  s.rows += r.n;
  if (r.first && (!s.firstPeriod || r.first < s.firstPeriod)) s.firstPeriod = r.first;
  if (r.last && (!s.lastPeriod || r.last > s.lastPeriod)) s.lastPeriod = r.last;
  // A full build sorts its cells once, as it moves them into the warehouse (buildMetrics); while its copy of
  // the cube is empty, cell_build becomes that copy rather than being copied into it.
  await s.tx.run(buildSql.storeJumpOffCells);
  if (s.range) await s.tx.run(buildSql.storeCells, [recentFrom(s.bounds.to)]);
  else if ((await s.tx.scalar<number>('SELECT count(*) FROM temp.main.metric_cell')) === 0) {
    await s.tx.run(buildSql.adoptCellBuild);
  } else await s.tx.run(buildSql.stageCells);
  await s.tx.run(buildSql.createCellBuild);
}

/** At most this many months of user_month are read to carry a stored rolling state forward to a build's start. */
const MAX_CARRY_MONTHS = 3;

/**
 * Rolling 12-month users from a per-user state carried a month at a time (ADR 0034): the state at the month
 * before the first target comes from the stored state (user_12m) moved on by the months between. Each target
 * month then drops the users whose most recent month leaves the window and takes that month's active users.
 * When no stored state can be used (a full build, a late change to a month at or before the stored one), every
 * target is counted in one pass over user_month instead (factUnique12mFromMonths, ADR 0056). The state at the
 * month before the last month with events is stored for the next build: a new week of that month starts from
 * it, and the first week of the next month moves it on by one month.
 */
async function rolling12MonthUsers(s: BuildState): Promise<void> {
  const { tx, w } = s;
  const sigs = [
    ...new Set(
      metricSelectorRows(s.metrics)
        .filter((x) => x.kind === 'unique_12m')
        .map((x) => x.sig),
    ),
  ];
  if (sigs.length === 0) return;
  const first = await tx.scalar<string | null>(
    'SELECT CAST(min(month) AS VARCHAR) FROM user_month WHERE list_contains($1, sig)',
    [listValue(sigs)],
  );
  if (!s.lastEvent || !first) return;
  const lastMonth = periodStart('month', s.lastEvent);
  const firstTarget = periodStart('month', maxDate(w.t12lo, first));
  const lastTarget = minDate(w.t12hi, lastMonth);
  if (firstTarget > lastTarget) return;
  const before = addMonths(firstTarget, -1);
  const keep = addMonths(lastMonth, -1);
  const stored = await tx.one<{ month: string | null; sigs: string[] | null }>(
    'SELECT CAST(max(month) AS VARCHAR) AS month, list(DISTINCT sig) AS sigs FROM user_12m',
  );
  // A stored state is usable when no month it was built from has changed (it is not after `before`), it
  // holds every selector, and it is at most a few months behind.
  const carryFrom =
    s.range &&
    stored?.month &&
    stored.month <= before &&
    addMonths(stored.month, MAX_CARRY_MONTHS) >= before &&
    sigs.every((x) => (stored.sigs ?? []).includes(x))
      ? stored.month
      : null;
  if (carryFrom === null) {
    // No state to carry: every target month in one pass over user_month, and the state at `keep` (when it is
    // a target or the month before the first) kept for the next build.
    await tx.run('DELETE FROM user_12m');
    for (let part = 0; part < s.parts; part++) {
      await tx.run(buildSql.factUnique12mFromMonths, [firstTarget, lastTarget, s.parts, part]);
      if (keep >= before && keep <= lastTarget) {
        await tx.run(buildSql.u12StateFromMonths, [keep, s.parts, part]);
        await tx.run(buildSql.storeUser12m, [keep]);
        await tx.run('DROP TABLE u12_state');
      }
    }
    return;
  }
  const rewrite = carryFrom !== keep;
  for (let part = 0; part < s.parts; part++) {
    await tx.run(buildSql.u12StateFromStored, [carryFrom, s.parts, part]);
    for (let m = addMonths(carryFrom, 1); m <= before; m = addMonths(m, 1)) await advance(m, part);
    if (rewrite && before === keep) await tx.run(buildSql.storeUser12m, [keep]);
    for (let target = firstTarget; target <= lastTarget; target = addMonths(target, 1)) {
      await advance(target, part);
      await tx.run(buildSql.factUnique12m, [target]);
      if (rewrite && target === keep) await tx.run(buildSql.storeUser12m, [keep]);
    }
    await tx.run('DROP TABLE u12_state');
  }
  if (rewrite) await tx.run('DELETE FROM user_12m WHERE month <> $1', [keep]);

  async function advance(month: string, part: number): Promise<void> {
    await tx.run(buildSql.u12Advance, [month, s.parts, part]);
    await tx.run('DROP TABLE u12_state');
    await tx.run('ALTER TABLE u12_next RENAME TO u12_state');
  }
}

/**
 * Peer bands of the rates area pages draw (src/domain/page-rates.ts), per level, grain and period: what
 * getPeerBands computes from querySql.peersRateBandParts, stored so that a page reads rows instead of taking quantiles over
 * every practice's figures. An incremental build recomputes the weeks and months from those of the first
 * changed date (a band depends only on its own period's figures and denominators); a rate whose numerator,
 * multiplier or demo patient scale changed is recomputed whole, and rates no longer drawn are dropped.
 */
async function storePeerBands(s: BuildState): Promise<void> {
  const { tx } = s;
  const demo = await tx.scalar<string | null>("SELECT value FROM warehouse_meta WHERE key = 'demo'");
  // As getDataStatus reads it: rates on demo data are over the scaled patients.
  const scale = (demo ? (JSON.parse(demo) as { scale?: number }).scale : undefined) ?? 1;
  const rates = bandedRates(s.catalogue).filter((r) => s.ids.has(r.numeratorId));
  const held = new Map(
    (
      await tx.all<{ metric_id: string; numerator_id: string; multiplier: number; patient_scale: number }>(
        'SELECT metric_id, numerator_id, multiplier, patient_scale FROM peer_band_metric',
      )
    ).map((r) => [r.metric_id, r]),
  );
  // A rate whose numerator, multiplier or demo patient scale changed is recomputed whole; the others from the
  // first week and month the changed dates fall in (every figure and denominator of a period before them is
  // as the last build left it, so its band is too).
  const whole = '0001-01-01';
  const from = rates.map((r) => {
    const h = held.get(r.metricId);
    const same =
      s.range !== undefined &&
      h !== undefined &&
      h.numerator_id === r.numeratorId &&
      h.multiplier === r.multiplier &&
      h.patient_scale === scale;
    return same ? { week: s.w.firstWeek, month: s.w.firstMonth } : { week: whole, month: whole };
  });
  await tx.run('DELETE FROM peer_band_metric');
  // An empty list cannot be bound (it has no item type).
  if (rates.length === 0) {
    await tx.run('DELETE FROM peer_band');
    return;
  }
  const ids = listValue(rates.map((r) => r.metricId));
  const weeks = listValue(from.map((f) => f.week));
  const months = listValue(from.map((f) => f.month));
  await tx.run(buildSql.deletePeerBands, [ids, weeks, months]);
  // Lists of numbers go as text, cast in SQL (a list bound from JS numbers takes the type of its first).
  await tx.run(buildSql.peerBands, [
    ids,
    listValue(rates.map((r) => r.numeratorId)),
    listValue(rates.map((r) => String(r.multiplier))),
    weeks,
    months,
    scale,
    from.map((f) => minDate(f.week, f.month)).reduce((a, b) => minDate(a, b)),
    listValue([...AREA_LEVELS]),
  ]);
  await tx.run(
    `INSERT INTO peer_band_metric
     SELECT unnest($1::VARCHAR[]), unnest($2::VARCHAR[]), CAST(unnest($3::VARCHAR[]) AS DOUBLE), $4`,
    [
      ids,
      listValue(rates.map((r) => r.numeratorId)),
      listValue(rates.map((r) => String(r.multiplier))),
      scale,
    ],
  );
}

/**
 * The build, in order (issue 9): `build --explain` prints this list and every build runs all of it, each step
 * timed into build_step. A step with nothing to do for a build (no running totals in the catalogue, say)
 * still runs and takes no time. Temp tables are the build's own and are dropped at its end.
 */
export const BUILD_STEPS: readonly BuildStep[] = [
  {
    name: 'dimensions',
    reads: ['metric catalogue', 'area', 'area_ancestry'],
    writes: ['metric_dim', 'area_dim'],
    why: 'the cube stores small integer keys for metrics and areas (ADR 0009)',
    run: async (s) => {
      await s.tx.run(buildSql.upsertMetricDim, [listValue(s.metrics.map((m) => m.id))]);
      await s.tx.run(buildSql.upsertAreaDim);
      const keys = await s.tx.all<{ id: string; key: number }>(
        'SELECT metric_id AS id, metric_key AS key FROM metric_dim',
      );
      s.metricKeys = new Map(keys.map((k) => [k.id, Number(k.key)]));
      s.unknown = await areaKey(s, 'practice', 'UNKNOWN');
      s.england = await areaKey(s, 'england', 'E92000001');
    },
  },
  {
    name: 'structures',
    reads: ['area_dim', 'area', 'area_ancestry'],
    writes: ['build_practice', 'anc_current', 'build_release', 'anc_recorded'],
    why: "each practice's areas in today's structure and in every release, looked up once",
    run: async (s) => {
      await s.tx.run(buildSql.createBuildKeys);
    },
  },
  {
    name: 'selectors',
    reads: ['metric catalogue', 'metric_dim'],
    writes: ['metric_selector', 'feed_selector'],
    why: 'which events and feed columns each metric counts, as rows the SQL joins on',
    run: async (s) => {
      await s.tx.run(buildSql.createSelectors);
      // One statement per table, the rows as JSON (a statement per row cost a millisecond each).
      const rows = metricSelectorRows(s.metrics).map((x) => ({
        metric_id: x.metricId,
        kind: x.kind,
        sig: x.sig,
        sig_key: x.sigKey,
        event_type: x.eventType,
        identity_level: x.identityLevel,
        record_type: x.recordType,
        channel: x.channel,
        provider: x.provider,
        service: x.service,
        p9_route: x.p9Route,
      }));
      await s.tx.run(buildSql.insertMetricSelector, [JSON.stringify(rows)]);
      const feeds = s.metrics
        .filter((x) => builtBy(x) === 'feed-figures')
        .map((m) => ({
          metric_id: m.id,
          source: m.source,
          snapshot_column: m.feed?.snapshot_column ?? null,
          pomi_field: m.feed?.pomi_field ?? null,
          device_type: m.feed?.device_type ?? null,
          provider: m.feed?.provider ?? null,
          service: m.feed?.service ?? null,
        }));
      await s.tx.run(buildSql.insertFeedSelector, [JSON.stringify(feeds)]);
    },
  },
  {
    name: 'loaded-days',
    reads: ['activity_event', 'feed_practice_daily', 'feed_partner_daily', 'feed_pomi', 'build_release'],
    writes: ['data_day', 'build_event', 'build_recomputes', 'date_release'],
    why: 'running totals and denominators start at the first day with activity; each day takes the release in force',
    run: async (s) => {
      const { tx, w, bounds } = s;
      // Views take no parameters; the dates are validated ISO dates.
      await tx.run(
        `CREATE OR REPLACE TEMP VIEW build_event AS SELECT * FROM activity_event
         WHERE event_date BETWEEN ${sqlLiteral(w.lo)} AND ${sqlLiteral(w.hi)}`,
      );
      await tx.run(buildSql.createRecomputesMacro);
      await tx.run('DELETE FROM data_day WHERE day BETWEEN $1 AND $2 OR day NOT BETWEEN $3 AND $4', [
        w.lo,
        w.hi,
        bounds.from,
        bounds.to,
      ]);
      await tx.run(buildSql.replaceDataDays, [w.lo, w.hi]);
      s.firstDay = (await tx.scalar<string | null>('SELECT min(day) FROM data_day')) ?? '0001-01-01';
      // List sizes and denominators are recomputed from here on, running totals from the first changed date
      // (the window reaches back to the start of its week and month); earlier periods are unchanged.
      s.gridStart = s.range ? maxDate(s.firstDay, w.lo) : s.firstDay;
      s.cumStart = s.range ? maxDate(s.firstDay, w.first) : s.firstDay;
      const span = (await tx.one<{
        first: string | null;
        last: string | null;
        first_event: string | null;
        last_event: string | null;
      }>(buildSql.dateRange, [s.gridStart, bounds.from, bounds.to]))!;
      // Loads refuse events outside the plausible span; rows stored before that rule are left out here too.
      const inSpan =
        span.first_event !== null &&
        span.last_event !== null &&
        span.first_event >= bounds.from &&
        span.last_event <= bounds.to;
      s.lastEvent = inSpan
        ? span.last_event
        : ((await tx.scalar<string | null>(
            'SELECT CAST(max(event_date) AS VARCHAR) FROM activity_event WHERE event_date BETWEEN $1 AND $2',
            [bounds.from, bounds.to],
          )) ?? null);
      await tx.run(buildSql.createDateRelease, [span.first ?? s.gridStart, span.last ?? s.gridStart]);
    },
  },
  {
    name: 'event-counts',
    reads: ['build_event', 'metric_selector', 'build_practice', 'date_release'],
    writes: ['build_fact'],
    why: 'events per metric, practice and day, summed into weeks and months',
    run: async (s) => {
      await s.tx.run(buildSql.createBuildFact);
      await s.tx.run(buildSql.factCounts, [s.w.lo, s.w.hi, s.unknown, s.w.weekLo, s.w.weekHi]);
    },
  },
  {
    name: 'jump-offs',
    reads: ['build_event', 'feed_partner_daily', 'build_practice', 'date_release'],
    writes: ['jump_off_dim', 'build_fact'],
    why: 'jump-off clicks are also broken down by provider and service',
    run: async (s) => {
      const events = metricKey(s, JUMP_OFF_BREAKDOWN.events);
      const feed = metricKey(s, JUMP_OFF_BREAKDOWN.feed);
      if (events >= 0 || feed >= 0) await s.tx.run(buildSql.upsertJumpOffDim, [s.w.lo, s.w.hi]);
      if (events >= 0) {
        await s.tx.run(buildSql.factJumpOffs, [s.w.lo, s.w.hi, s.unknown, events, s.w.weekLo, s.w.weekHi]);
      }
    },
  },
  {
    name: 'unique-users',
    reads: ['build_event', 'metric_selector', 'build_practice', 'date_release'],
    writes: ['build_fact', 'user_month'],
    why: 'each user once per week and month, at the practice of their last event; months kept for rolling 12 months',
    run: async (s) => {
      const { tx, w } = s;
      // By partitions of the users' key hash (ADR 0027): each user lies in one partition, so the partitions'
      // practice figures add up exactly, and memory holds one partition's per-user state at a time.
      s.parts = s.options.userPartitions ?? (await userPartitionsFor(tx, w.lo, w.hi));
      if (!hasUniqueUsers(s)) return;
      if (s.range) await tx.run(buildSql.deleteUserMonth, [w.lo, w.hi]);
      else await tx.run('DELETE FROM user_month');
      // createUserPeriod packs each practice key into 22 bits of a BIGINT (ADR 0055).
      const keys = (await tx.one<{ lo: number | null; hi: number | null }>(
        "SELECT min(area_key) AS lo, max(area_key) AS hi FROM area_dim WHERE area_level = 'practice'",
      ))!;
      if (Number(keys.lo ?? 0) < 0 || Number(keys.hi ?? 0) >= USER_PERIOD_PRACTICE_KEYS) {
        throw new RangeError(
          `practice area keys ${keys.lo}..${keys.hi} exceed the ${USER_PERIOD_PRACTICE_KEYS} the unique-user step packs`,
        );
      }
      await tx.run(buildSql.createUserEventView);
      for (let part = 0; part < s.parts; part++) {
        await tx.run(buildSql.createUserPeriod, [w.lo, w.hi, s.parts, part, w.weekLo, w.weekHi]);
        const tied = (await tx.scalar<number>(
          'SELECT count(*) FROM build_user_period WHERE last_practice IS NULL',
        ))!;
        if (Number(tied) > 0) await tx.run(buildSql.resolveTiedUserPeriods);
        await tx.run(buildSql.factUniquePeriod);
        await tx.run(buildSql.insertUserMonth);
        await tx.run('DROP TABLE build_user_period');
      }
    },
  },
  {
    name: 'rolling-12-month-users',
    reads: ['user_month', 'user_12m', 'metric_selector', 'date_release'],
    writes: ['build_fact', 'user_12m'],
    why: 'users in the 12 months to each month: the previous month’s users, less those leaving, plus those joining',
    run: rolling12MonthUsers,
  },
  {
    name: 'feed-figures',
    reads: ['feed_practice_daily', 'feed_partner_daily', 'feed_pomi', 'feed_selector', 'date_release'],
    writes: ['build_fact'],
    why: "the NHS's aggregated feeds are kept beside the events under their own metric ids (ADR 0007)",
    run: async (s) => {
      const jumpOffFeed = metricKey(s, JUMP_OFF_BREAKDOWN.feed);
      await s.tx.run(buildSql.factFeedDays, [s.w.lo, s.w.hi, s.unknown, jumpOffFeed, s.w.weekLo, s.w.weekHi]);
      await s.tx.run(buildSql.factPomi, [s.w.lo, s.w.hi, s.unknown]);
    },
  },
  {
    name: 'list-sizes',
    reads: ['build_fact', 'data_day', 'list_size', 'area_ancestry', 'build_release'],
    writes: ['build_period', 'practice_den', 'build_fact'],
    why: 'patients per practice and period: the denominators, and the patients_all metric',
    run: async (s) => {
      await s.tx.run(buildSql.createBuildPeriod, [s.gridStart]);
      await s.tx.run(buildSql.createPracticeDen);
      for (const id of LIST_SIZE_METRICS) {
        if (s.ids.has(id)) await s.tx.run(buildSql.factPatientsAll, [metricKey(s, id)]);
      }
    },
  },
  {
    name: 'roll-up',
    reads: [
      'build_fact',
      'metric_selector',
      'practice_den',
      'anc_current',
      'anc_recorded',
      'feed_downloads_daily',
    ],
    writes: ['cell_build'],
    why: 'practice figures summed to every level, in both structures (current and as recorded)',
    run: async (s) => {
      await s.tx.run(buildSql.createCellBuild);
      await s.tx.run(buildSql.rollupPractices, [s.parts]);
      await s.tx.run(buildSql.rollupChainsCurrent, [s.england]);
      await s.tx.run(buildSql.rollupAsRecorded, [s.england]);
      await s.tx.run(buildSql.feedDownloads, [s.w.lo, s.w.hi, s.england, s.w.weekLo, s.w.weekHi]);
      // Nothing reads the practice facts after this: made anew to give back their memory (storeCells).
      await s.tx.run(buildSql.createBuildFact);
    },
  },
  {
    name: 'store',
    reads: ['cell_build', 'metric_selector', 'feed_selector'],
    writes: ['metric_cell', 'jump_off_cell'],
    why: 'the recomputed periods replace their old figures (all of them in a full build)',
    run: async (s) => {
      const { tx, w } = s;
      if (s.range) {
        await tx.run(buildSql.deleteRecomputed, [w.lo, w.hi, w.t12lo, w.t12hi, w.weekLo, w.weekHi]);
        const fromDates = [
          ...s.listSizeIds.map((id) => ({ id, from: s.gridStart })),
          ...s.cumulative.map((m) => ({ id: m.id, from: s.cumStart })),
        ];
        if (fromDates.length > 0) {
          await tx.run(buildSql.deleteRecomputedFromDates, [
            JSON.stringify(fromDates),
            fromDates.map((f) => f.from).reduce((a, b) => minDate(a, b)),
          ]);
        }
        await tx.run(buildSql.deleteRecomputedJumpOffs, [w.lo, w.hi, w.weekLo, w.weekHi]);
      } else {
        await tx.run('DELETE FROM metric_cell');
        await tx.run('DELETE FROM jump_off_cell');
      }
      await storeCells(s);
    },
  },
  {
    name: 'running-totals',
    reads: ['metric_cell', 'practice_den', 'anc_current', 'anc_recorded'],
    writes: ['metric_cell'],
    why: 'totals to date from the stored counts; after the first period, from the stored total of the period before',
    run: async (s) => {
      const { tx } = s;
      if (s.cumulative.length === 0) return;
      await tx.run(buildSql.createCumMap, [
        listValue(s.cumulative.map((m) => m.id)),
        listValue(s.cumulative.map((m) => m.of!)),
      ]);
      // Opens from the stored totals only after the first day; a full build starts on it (cumStart = firstDay).
      await tx.run(buildSql.cumulativeRunning, [s.cumStart, s.firstDay]);
      await tx.run(buildSql.cumulativePractices);
      await tx.run(buildSql.rollupChainsCurrent, [s.england]);
      await tx.run(buildSql.cumulativeAsRecorded);
      await storeCells(s);
      await tx.run('DROP TABLE cum_running');
      await tx.run('DROP TABLE cum_map');
    },
  },
  {
    name: 'ratios',
    reads: ['metric_cell'],
    writes: ['metric_cell'],
    why: 'ratios of two stored metrics, from their stored figures once everything else is stored (ADR 0009)',
    run: async (s) => {
      // Every period whose parts may have changed: each recomputed period starts on or after the first
      // period containing the build window's start.
      const ratioFrom = s.range
        ? minDate(periodStart('week', s.w.lo), periodStart('month', s.w.lo))
        : '0001-01-01';
      for (const m of s.metrics.filter((x) => isKind(x, 'ratio'))) {
        const [ratioKey, numKey, denKey] = [
          metricKey(s, m.id),
          metricKey(s, m.numerator!),
          metricKey(s, m.denominator!),
        ];
        await s.tx.run('DELETE FROM metric_cell WHERE metric_key = $1 AND period_start >= $2', [
          ratioKey,
          ratioFrom,
        ]);
        // Figures from events are 0 where not stored; a feed figure that is not stored was not reported.
        const numeratorFromEvents = s.catalogue.find((x) => x.id === m.numerator)?.source === 'events';
        await s.tx.run(buildSql.storedRatio, [
          ratioKey,
          numKey,
          denKey,
          m.multiplier ?? 1,
          ratioFrom,
          numeratorFromEvents,
        ]);
      }
    },
  },
  {
    name: 'denominators',
    reads: ['practice_den', 'anc_current'],
    writes: ['area_den_cell'],
    why: 'patients aged 13+ per area and period, for rates computed when read (ADR 0006)',
    run: async (s) => {
      await s.tx.run(buildSql.deleteAreaDenominators, [s.range ? s.gridStart : '0001-01-01']);
      await s.tx.run(buildSql.areaDenominators, [s.england]);
    },
  },
  {
    name: 'peer-bands',
    reads: ['metric_cell', 'area_den_cell', 'area', 'warehouse_meta', 'metric catalogue'],
    writes: ['peer_band', 'peer_band_metric'],
    why: 'the spread of each rate area pages draw across the areas of every level, so a page reads it (issue 14.2)',
    run: storePeerBands,
  },
  {
    name: 'data-version',
    reads: ['warehouse_meta'],
    writes: ['warehouse_meta'],
    why: 'a new data version keys the HTTP caches',
    run: async (s) => {
      const previous = await s.tx.scalar<string>(
        "SELECT value FROM warehouse_meta WHERE key = 'data_version'",
      );
      s.dataVersion = (previous ? Number(previous) : 0) + 1;
      s.builtAt = s.clock.now().toISOString();
      await s.tx.run(buildSql.setMeta, ['data_version', String(s.dataVersion)]);
      await s.tx.run(buildSql.setMeta, ['built_at', s.builtAt]);
    },
  },
];

/** What the build does after its steps, in the same transaction (not a step: it records their timings). */
export const BUILD_RECORD =
  'records the build and its step timings (build_log, build_step), then what it was built from (warehouse_meta)';

/** The steps in order, with what each reads and writes: `build --explain`. */
export function explainBuild(): string {
  const lines = BUILD_STEPS.map(
    (st, i) =>
      `${String(i + 1).padStart(2)}. ${st.name}\n      reads:  ${st.reads.join(', ')}\n      writes: ${st.writes.join(', ')}\n      why:    ${st.why}`,
  );
  return [
    'The build runs these steps in order (full: every period, on temporary copies of the tables it rewrites, moved into the warehouse in one transaction at the end; incremental: the periods the new events touch, in one transaction):',
    ...lines,
    `Then it ${BUILD_RECORD}.`,
  ].join('\n');
}

/**
 * Builds the metric cube; readers see the old figures or the new ones, never a mix. An incremental build runs
 * in one transaction; a full build computes on temporary copies and commits them in one (ADR 0053).
 * Without a range everything is recomputed; with one, only the weeks and months the changed dates touch,
 * the rolling 12-month windows that include them (from the users' stored last event per month), and the
 * running totals and list sizes from the first touched period on. Runs BUILD_STEPS in order, timing each;
 * bumps the data version, which keys HTTP caches, and records the build and its step timings in build_log
 * and build_step. Works on small integer keys throughout (ADR 0009).
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
  const cumulative = metrics.filter((m) => isKind(m, 'running_total'));
  const newState = (tx: Warehouse): BuildState => ({
    tx,
    catalogue,
    metrics,
    ids,
    range,
    bounds,
    w,
    clock,
    options,
    cumulative,
    listSizeIds: LIST_SIZE_METRICS.filter((id) => ids.has(id)),
    metricKeys: new Map(),
    unknown: -1,
    england: -1,
    firstDay: '0001-01-01',
    gridStart: '0001-01-01',
    cumStart: '0001-01-01',
    lastEvent: null,
    parts: 1,
    rows: 0,
    firstPeriod: null,
    lastPeriod: null,
    dataVersion: 0,
    builtAt: '',
  });
  const timings: StepTiming[] = [];
  if (range) {
    // An incremental build reads and writes little: all of it in one transaction.
    return db.transaction(async (tx) => {
      const s = newState(tx);
      await runSteps(s, BUILD_STEPS, timings);
      return finish(tx, s, timings, started);
    });
  }
  // A full build computes outside a transaction, into temporary copies of the tables it rewrites, and then
  // replaces them in one transaction (ADR 0053): DuckDB scans rows written in the open transaction on one
  // thread, and a full build reads back tens of millions of them (storing 16 M cells took 5.5 s in the
  // transaction against 2.5 s from committed rows). Until that transaction commits, the stored figures, the
  // data version and the build log are those of the last build; a failure leaves them as they were.
  const database = sqlIdentifier((await db.scalar<string>('SELECT current_database()'))!);
  const outside = BUILD_STEPS.filter((st) => !COMMIT_STEPS.has(st.name));
  const inside = BUILD_STEPS.filter((st) => COMMIT_STEPS.has(st.name));
  try {
    // Unqualified names resolve to temporary tables first: every step writes and reads the copies.
    await db.run(
      REWRITTEN_TABLES.map(
        (t) => `CREATE OR REPLACE TEMP TABLE ${t} AS SELECT * FROM ${database}.main.${t} LIMIT 0`,
      ).join(';\n'),
    );
    const s = newState(db);
    await runSteps(s, outside, timings);
    return await db.transaction(async (tx) => {
      s.tx = tx;
      for (const t of REWRITTEN_TABLES) {
        await tx.run(`DELETE FROM ${database}.main.${t}`);
        // The cube sorted as storeCells sorts, in one run; the other tables in their copy's order.
        if (t === 'metric_cell') {
          await tx.run(
            `INSERT INTO ${database}.main.${t} SELECT ${buildSql.moveCubeColumns} FROM temp.main.${t} ${buildSql.moveCubeOrder}`,
            [recentFrom(bounds.to)],
          );
        } else await tx.run(`INSERT INTO ${database}.main.${t} SELECT * FROM temp.main.${t}`);
      }
      await runSteps(s, inside, timings);
      return finish(tx, s, timings, started);
    });
  } finally {
    // A copy left behind would hide its table from every later statement on this connection.
    await db.run(
      [...REWRITTEN_TABLES, ...TEMP_TABLES, ...OTHER_TEMP_TABLES]
        .map((t) => `DROP TABLE IF EXISTS temp.main.${t}`)
        .concat(
          'DROP VIEW IF EXISTS temp.main.build_user_event',
          'DROP VIEW IF EXISTS temp.main.build_event',
          'DROP MACRO IF EXISTS temp.main.build_recomputes',
        )
        .join(';\n'),
    );
  }
}

interface StepTiming {
  name: string;
  millis: number;
  cpuMillis: number;
}

/**
 * The tables a full build rewrites whole: it builds them as temporary tables of the same names and moves them
 * into the warehouse at its end (buildMetrics). The dictionaries (metric_dim, area_dim, jump_off_dim) are
 * extended in place: a key given by a build that then fails is unused, and changes no figure.
 */
const REWRITTEN_TABLES = [
  'data_day',
  'user_month',
  'user_12m',
  'metric_cell',
  'jump_off_cell',
  'area_den_cell',
  'peer_band',
  'peer_band_metric',
];

/** Temporary tables some steps create and drop themselves (dropped again after a failed full build). */
const OTHER_TEMP_TABLES = [
  'u12_state',
  'u12_next',
  'build_user_period',
  'cum_running',
  'cum_map',
  'practice_has_den',
];

/** Steps a full build runs in its closing transaction: they announce the new figures. */
const COMMIT_STEPS = new Set(['data-version']);

async function runSteps(s: BuildState, steps: readonly BuildStep[], timings: StepTiming[]): Promise<void> {
  for (const step of steps) {
    const t0 = process.hrtime.bigint();
    const cpu0 = process.cpuUsage();
    await step.run(s);
    const cpu = process.cpuUsage(cpu0);
    timings.push({
      name: step.name,
      millis: Number(process.hrtime.bigint() - t0) / 1e6,
      cpuMillis: (cpu.user + cpu.system) / 1000,
    });
  }
}

/** Records the build and its step timings, then what it was built from; drops the build's temporary tables. */
async function finish(
  tx: Warehouse,
  s: BuildState,
  timings: StepTiming[],
  started: number,
): Promise<BuildResult> {
  // Started and finished on the build's clock (fixed in tests), the duration measured.
  const finished = s.clock.now().getTime();
  const buildId = (await tx.scalar<number>('SELECT coalesce(max(build_id), 0) + 1 FROM build_log'))!;
  await tx.run(buildSql.insertBuildLog, [
    buildId,
    new Date(finished - (Date.now() - started)).toISOString(),
    new Date(finished).toISOString(),
    s.range ? 'incremental' : 'full',
    s.firstPeriod,
    s.lastPeriod,
    s.rows,
    s.dataVersion,
    (await tx.scalar<number>('SELECT count(*) FROM activity_event'))!,
  ]);
  await tx.run(buildSql.insertBuildSteps, [
    buildId,
    listValue(timings.map((t) => t.name)),
    // As text, cast in SQL: a list bound from JS numbers takes its type from the first (an integer such
    // as 12 makes it INTEGER[], and a later 3.5 then fails to bind).
    listValue(timings.map((t) => t.millis.toFixed(3))),
  ]);
  // Last, so that a build whose commit was torn is found and redone (pendingBuild).
  await tx.run(buildSql.setMeta, [BUILT_INPUTS_KEY, JSON.stringify(await currentBuildInputs(tx))]);
  // One call (the statements still run one by one): each call costs about a millisecond.
  await tx.run(
    [
      ...TEMP_TABLES.map((table) => `DROP TABLE ${table}`),
      'DROP VIEW IF EXISTS build_user_event',
      'DROP VIEW build_event',
      'DROP MACRO build_recomputes',
    ].join(';\n'),
  );
  return {
    metrics: s.metrics.map((m) => m.id),
    rows: s.rows,
    dataVersion: s.dataVersion,
    builtAt: s.builtAt,
    millis: Date.now() - started,
    incremental: s.range !== undefined,
    steps: timings,
  };
}

/**
 * Cells of periods from this date on are stored after the history (buildSql.storeCells): the week holding the
 * first day of the month two months before the last loaded day's, so that the next weeks' incremental builds
 * (which recompute the new week's week and month, and a month straddled) touch only that part. A layout hint:
 * no figure depends on it.
 */
export function recentFrom(lastDay: string): string {
  return periodStart('week', addMonths(periodStart('month', lastDay), -2));
}
