/**
 * The data table's read model: figures of one or several metrics for a set of areas (every area of a level,
 * or those within one area) over a range of weeks or months, one row per period, area and metric, a page
 * at a time. Today's structure only. Values are the same as the series behind the charts: counts from events
 * an area did not have are 0, feed figures, list sizes and stored ratios it has none of are null (no data is
 * not zero, src/domain/no-data.ts), rates count only practices with a 13+ list size (with their coverage), and on demo
 * data rates divide by the same share of patients (docs/adr/0006, 0008).
 */
import { dayNumber } from '../domain/periods.ts';
import { patientRate } from '../domain/rate.ts';
import { listValue } from '@duckdb/node-api';
import { AREA_LEVELS, type AreaLevel } from '../domain/areas.ts';
import { isPatientRate, type Grain, type MetricDefinition } from '../domain/metric-definition.ts';
import { absentMeansZero, figureOrAbsent } from '../domain/no-data.ts';
import type { Warehouse } from '../warehouse/db.ts';
import { areaByCode, areasOfSelection, type ChainRow } from './area-index.ts';
import { loadedPeriods } from './series.ts';
import type { DataStatus } from './types.ts';
import * as querySql from '../warehouse/sql/query.ts';

export interface DataTableRequest {
  /** The level of the rows. */
  level: AreaLevel;
  /** Only this area (when at `level`) or the areas at `level` within it; null for every area at `level`. */
  area: { level: AreaLevel; code: string } | null;
  /** In the order wanted; each must be available at `level` and `grain` (see `metricAvailability`). */
  metrics: readonly MetricDefinition[];
  grain: Grain;
  /** Periods intersecting [from, to] (dates); defaults to all loaded periods. */
  from?: string;
  to?: string;
  /** Include the partial periods at either end of the loaded range (marked complete: false). */
  includePartial: boolean;
}

export interface DataTableRow {
  periodStart: string;
  complete: boolean;
  areaLevel: AreaLevel;
  areaCode: string;
  areaName: string;
  /** Sub-ICB locations: the place name (docs/adr/0028); null or absent otherwise. */
  placeName?: string | null;
  onsCode: string | null;
  isCurrent: boolean;
  metricId: string;
  /**
   * Null for a rate (or 13+ patients) of an area with no 13+ list size in the period, and for a feed figure,
   * list size or stored ratio the area has none of (no data is not zero).
   */
  value: number | null;
  /** Rates only: the numerator and denominator used, and the share of the numerator metric they cover. */
  numerator?: number | null;
  denominator?: number | null;
  coverage?: number | null;
  /** Open data under disclosure control: a count from 1 to 7, not shown (value null). */
  suppressed?: boolean;
}

export interface DataTablePage {
  /** Rows in the whole selection. */
  total: number;
  rows: DataTableRow[];
}

type Kind = 'stored' | 'rate' | 'patients';

function kindOf(m: MetricDefinition): Kind {
  if (m.id === 'patients_13plus') return 'patients';
  return isPatientRate(m) ? 'rate' : 'stored';
}

export function isRateMetric(m: MetricDefinition): boolean {
  return kindOf(m) === 'rate';
}

/** Why a metric cannot be shown at a level and grain, or null when it can. */
export function metricAvailability(m: MetricDefinition, level: AreaLevel, grain: Grain): string | null {
  if (!m.grains.includes(grain)) return `it has no ${grain === 'week' ? 'weekly' : 'monthly'} figures`;
  if (AREA_LEVELS.indexOf(m.lowest_geography) < AREA_LEVELS.indexOf(level))
    return `its lowest geography is ${m.lowest_geography === 'england' ? 'England' : m.lowest_geography}`;
  return null;
}

