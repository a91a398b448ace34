/**
 * The figures of the partner services, organ donation and GP system supplier pages and API (issue 14 item 4,
 * docs/adr/0030): for any area and grain, over a range of loaded periods.
 *
 * - Jump-offs by provider and service (ADR 0009's breakdown) from one source: activity events
 *   (`jump_off_clicks`) or the NHS's WeeklyIntegratedPartners feed (`partner_jump_off_clicks`). A period's figure
 *   follows the no-data rule of its metric (src/domain/no-data.ts): from events an area without clicks had 0; from
 *   the feed an area without a stored figure has no data (null), and within a period with a figure a provider
 *   or service without clicks had 0.
 * - Organ donation registrations, updates, withdrawals and look-ups: the four event counts' series.
 * - The headline rates by GP system supplier: the area's practices grouped by the practice map's supplier,
 *   each group's rate computed as any area's is (src/query/series.ts rateSeriesFromParts: practices without a
 *   13+ list size are left out of both parts).
 */
import { listValue } from '@duckdb/node-api';
import { figureOrAbsent } from '../domain/no-data.ts';
import { missingValue } from '../domain/metric-kind.ts';
import type { AreaLevel } from '../domain/areas.ts';
import type { Grain, MetricDefinition } from '../domain/metric-definition.ts';
import { metricsShownOn } from '../domain/placements.ts';
import type { Warehouse } from '../warehouse/db.ts';
import { jumpOffMetric, type JumpOffSource } from './jump-offs.ts';
import { getMetricSeries, loadedPeriods, rateSeriesFromParts, type RateParts } from './series.ts';
import type { DataStatus, SeriesPoint, Structure } from './types.ts';
import * as querySql from '../warehouse/sql/query.ts';

export interface RangeRequest {
  level: AreaLevel;
  code: string;
  grain: Grain;
  /** Period starts or dates: periods intersecting [from, to] of the loaded range. */
  from?: string;
  to?: string;
  includePartial: boolean;
}

export interface PeriodRef {
  periodStart: string;
  complete: boolean;
}

/** One provider (service null) or one provider's service over the range. */
export interface PartnerLine {
  provider: string;
  service: string | null;
  /** Sum over the periods with a figure; null when no period has one. */
  total: number | null;
  /** Share of the area's clicks over those periods (all providers and services); null when there were none. */
  share: number | null;
  /** One value per period of `periods`: null where the period has no figure (no data is not zero). */
  values: (number | null)[];
}

export interface PartnerJumpOffs {
  source: JumpOffSource;
  metric: MetricDefinition;
  periods: (PeriodRef & { total: number | null })[];
  total: number | null;
  providers: PartnerLine[];
  services: PartnerLine[];
  /** The feed only: the days of the integrated-partners feed loaded, or null when none is. */
  feedDays: { first: string; last: string } | null;
}

function periodsOf(status: DataStatus, req: RangeRequest): PeriodRef[] {
  return [...loadedPeriods(req.grain, status, req.includePartial, req.from, req.to)];
}

function metricOf(catalogue: readonly MetricDefinition[], id: string): MetricDefinition {
  const m = catalogue.find((c) => c.id === id);
  if (!m) throw new Error(`the catalogue has no metric ${id}`);
  return m;
}

