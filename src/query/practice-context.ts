/**
 * Context on a practice page (issue 11 item 8): its list size (patients aged 13+ and of all ages), GP system
 * supplier, PCN and ICB, and its rank among the practices of its ICB on the headline rates, in the latest
 * complete period. Ranks come from the rankings (src/query/ranking.ts), so the page and /rank agree: the same
 * practices are left out (closed, not yet open, fewer than 1,000 patients), and a practice left out says why.
 */
import type { Grain, MetricDefinition } from '../domain/metric-definition.ts';
import { metricsShownOn } from '../domain/placements.ts';
import type { Warehouse } from '../warehouse/db.ts';
import { getAreaChain } from './area-chain.ts';
import { getRanking, RankingError } from './ranking.ts';
import { getDataStatus } from './status.ts';
import type { DataStatus, PracticeContext } from './types.ts';
import * as querySql from '../warehouse/sql/query.ts';

/** The context of one practice, or null when there is no practice with that code. */
export async function getPracticeContext(
  db: Warehouse,
  catalogue: readonly MetricDefinition[],
  opts: { code: string; grain: Grain; status?: DataStatus },
): Promise<PracticeContext | null> {
  const chain = await getAreaChain(db, 'practice', opts.code);
  if (!chain) return null;
  const pcn = chain.ancestors.find((a) => a.level === 'pcn') ?? null;
  const icb = chain.ancestors.find((a) => a.level === 'icb') ?? null;
  const status = opts.status ?? (await getDataStatus(db));
  const context: PracticeContext = {
    code: chain.area.code,
    name: chain.area.name,
    supplierName: chain.area.supplierName,
    pcn,
    icb,
    grain: opts.grain,
    periodStart: null,
    patients13plus: null,
    patientsAll: null,
    ranks: [],
  };
  if (!icb || icb.code === 'UNKNOWN') return context;
  // The three rankings share the ICB, its practices and their list sizes: read once.
  const shared = new Map<string, Promise<unknown>>();
  // The headline rates a practice is ranked on within its ICB, in order: shown_on practice_rank in their YAML.
  // Asked for together, so that their reads are batched (src/query/ranking.ts ValueReads).
  const metrics = metricsShownOn(catalogue, 'practice_rank').filter((m) => m.grains.includes(opts.grain));
  const within = { level: 'icb', code: icb.code } as const;
  const rankings = await Promise.all(
    metrics.map((metric) =>
      getRanking(
        db,
        catalogue,
        { metricId: metric.id, level: 'practice', within, grain: opts.grain, seriesPoints: 2 },
        status,
        shared,
      ).catch((err: unknown) => {
        // No complete period yet: no ranks (and nothing else to say about figures).
        if (err instanceof RankingError && err.param === 'period') return null;
        throw err;
      }),
    ),
  );
  for (const [i, metric] of metrics.entries()) {
    const ranking = rankings[i];
    if (!ranking) return context;
    const row = ranking.rows.find((r) => r.code === context.code);
    const left = ranking.excluded.areas.find((e) => e.code === context.code);
    if (context.periodStart === null) {
      context.periodStart = ranking.periodStart;
      context.patients13plus = row?.patients13plus ?? null;
      context.patientsAll = row?.patientsAll ?? left?.patientsAll ?? null;
    }
    context.ranks.push({
      metricId: metric.id,
      name: metric.name,
      shortName: metric.short_name,
      unit: metric.unit,
      value: row?.value ?? null,
      rank: row?.rank ?? null,
      of: ranking.rows.filter((r) => r.rank !== null).length,
      excluded: left?.reason ?? null,
      minListSize: ranking.minListSize,
    });
  }
  // A practice left out of every ranking still has its list sizes (13+ from the rate's denominator).
  if (context.periodStart !== null && context.patients13plus === null) {
    const row = await db.one<{ patients_13plus: number | null }>(querySql.practicePatients13plus, [
      opts.grain,
      context.periodStart,
      context.code,
    ]);
    context.patients13plus = row?.patients_13plus ?? null;
  }
  return context;
}