/** The (metric, period) pairs of a selection, in metric order, with each period's complete flag. */
export function selectionPairs(
  status: Pick<DataStatus, 'firstDay' | 'lastDay'>,
  req: Pick<DataTableRequest, 'metrics' | 'grain' | 'from' | 'to' | 'includePartial'>,
  catalogue: readonly MetricDefinition[],
): {
  metric: MetricDefinition;
  valueMetric: string;
  kind: Kind;
  periodStart: string;
  complete: boolean;
  order: number;
}[] {
  const byId = new Map(catalogue.map((m) => [m.id, m]));
  const pairs = [];
  for (const [order, metric] of req.metrics.entries()) {
    const kind = kindOf(metric);
    let valueMetric = metric.id;
    let window = metric.window === 'rolling_12_months' ? 12 : 1;
    if (kind === 'patients') valueMetric = '';
    if (kind === 'rate') {
      const numerator = metric.numerator ? byId.get(metric.numerator) : undefined;
      if (!numerator)
        throw new Error(`ratio ${metric.id} needs its numerator ${metric.numerator} in the catalogue`);
      valueMetric = numerator.id;
      window = numerator.window === 'rolling_12_months' ? 12 : 1;
    }
    for (const p of loadedPeriods(req.grain, status, req.includePartial, req.from, req.to, window)) {
      pairs.push({ metric, valueMetric, kind, periodStart: p.periodStart, complete: p.complete, order });
    }
  }
  return pairs;
}

/** One area of a selection, with what a row shows of it. */
export type DataTableArea = querySql.DataTableAreaRow;

/** The areas of a selection, in the table's order, with what a row shows of them. */
export async function dataTableAreaList(db: Warehouse, req: DataTableRequest): Promise<DataTableArea[]> {
  const area = req.area && req.area.level !== 'england' ? req.area : null;
  return (await areasOfSelection(db, { level: req.level, within: area })).map(dataTableArea);
}

/** What a data table row shows of an area of the area index. */
export function dataTableArea(r: ChainRow): DataTableArea {
  return {
    area_level: r.level,
    area_code: r.code,
    name: r.name,
    place_name: r.place_name,
    ons_code: r.ons_code,
    is_current: r.is_current,
  };
}

/** A page of the selection: its pairs (of the periods it touches) with their row bases, and area ranks. */
export interface PagePlan {
  pairs: (ReturnType<typeof selectionPairs>[number] & { base: number; k: number; mi: number })[];
  areaLo: number;
  areaHi: number;
  firstRow: number;
  lastRow: number;
}

/**
 * Which rows a page holds, given the selection's (metric, period) pairs and its number of areas: rows are
 * ordered by period, then area, then metric, so each period is a block of areas × (metrics in that period)
 * rows. Null when the page is past the end.
 */
export function planPage(
  pairs: ReturnType<typeof selectionPairs>,
  areas: number,
  page: { limit: number; offset: number },
): PagePlan | null {
  const firstRow = Math.max(0, Math.floor(page.offset));
  const lastRow = firstRow + Math.max(0, Math.floor(page.limit)) - 1;
  if (areas <= 0 || lastRow < firstRow) return null;
  const byPeriod = new Map<string, ReturnType<typeof selectionPairs>>();
  for (const p of [...pairs].sort((x, y) =>
    x.periodStart < y.periodStart ? -1 : x.periodStart > y.periodStart ? 1 : x.order - y.order,
  )) {
    let group = byPeriod.get(p.periodStart);
    if (!group) byPeriod.set(p.periodStart, (group = []));
    group.push(p);
  }
  const plan: PagePlan = { pairs: [], areaLo: Infinity, areaHi: -Infinity, firstRow, lastRow };
  let base = 0;
  for (const group of byPeriod.values()) {
    const k = group.length;
    const size = areas * k;
    const start = Math.max(firstRow, base);
    const end = Math.min(lastRow, base + size - 1);
    if (start <= end) {
      group.forEach((p, mi) => plan.pairs.push({ ...p, base, k, mi }));
      plan.areaLo = Math.min(plan.areaLo, Math.floor((start - base) / k));
      plan.areaHi = Math.max(plan.areaHi, Math.floor((end - base) / k));
    }
    base += size;
    if (base > lastRow) break;
  }
  return plan.pairs.length > 0 ? plan : null;
}

/**
 * One page of the table (rows ordered by period, then area name and code with Unknown last, then metric
 * in the order asked), and the number of rows of the whole selection.
 */
