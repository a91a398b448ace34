import type { Clock } from '../domain/clock.ts';
import type { MetricDefinition } from '../domain/metric-definition.ts';
import type { Warehouse } from '../warehouse/db.ts';
import { sql, sqlLiteral } from '../warehouse/sql.ts';
import { listValue } from '@duckdb/node-api';
import { addMonths, isIsoDate, maxDate, minDate, periodEnd, periodStart } from '../domain/periods.ts';

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
  const fromFeeds = catalogue.filter((m) => FEED_SOURCES.includes(m.source));
  const countIds = new Set(fromEvents.filter((m) => m.aggregation === 'event_count').map((m) => m.id));
  const cumulative = catalogue.filter((m) => m.aggregation === 'cumulative' && m.of && countIds.has(m.of));
  return [...fromEvents, ...fromFeeds, ...cumulative];
}

function selectorKind(m: MetricDefinition): 'count' | 'unique' | 'unique_12m' {
  if (m.aggregation === 'event_count') return 'count';
  return m.window === 'rolling_12_months' ? 'unique_12m' : 'unique';
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

const ALL: BuildWindow = {
  lo: '0001-01-01',
  hi: '9999-12-31',
  t12lo: '0001-01-01',
  t12hi: '9999-12-31',
  e12lo: '0001-01-01',
  e12hi: '9999-12-31',
};

/** The periods an incremental build must recompute for changed events between from and to. */
export function buildWindow(range: BuildRange | undefined): BuildWindow {
  if (!range) return ALL;
  if (!isIsoDate(range.from) || !isIsoDate(range.to) || range.from > range.to) {
    throw new RangeError(`bad build range ${range.from}..${range.to}`);
  }
  const lo = minDate(periodStart('week', range.from), periodStart('month', range.from));
  const lastWeek = periodStart('week', range.to);
  const lastMonth = periodStart('month', range.to);
  const hi = maxDate(periodEnd('week', lastWeek), periodEnd('month', lastMonth));
  const t12lo = periodStart('month', range.from);
  const t12hi = addMonths(lastMonth, 11);
  return { lo, hi, t12lo, t12hi, e12lo: addMonths(t12lo, -11), e12hi: periodEnd('month', t12hi) };
}

/**
 * Builds the metric cube in one transaction: readers see the old figures or the new ones, never a mix.
 * Without a range everything is recomputed; with one, only the weeks and months the changed dates touch,
 * the rolling 12-month windows that include them, and the running totals. Bumps the data version, which
 * keys HTTP caches.
 */
export async function buildMetrics(
  db: Warehouse,
  catalogue: MetricDefinition[],
  clock: Clock,
  range?: BuildRange,
): Promise<BuildResult> {
  const started = Date.now();
  const metrics = buildableMetrics(catalogue);
  const w = buildWindow(range);
  const cumulativeIds = metrics.filter((m) => m.aggregation === 'cumulative').map((m) => m.id);
  return db.transaction(async (tx) => {
    await tx.run(sql('build/create_metric_selector'));
    for (const m of metrics) {
      if (m.aggregation === 'cumulative' || m.source !== 'events' || !m.events) continue;
      const where = m.events.where ?? {};
      for (const type of m.events.types) {
        await tx.run(sql('build/insert_metric_selector'), [
          m.id,
          selectorKind(m),
          type,
          where.identity_level ?? null,
          where.record_type ?? null,
          where.channel ?? null,
          where.provider ?? null,
          where.service ?? null,
        ]);
      }
    }
    await tx.run(sql('build/create_feed_selector'));
    for (const m of metrics.filter((x) => FEED_SOURCES.includes(x.source))) {
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
    await tx.run(
      `CREATE OR REPLACE TEMP VIEW build_event_12m AS SELECT * FROM activity_event
       WHERE event_date BETWEEN ${sqlLiteral(w.e12lo)} AND ${sqlLiteral(w.e12hi)}`,
    );
    // Loaded days first: running totals and denominators start at the first period with activity.
    await tx.run('DELETE FROM data_day WHERE day BETWEEN $1 AND $2', [w.lo, w.hi]);
    await tx.run(sql('build/replace_data_days'), [w.lo, w.hi]);
    const firstDay = (await tx.scalar<string | null>('SELECT min(day) FROM data_day')) ?? '0001-01-01';
    // Running totals and denominators are recomputed from here on; earlier periods are unchanged.
    const gridStart = range ? maxDate(firstDay, w.lo) : firstDay;
    const deleteFrom = range ? gridStart : '0001-01-01';
    await tx.run(sql('build/practice_day_counts'));
    await tx.run(sql('build/feed_practice_day_counts'), [w.lo, w.hi]);
    await tx.run(sql('build/unique_users_period'), [w.lo, w.hi]);
    await tx.run(sql('build/unique_users_12m'), [w.t12lo, w.t12hi]);
    await tx.run(sql('build/create_practice_period_count'), [w.lo, w.hi]);
    await tx.run(sql('build/feed_pomi_counts'), [w.lo, w.hi]);
    await tx.run(sql('build/practice_denominators'), [gridStart]);
    await tx.run(sql('build/create_metric_value_build'));
    await tx.run(sql('build/rollup_current'));
    await tx.run(sql('build/release_ancestry'));
    await tx.run(sql('build/date_release'));
    await tx.run(sql('build/rollup_as_recorded'));
    await tx.run(sql('build/feed_downloads'), [w.lo, w.hi]);
    await tx.run(sql('build/delete_recomputed'), [
      w.lo,
      w.hi,
      w.t12lo,
      w.t12hi,
      listValue(cumulativeIds),
      deleteFrom,
    ]);
    await tx.run(sql('build/replace_metric_values'));
    for (const m of metrics) {
      if (m.aggregation === 'cumulative') {
        await tx.run(sql('build/cumulative'), [m.id, m.of!, gridStart]);
        await tx.run(sql('build/cumulative_uncovered'), [m.id, gridStart]);
      }
    }
    await tx.run(sql('build/delete_area_denominators'), [deleteFrom]);
    await tx.run(sql('build/area_denominators'));
    const rows = (await tx.scalar<number>('SELECT count(*) FROM metric_value_build'))!;
    const previous = await tx.scalar<string>("SELECT value FROM warehouse_meta WHERE key = 'data_version'");
    const dataVersion = (previous ? Number(previous) : 0) + 1;
    const builtAt = clock.now().toISOString();
    await tx.run(sql('build/set_meta'), ['data_version', String(dataVersion)]);
    await tx.run(sql('build/set_meta'), ['built_at', builtAt]);
    for (const table of [
      'metric_value_build',
      'practice_period_count',
      'unique_practice_count',
      'practice_day_count',
      'practice_den',
      'metric_selector',
      'feed_selector',
      'release_ancestry',
      'date_release',
    ]) {
      await tx.run(`DROP TABLE ${table}`);
    }
    await tx.run('DROP VIEW build_event');
    await tx.run('DROP VIEW build_event_12m');
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