/** Jump-offs of an area by provider and by provider and service, per period and over the range. */
export async function getPartnerJumpOffs(
  db: Warehouse,
  status: DataStatus,
  catalogue: readonly MetricDefinition[],
  req: RangeRequest & { source: JumpOffSource; structure: Structure },
): Promise<PartnerJumpOffs> {
  const metric = jumpOffMetric(catalogue, req.source);
  let feedDays: PartnerJumpOffs['feedDays'] = null;
  if (req.source === 'feed') {
    const d = await db.one<{ first_day: string | null; last_day: string | null }>(querySql.partnerFeedDays);
    if (d?.first_day && d.last_day) feedDays = { first: d.first_day, last: d.last_day };
  }
  const periods = periodsOf(status, req);
  const empty = { source: req.source, metric, total: null, providers: [], services: [], feedDays };
  if (periods.length === 0) return { ...empty, periods: [] };
  const first = periods[0]!.periodStart;
  const last = periods[periods.length - 1]!.periodStart;
  // Practices are stored once, under today's structure.
  const structure = req.level === 'practice' ? 'current' : req.structure;
  const [totals, cells] = await Promise.all([
    db.all<{ period_start: string; value: number }>(querySql.series, [
      structure,
      metric.id,
      req.grain,
      req.level,
      req.code,
      first,
      last,
    ]),
    db.all<{ period_start: string; provider: string; service: string; value: number }>(
      querySql.jumpOffAreaRange,
      [metric.id, structure, req.grain, req.level, req.code, first, last],
    ),
  ]);
  const stored = new Map(totals.map((t) => [t.period_start, t.value]));
  const withTotals = periods.map((p) => ({ ...p, total: figureOrAbsent(metric, stored.get(p.periodStart)) }));
  const index = new Map(periods.map((p, i) => [p.periodStart, i]));
  const lines = new Map<string, { provider: string; service: string | null; values: number[] }>();
  const add = (provider: string, service: string | null, i: number, value: number) => {
    const key = `${provider}\u0000${service ?? ''}\u0000${service === null ? 'p' : 's'}`;
    let line = lines.get(key);
    if (!line) lines.set(key, (line = { provider, service, values: periods.map(() => 0) }));
    line.values[i]! += value;
  };
  for (const c of cells) {
    const i = index.get(c.period_start);
    if (i === undefined) continue;
    add(c.provider, null, i, c.value);
    add(c.provider, c.service, i, c.value);
  }
  const withFigure = withTotals.map((p) => p.total !== null);
  const total = withFigure.some(Boolean) ? withTotals.reduce((sum, p) => sum + (p.total ?? 0), 0) : null;
  const finish = (l: { provider: string; service: string | null; values: number[] }): PartnerLine => {
    const values = l.values.map((v, i) => (withFigure[i] ? v : null));
    const lineTotal = withFigure.some(Boolean) ? values.reduce<number>((sum, v) => sum + (v ?? 0), 0) : null;
    return {
      provider: l.provider,
      service: l.service,
      values,
      total: lineTotal,
      share: lineTotal !== null && total !== null && total > 0 ? lineTotal / total : null,
    };
  };
  const byTotal = (a: PartnerLine, b: PartnerLine) =>
    (b.total ?? -1) - (a.total ?? -1) ||
    a.provider.localeCompare(b.provider) ||
    (a.service ?? '').localeCompare(b.service ?? '');
  const all = [...lines.values()].map(finish);
  return {
    ...empty,
    periods: withTotals,
    total,
    providers: all.filter((l) => l.service === null).sort(byTotal),
    services: all.filter((l) => l.service !== null).sort(byTotal),
  };
}

/** The organ donation actions, in the order the pages show them (shown_on organ_donation in their YAML). */
export function organDonationMetrics(catalogue: readonly MetricDefinition[]): MetricDefinition[] {
  return metricsShownOn(catalogue, 'organ_donation');
}

export interface OrganDonation {
  periods: PeriodRef[];
  /** Values are null where disclosure control suppressed a count (src/query/figures.ts). */
  metrics: {
    metric: MetricDefinition;
    series: (Omit<SeriesPoint, 'value'> & { value: number | null })[];
    total: number | null;
  }[];
}

export async function getOrganDonation(
  db: Warehouse,
  status: DataStatus,
  catalogue: MetricDefinition[],
  req: RangeRequest & { structure: Structure },
): Promise<OrganDonation> {
  const periods = periodsOf(status, req);
  const metrics = await Promise.all(
    organDonationMetrics(catalogue).map(async (metric) => {
      const series = await getMetricSeries(db, status, metric, req, catalogue);
      const total = series.length === 0 ? null : series.reduce((sum, s) => sum + (s.value ?? 0), 0);
      return { metric, series, total };
    }),
  );
  return { periods, metrics };
}

/** The headline rates by supplier, each shown with the count it is made of (shown_on supplier_rate). */
export function supplierRateMetrics(catalogue: readonly MetricDefinition[]): MetricDefinition[] {
  return metricsShownOn(catalogue, 'supplier_rate');
}