export async function getDataTable(
  db: Warehouse,
  status: DataStatus,
  catalogue: readonly MetricDefinition[],
  req: DataTableRequest,
  page: { limit: number; offset: number },
): Promise<DataTablePage> {
  const pairs = selectionPairs(status, req, catalogue);
  if (pairs.length === 0) return { total: 0, rows: [] };
  const areas = await dataTableAreaList(db, req);
  const total = areas.length * pairs.length;
  const plan = planPage(pairs, areas.length, page);
  if (total === 0 || !plan) return { total, rows: [] };
  return { total, rows: await readRows(db, status, catalogue, req, plan, areas) };
}

/** The rows of a plan, values worked out as the module comment says. */
async function readRows(
  db: Warehouse,
  status: DataStatus,
  catalogue: readonly MetricDefinition[],
  req: DataTableRequest,
  plan: PagePlan,
  /** The selection's areas in order (dataTableAreas). */
  areas: readonly DataTableArea[],
): Promise<DataTableRow[]> {
  const areaAt = areas.slice(plan.areaLo, plan.areaHi + 1);
  const codes = listValue(areaAt.map((a) => a.area_code));
  const starts = plan.pairs.map((p) => p.periodStart).sort();
  const [first, last] = [starts[0]!, starts[starts.length - 1]!];
  const metricIds = [...new Set(plan.pairs.map((p) => p.valueMetric).filter((m) => m !== ''))];
  const wantsPatients = plan.pairs.some((p) => p.kind !== 'stored');
  // The cells there are, named by position (converting a few thousand rows' strings cost more than the read).
  const [cells, patientRows] = await Promise.all([
    metricIds.length === 0
      ? []
      : db.all(querySql.dataTableCells, [req.level, codes, listValue(metricIds), req.grain, first, last]),
    wantsPatients ? db.all(querySql.dataTablePatients, [req.level, codes, req.grain, first, last]) : [],
  ]);
  const n = areaAt.length;
  const cellAt = new Map<number, (typeof cells)[number]>();
  for (const c of cells) cellAt.set((c.day * metricIds.length + c.metric_idx) * n + c.area_idx, c);
  const patientsAt = new Map<number, number | null>();
  for (const r of patientRows) patientsAt.set(r.day * n + r.area_idx, r.patients_13plus);
  const patientScale = status.demo?.scale ?? 1;
  // Rows in the table's order (period, area, metric as asked), those of the page only.
  const rows: DataTableRow[] = [];
  const metricIdx = new Map(metricIds.map((m, i) => [m, i]));
  for (let i = 0; i < plan.pairs.length;) {
    let j = i;
    while (j < plan.pairs.length && plan.pairs[j]!.periodStart === plan.pairs[i]!.periodStart) j++;
    const group = plan.pairs.slice(i, j);
    const day = dayNumber(group[0]!.periodStart);
    for (let rank = plan.areaLo; rank <= plan.areaHi; rank++) {
      const a = rank - plan.areaLo;
      for (const pair of group) {
        const index = pair.base + rank * pair.k + pair.mi;
        if (index < plan.firstRow || index > plan.lastRow) continue;
        const m = metricIdx.get(pair.valueMetric);
        const cell = m === undefined ? undefined : cellAt.get((day * metricIds.length + m) * n + a);
        rows.push(
          point(pair, areaAt[a]!, {
            value: cell ? cell.value : null,
            uncovered: cell ? cell.uncovered : null,
            patients_13plus: patientsAt.get(day * n + a) ?? null,
          }),
        );
      }
    }
    i = j;
  }
  return rows;

  function point(
    pair: PagePlan['pairs'][number],
    area: DataTableArea,
    r: { value: number | null; uncovered: number | null; patients_13plus: number | null },
  ): DataTableRow {
    const kind = pair.kind;
    if (kind === 'stored') return row(pair, area, figureOrAbsent(pair.metric, r.value));
    if (kind === 'patients') return row(pair, area, r.patients_13plus);
    if (r.patients_13plus === null) return rateRow(pair, area, null);
    const metric = pair.metric;
    // A rate of a numerator that was not reported (a feed) is no data too.
    const numeratorMetric = metric.numerator ? catalogue.find((m) => m.id === metric.numerator) : undefined;
    if (r.value === null && numeratorMetric && !absentMeansZero(numeratorMetric))
      return rateRow(pair, area, null);
    // No patients aged 13+: no rate, never 0.
    return rateRow(
      pair,
      area,
      patientRate({
        stored: r.value ?? 0,
        uncovered: r.uncovered ?? 0,
        patients13plus: r.patients_13plus,
        patientScale,
        multiplier: metric.multiplier ?? 1,
      }),
    );
  }
}

