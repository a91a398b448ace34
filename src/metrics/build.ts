import type { Clock } from '../domain/clock.ts';
import type { MetricDefinition } from '../domain/metric-definition.ts';
import type { Warehouse } from '../warehouse/db.ts';
import { sql } from '../warehouse/sql.ts';

export interface BuildResult {
  metrics: string[];
  rows: number;
  dataVersion: number;
  builtAt: string;
  millis: number;
}

/** Metrics this build computes from activity events: event counts, unique users and running totals of counts. */
export function buildableMetrics(catalogue: MetricDefinition[]): MetricDefinition[] {
  const fromEvents = catalogue.filter(
    (m) =>
      m.source === 'events' &&
      (m.aggregation === 'event_count' || m.aggregation === 'unique_users') &&
      m.events,
  );
  const countIds = new Set(fromEvents.filter((m) => m.aggregation === 'event_count').map((m) => m.id));
  const cumulative = catalogue.filter((m) => m.aggregation === 'cumulative' && m.of && countIds.has(m.of));
  return [...fromEvents, ...cumulative];
}

function selectorKind(m: MetricDefinition): 'count' | 'unique' | 'unique_12m' {
  if (m.aggregation === 'event_count') return 'count';
  return m.window === 'rolling_12_months' ? 'unique_12m' : 'unique';
}

/**
 * Rebuilds the metric cube from all loaded events, in one transaction: readers see the old figures
 * or the new ones, never a mix. Bumps the data version, which keys HTTP caches.
 */
export async function buildMetrics(
  db: Warehouse,
  catalogue: MetricDefinition[],
  clock: Clock,
): Promise<BuildResult> {
  const started = Date.now();
  const metrics = buildableMetrics(catalogue);
  return db.transaction(async (tx) => {
    await tx.run(sql('build/create_metric_selector'));
    for (const m of metrics) {
      if (m.aggregation === 'cumulative' || !m.events) continue;
      const w = m.events.where ?? {};
      for (const type of m.events.types) {
        await tx.run(sql('build/insert_metric_selector'), [
          m.id,
          selectorKind(m),
          type,
          w.identity_level ?? null,
          w.record_type ?? null,
          w.channel ?? null,
          w.provider ?? null,
          w.service ?? null,
        ]);
      }
    }
    await tx.run(sql('build/practice_day_counts'));
    await tx.run(sql('build/unique_users_period'));
    await tx.run(sql('build/unique_users_12m'));
    await tx.run(sql('build/create_practice_period_count'));
    await tx.run(sql('build/practice_denominators'));
    await tx.run(sql('build/create_metric_value_build'));
    await tx.run(sql('build/rollup_current'));
    await tx.run(sql('build/rollup_as_recorded'));
    for (const m of metrics) {
      if (m.aggregation === 'cumulative') {
        await tx.run(sql('build/cumulative'), [m.id, m.of!]);
        await tx.run(sql('build/cumulative_uncovered'), [m.id]);
      }
    }
    await tx.run('DELETE FROM area_denominator');
    await tx.run(sql('build/area_denominators'));
    await tx.run('DELETE FROM metric_value');
    await tx.run(sql('build/replace_metric_values'));
    await tx.run('DELETE FROM data_day');
    await tx.run(sql('build/replace_data_days'));
    const rows = (await tx.scalar<number>('SELECT count(*) FROM metric_value'))!;
    const previous = await tx.scalar<string>("SELECT value FROM warehouse_meta WHERE key = 'data_version'");
    const dataVersion = (previous ? Number(previous) : 0) + 1;
    const builtAt = clock.now().toISOString();
    await tx.run(sql('build/set_meta'), ['data_version', String(dataVersion)]);
    await tx.run(sql('build/set_meta'), ['built_at', builtAt]);
    await tx.run('DROP TABLE metric_value_build');
    await tx.run('DROP VIEW practice_period_count');
    await tx.run('DROP TABLE unique_practice_count');
    await tx.run('DROP TABLE practice_day_count');
    await tx.run('DROP TABLE practice_den');
    await tx.run('DROP TABLE metric_selector');
    return { metrics: metrics.map((m) => m.id), rows, dataVersion, builtAt, millis: Date.now() - started };
  });
}