export interface SupplierFigure {
  /** The rate metric (per 1,000 or % of patients aged 13+) and the count it is made of. */
  metric: MetricDefinition;
  numerator: MetricDefinition;
  /** Per period of `periods`: the count (all the group's practices), the rate's parts and the rate. */
  points: {
    periodStart: string;
    count: number | null;
    rate: number | null;
    numerator: number | null;
    denominator: number | null;
    coverage: number | null;
  }[];
}

export interface SupplierGroup {
  supplier: string;
  /** The area's practices on today's structure with this supplier (closed ones included), and open today. */
  practices: number;
  openPractices: number;
  figures: SupplierFigure[];
}

export interface SupplierBreakdown {
  periods: PeriodRef[];
  groups: SupplierGroup[];
}

/**
 * The area's practices grouped by GP system supplier, with the headline rates and counts per group. Sums of
 * practice figures: a user counted at two practices of a group in one period (having moved) counts twice.
 */
export async function getSupplierBreakdown(
  db: Warehouse,
  status: DataStatus,
  catalogue: MetricDefinition[],
  req: RangeRequest,
): Promise<SupplierBreakdown> {
  const periods = periodsOf(status, req);
  const rates = supplierRateMetrics(catalogue).map((metric) => ({
    metric,
    numerator: metricOf(catalogue, metric.numerator!),
  }));
  const first = periods[0]?.periodStart ?? '9999-12-31';
  const last = periods[periods.length - 1]?.periodStart ?? '0001-01-01';
  const rows = await db.all<{
    kind: 'value' | 'patients' | 'practices';
    supplier: string;
    metric_id: string | null;
    period_start: string | null;
    value: number | null;
    uncovered: number | null;
    practices: number | null;
    open_practices: number | null;
  }>(querySql.supplierFigures, [
    req.level,
    req.code,
    req.grain,
    first,
    last,
    listValue(rates.map((r) => r.numerator.id)),
  ]);
  const suppliers = new Map<string, { practices: number; openPractices: number }>();
  const values = new Map<string, { value: number; uncovered: number }>();
  const patients = new Map<string, number>();
  for (const r of rows) {
    if (r.kind === 'practices')
      suppliers.set(r.supplier, {
        practices: Number(r.practices ?? 0),
        openPractices: Number(r.open_practices ?? 0),
      });
    else if (r.kind === 'value')
      values.set(`${r.supplier}|${r.metric_id}|${r.period_start}`, {
        value: r.value ?? 0,
        uncovered: r.uncovered ?? 0,
      });
    else patients.set(`${r.supplier}|${r.period_start}`, r.value ?? 0);
  }
  const scale = status.demo?.scale ?? 1;
  const groups: SupplierGroup[] = [...suppliers]
    .sort(([a], [b]) => (a === 'Unknown' ? 1 : b === 'Unknown' ? -1 : a.localeCompare(b)))
    .map(([supplier, count]) => ({
      supplier,
      ...count,
      figures: rates.map(({ metric, numerator }) => {
        const stored = (p: string) => values.get(`${supplier}|${numerator.id}|${p}`);
        const parts = new Map<string, RateParts>();
        for (const p of periods) {
          const n = patients.get(`${supplier}|${p.periodStart}`);
          const s = stored(p.periodStart);
          if (n !== undefined)
            parts.set(p.periodStart, {
              value: s ? s.value : null,
              uncovered: s ? s.uncovered : null,
              patients_13plus: n,
            });
        }
        const rateByPeriod = new Map(
          rateSeriesFromParts(periods, parts, metric, numerator, scale).map((pt) => [pt.periodStart, pt]),
        );
        // The group's count (every practice, with a list size or not), carried for running totals.
        let carried = 0;
        return {
          metric,
          numerator,
          points: periods.map((p) => {
            const s = stored(p.periodStart);
            const count = s ? s.value : missingValue(numerator, carried, 0);
            if (count !== null) carried = count;
            const pt = rateByPeriod.get(p.periodStart);
            return {
              periodStart: p.periodStart,
              count,
              rate: pt ? pt.value : null,
              numerator: pt?.numerator ?? null,
              denominator: pt?.denominator ?? null,
              coverage: pt?.coverage ?? null,
            };
          }),
        };
      }),
    }));
  return { periods, groups };
}