// Rows are built as literals, not spread from a shared base: a selection can be thousands of rows (the series
// of an ICB's practices is 4,000), and the spreads cost more than the read's own layout.
function row(pair: PagePlan['pairs'][number], area: DataTableArea, value: number | null): DataTableRow {
  return {
    periodStart: pair.periodStart,
    complete: pair.complete,
    areaLevel: area.area_level,
    areaCode: area.area_code,
    areaName: area.name,
    placeName: area.place_name,
    onsCode: area.ons_code,
    isCurrent: area.is_current,
    metricId: pair.metric.id,
    value,
  };
}

function rateRow(
  pair: PagePlan['pairs'][number],
  area: DataTableArea,
  rate: ReturnType<typeof patientRate>,
): DataTableRow {
  return {
    periodStart: pair.periodStart,
    complete: pair.complete,
    areaLevel: area.area_level,
    areaCode: area.area_code,
    areaName: area.name,
    placeName: area.place_name,
    onsCode: area.ons_code,
    isCurrent: area.is_current,
    metricId: pair.metric.id,
    value: rate ? rate.value : null,
    numerator: rate ? rate.numerator : null,
    denominator: rate ? rate.denominator : null,
    coverage: rate ? rate.coverage : null,
  };
}

/** The periods of a selection (of any of its metrics), earliest first, with their complete flags. */
export function selectionPeriods(
  status: Pick<DataStatus, 'firstDay' | 'lastDay'>,
  req: Pick<DataTableRequest, 'metrics' | 'grain' | 'from' | 'to' | 'includePartial'>,
  catalogue: readonly MetricDefinition[],
): { periodStart: string; complete: boolean }[] {
  const periods = new Map<string, boolean>();
  for (const p of selectionPairs(status, req, catalogue)) periods.set(p.periodStart, p.complete);
  return [...periods]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([periodStart, complete]) => ({ periodStart, complete }));
}

/**
 * The whole selection an area at a time, for the wide CSV (ADR 0032): each yielded item is the rows of one
 * area (every metric and period it has), areas in the table's order, read `chunkRows` rows or so per
 * query (at least one area) so that no download holds the whole selection.
 */
export async function* dataTableByArea(
  db: Warehouse,
  status: DataStatus,
  catalogue: readonly MetricDefinition[],
  req: DataTableRequest,
  chunkRows: number,
  /** The selection's areas when the caller has read them already (dataTableAreaList). */
  areaList?: readonly DataTableArea[],
): AsyncGenerator<DataTableRow[]> {
  const pairs = selectionPairs(status, req, catalogue);
  if (pairs.length === 0) return;
  const areas = areaList ?? (await dataTableAreaList(db, req));
  const n = areas.length;
  const all = planPage(pairs, n, { limit: n * pairs.length, offset: 0 });
  if (!all) return;
  const step = Math.max(1, Math.floor(chunkRows / pairs.length));
  for (let lo = 0; lo < n; lo += step) {
    const plan = { ...all, areaLo: lo, areaHi: Math.min(n, lo + step) - 1 };
    const rows = await readRows(db, status, catalogue, req, plan, areas);
    // Rows come period by period, areas in order within each: group them by area, keeping that order.
    const byArea = new Map<string, DataTableRow[]>();
    for (const r of rows) {
      let list = byArea.get(r.areaCode);
      if (!list) byArea.set(r.areaCode, (list = []));
      list.push(r);
    }
    yield* byArea.values();
  }
}

/** The area a selection is within, by its code at any level; null when there is none (the area index). */
export async function findDataTableArea(
  db: Warehouse,
  code: string,
): Promise<{
  level: AreaLevel;
  code: string;
  name: string;
  placeName: string | null;
  isCurrent: boolean;
} | null> {
  const row = await areaByCode(db, code);
  return row
    ? {
        level: row.level,
        code: row.code,
        name: row.name,
        placeName: row.place_name,
        isCurrent: row.is_current,
      }
    : null;
}
