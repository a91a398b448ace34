/**
 * Rankings (issue 11 item 3, docs/adr/0023): the areas of one level within one area (any level above it;
 * England for all), ranked on one metric for one complete week or month, with each area's count, list sizes
 * (patients aged 13+ and of all ages), the change on the previous complete period and a short series for a
 * sparkline.
 *
 * - Membership is the area hierarchy as it stood for the period: on today's structure every practice's
 *   current ancestry; as recorded, the practice-map release in force for the period
 *   (querySql.rankingMembers in src/warehouse/sql/query.ts).
 * - Figures are read exactly as everywhere else: rates and percentages over patients aged 13+ through
 *   `rateSeriesFromParts` (only practices with a list size in either part, docs/adr/0006; today's structure
 *   only), counts and stored ratios through `seriesFromValues` with the metric's fill rule. When no area in the
 *   selection has a stored figure for the metric in the periods shown (a feed that was never loaded), every
 *   value is null: no data is not zero.
 * - Left out by default, and counted: practices not open in the period (closed by the release in force, or not
 *   yet open), practices with fewer than `minListSize` patients of all ages (default 1,000; 0 keeps them), and
 *   on today's structure closed areas above practice level (they have no figures there).
 * - Rank 1 is the highest value; tied areas share a rank; areas without a value are listed after the ranked
 *   ones, unranked.
 */
import { listValue } from '@duckdb/node-api';
import { AREA_LEVELS, ENGLAND_CODE, UNKNOWN_CODE, type AreaLevel } from '../domain/areas.ts';
import { comparisonOf, type Grain, type MetricDefinition } from '../domain/metric-definition.ts';
import { compareWithBenchmark, confidenceOf, interval95, type Verdict } from '../domain/statistics.ts';
import { periodStart as periodStartOf } from '../domain/periods.ts';
import type { Warehouse } from '../warehouse/db.ts';
import { getAreaChain } from './area-chain.ts';
import { currentMembers, type RankingMember } from './area-index.ts';
import { resolvePeerMetric } from './peers.ts';
import {
  fillOf,
  loadedPeriods,
  rateSeriesFromParts,
  seriesFromValues,
  type LoadedPeriod,
  type RateParts,
} from './series.ts';
import { getDataStatus } from './status.ts';
import type { AreaRef, DataStatus, ExclusionReason, NamedArea, SeriesPoint, Structure } from './types.ts';
import * as querySql from '../warehouse/sql/query.ts';
import { percentChange } from '../domain/rate.ts';

export const DEFAULT_MIN_LIST_SIZE = 1000;
/** Points in each row's short series (the sparkline): the period ranked and the 12 before it. */
export const SPARKLINE_POINTS = 13;

export interface RankingRequest {
  /** A catalogue metric id, or `<count>_per_1000` for the rate derived from an event count. */
  metricId: string;
  /** The level ranked (below `within`). */
  level: AreaLevel;
  /** The area whose areas are ranked; England (code E92000001) for every area of the level. */
  within: { level: AreaLevel; code: string };
  grain: Grain;
  /** Any date in the period ranked (a complete loaded period); default the latest complete one. */
  period?: string;
  /** Practices with fewer patients of all ages are left out; default 1,000, 0 keeps every practice. */
  minListSize?: number;
  /** Default today's structure; as recorded only for counts (rates exist on today's structure only). */
  structure?: Structure;
  /** Points of each row's series (default SPARKLINE_POINTS; at least 2, for the change). */
  seriesPoints?: number;
}

export interface RankingRow extends NamedArea {
  /** 1 for the highest value; ties share a rank; null for an area without a value. */
  rank: number | null;
  level: AreaLevel;
  /** The figure: a rate per 1,000 or percentage for rates, the count or stored ratio otherwise. */
  value: number | null;
  /** The count behind the figure: a rate's numerator, a count's value; null for a stored ratio. */
  count: number | null;
  /** A rate's denominator (patients aged 13+, × the demo scale on demo data) and the share covered. */
  denominator: number | null;
  coverage: number | null;
  /**
   * The 95% confidence interval of a rate (Byar) or percentage (Wilson), src/domain/statistics.ts, and the
   * verdict against England's value for the period; null and 'not-compared' for counts and stored ratios.
   */
  lowerCi95: number | null;
  upperCi95: number | null;
  comparedWithEngland: Verdict;
  /** Registered patients in the period (today's structure; all ages also as recorded), null without any. */
  patients13plus: number | null;
  patientsAll: number | null;
  /** The figure in the previous complete period, and the change on it (absolute, and % of it). */
  previousValue: number | null;
  change: number | null;
  changePct: number | null;
  /** The last points up to the period ranked (oldest first), null where the area has no figure. */
  series: { periodStart: string; value: number | null }[];
}

export interface ExcludedArea {
  code: string;
  name: string;
  placeName: string | null;
  reason: ExclusionReason;
  patientsAll: number | null;
}

export interface Ranking {
  metric: MetricDefinition;
  /** The rate's numerator metric (null for counts, stored ratios and patients aged 13+). */
  numerator: MetricDefinition | null;
  isRate: boolean;
  level: AreaLevel;
  within: AreaRef;
  grain: Grain;
  periodStart: string;
  previousPeriodStart: string | null;
  structure: Structure;
  minListSize: number;
  /** The complete periods that can be ranked, oldest first. */
  periods: string[];
  /** England's figure for the period (the benchmark), on today's structure; null when it has none. */
  england: { value: number | null; count: number | null; denominator: number | null };
  /** False when no area in the selection has a stored figure for the metric (values are then null). */
  hasFigures: boolean;
  /** Ranked areas first (by rank, then name), then those without a value (by name). */
  rows: RankingRow[];
  excluded: {
    closed: number;
    notYetOpen: number;
    smallList: number;
    total: number;
    areas: ExcludedArea[];
  };
  /** e.g. "12 practices left out: 3 closed, 9 with fewer than 1,000 patients"; null when none. */
  note: string | null;
}

/** A request the ranking cannot answer: `param` names the parameter, `status` is 400 or 404. */
export class RankingError extends Error {
  constructor(
    readonly status: 400 | 404,
    readonly param: string,
    message: string,
  ) {
    super(message);
    this.name = 'RankingError';
  }
}

const PLURAL: Record<AreaLevel, string> = {
  england: 'England',
  region: 'regions',
  icb: 'ICBs',
  sub_icb: 'sub-ICB locations',
  pcn: 'PCNs',
  practice: 'practices',
};
const SINGULAR: Record<AreaLevel, string> = {
  england: 'England',
  region: 'region',
  icb: 'ICB',
  sub_icb: 'sub-ICB location',
  pcn: 'PCN',
  practice: 'practice',
};

/** "practices", "ICBs" … (lower case for sentences), singular for one. */
export function levelNoun(level: AreaLevel, n = 2): string {
  return n === 1 ? SINGULAR[level] : PLURAL[level];
}

/** The levels that can be ranked within an area of `level`: every level below it. */
export function levelsBelow(level: AreaLevel): AreaLevel[] {
  return AREA_LEVELS.slice(AREA_LEVELS.indexOf(level) + 1) as AreaLevel[];
}

/** The note on the areas left out, as in "12 practices left out: 3 closed, 9 with fewer than 1,000 patients". */
export function exclusionNote(
  level: AreaLevel,
  counts: { closed: number; notYetOpen: number; smallList: number },
  minListSize: number,
): string | null {
  const total = counts.closed + counts.notYetOpen + counts.smallList;
  if (total === 0) return null;
  const parts: string[] = [];
  if (counts.closed > 0) parts.push(`${counts.closed.toLocaleString('en-GB')} closed`);
  if (counts.notYetOpen > 0) parts.push(`${counts.notYetOpen.toLocaleString('en-GB')} not yet open`);
  if (counts.smallList > 0)
    parts.push(
      `${counts.smallList.toLocaleString('en-GB')} with fewer than ${minListSize.toLocaleString('en-GB')} patients`,
    );
  return `${total.toLocaleString('en-GB')} ${levelNoun(level, total)} left out: ${parts.join(', ')}`;
}

/** Ranks: 1 + the number of strictly higher values (ties share a rank); null values are unranked. */
export function competitionRanks(values: readonly (number | null)[]): (number | null)[] {
  const present = values.filter((v): v is number => v !== null).sort((a, b) => b - a);
  return values.map((v) => {
    if (v === null) return null;
    let higher = 0;
    while (higher < present.length && present[higher]! > v) higher++;
    return higher + 1;
  });
}

type ValueRow = {
  metric_id: string;
  area_level: string;
  area_code: string;
  period_start: string;
  value: number | null;
  uncovered: number | null;
  patients_13plus: number | null;
};

/**
 * Reads of stored figures for rankings, batched: reads asked for in one turn of the event loop with the same
 * structure and grain become one statement over all their metrics, areas and periods (a ranking's figures,
 * its list sizes and England's figure in one statement; a practice page's three ranks likewise).
 */
class ValueReads {
  private readonly pending = new Map<
    string,
    {
      args: [Structure, Grain];
      waiting: {
        metricId: string;
        level: AreaLevel;
        codes: Set<string>;
        from: string;
        to: string;
        done: (rows: ValueRow[] | Error) => void;
      }[];
    }
  >();

  constructor(private readonly db: Warehouse) {}

  read(
    structure: Structure,
    metricId: string,
    grain: Grain,
    level: AreaLevel,
    codes: string[],
    from: string,
    to: string,
  ): Promise<ValueRow[]> {
    // Practices' figures are on today's structure whatever is asked (querySql.rankingValues).
    const effective: Structure = level === 'practice' ? 'current' : structure;
    // Reads of different periods share a statement too (over the span of them all): a ranking's figures over
    // its sparkline and its list sizes in the one period are one scan of the cube, not two.
    const key = JSON.stringify([effective, grain]);
    return new Promise((resolve, reject) => {
      let batch = this.pending.get(key);
      if (!batch) {
        this.pending.set(key, (batch = { args: [effective, grain], waiting: [] }));
        setImmediate(() => void this.flush(key));
      }
      batch.waiting.push({
        metricId,
        level,
        codes: new Set(codes),
        from,
        to,
        done: (r) => (r instanceof Error ? reject(r) : resolve(r)),
      });
    });
  }

  private async flush(key: string): Promise<void> {
    const batch = this.pending.get(key)!;
    this.pending.delete(key);
    const [structure, grain] = batch.args;
    // Each metric over the span of its own reads.
    const spans = new Map<string, { from: string; to: string }>();
    for (const w of batch.waiting) {
      const span = spans.get(w.metricId);
      if (!span) spans.set(w.metricId, { from: w.from, to: w.to });
      else {
        if (w.from < span.from) span.from = w.from;
        if (w.to > span.to) span.to = w.to;
      }
    }
    const ids = [...spans.keys()];
    const from = ids.map((id) => spans.get(id)!.from);
    const to = ids.map((id) => spans.get(id)!.to);
    const byKey = new Map<string, [AreaLevel, string]>();
    for (const w of batch.waiting) for (const c of w.codes) byKey.set(`${w.level}|${c}`, [w.level, c]);
    const areas = [...byKey.values()];
    try {
      const rows = (
        await this.db.all(querySql.rankingValues, [
          structure,
          listValue(ids),
          grain,
          listValue(areas.map(([level]) => level)),
          listValue(areas.map(([, code]) => code)),
          from.reduce((a, b) => (b < a ? b : a)),
          to.reduce((a, b) => (b > a ? b : a)),
          listValue(from),
          listValue(to),
        ])
      ).map((r): ValueRow => ({
        metric_id: ids[r.metric_idx]!,
        area_level: areas[r.area_idx]![0],
        area_code: areas[r.area_idx]![1],
        period_start: r.period_start,
        value: r.value,
        uncovered: r.uncovered,
        patients_13plus: r.patients_13plus,
      }));
      for (const w of batch.waiting)
        w.done(
          rows.filter(
            (r) =>
              r.metric_id === w.metricId &&
              r.area_level === w.level &&
              w.codes.has(r.area_code) &&
              r.period_start >= w.from &&
              r.period_start <= w.to,
          ),
        );
    } catch (err) {
      for (const w of batch.waiting) w.done(err instanceof Error ? err : new Error(String(err)));
    }
  }
}

/** The batched reads of rankings sharing `shared` (one each otherwise). */
function valueReads(db: Warehouse, shared: Map<string, Promise<unknown>> | undefined): ValueReads {
  if (!shared) return new ValueReads(db);
  let reads = sharedReads.get(shared);
  if (!reads) sharedReads.set(shared, (reads = new ValueReads(db)));
  return reads;
}
const sharedReads = new WeakMap<Map<string, Promise<unknown>>, ValueReads>();

function byArea(rows: ValueRow[]): Map<string, ValueRow[]> {
  const out = new Map<string, ValueRow[]>();
  for (const r of rows) {
    let list = out.get(r.area_code);
    if (!list) out.set(r.area_code, (list = []));
    list.push(r);
  }
  return out;
}

type Resolved = NonNullable<ReturnType<typeof resolvePeerMetric>>;

/** One area's points over `periods`, computed by the shared series code (null value = no figure). */
function pointsOf(
  resolved: Resolved,
  periods: readonly LoadedPeriod[],
  rows: ValueRow[],
  patientScale: number,
  hasFigures: boolean,
): Map<string, SeriesPoint | null> {
  const out = new Map<string, SeriesPoint | null>(periods.map((p) => [p.periodStart, null]));
  if (!hasFigures) return out;
  if (resolved.isRate) {
    const parts = new Map<string, RateParts>();
    for (const r of rows)
      if (r.patients_13plus !== null)
        parts.set(r.period_start, {
          value: r.value,
          uncovered: r.uncovered,
          patients_13plus: r.patients_13plus,
        });
    for (const p of rateSeriesFromParts(periods, parts, resolved.metric, resolved.numerator, patientScale)) {
      // No patients aged 13+ (list sizes of 0): no rate.
      if (resolved.numerator && !(p.denominator! > 0)) continue;
      out.set(p.periodStart, p);
    }
    return out;
  }
  const values = new Map<string, number>();
  for (const r of rows) if (r.value !== null) values.set(r.period_start, r.value);
  for (const p of seriesFromValues(periods, values, fillOf(resolved.metric))) out.set(p.periodStart, p);
  return out;
}

/**
 * The ranking of `req.level` within `req.within` on one metric for one period. Throws RankingError for a
 * request it cannot answer (unknown metric or area, a level not below the area, a metric without figures at
 * the level or grain, a period that is not complete, a rate as recorded).
 */
export async function getRanking(
  db: Warehouse,
  catalogue: readonly MetricDefinition[],
  req: RankingRequest,
  statusIn?: DataStatus,
  /**
   * Reads shared by several rankings of the same areas (a practice page's three): the area ranked within,
   * its members and their list sizes in a period are the same for each metric, so they are read once.
   */
  shared?: Map<string, Promise<unknown>>,
  /**
   * The areas' figures as the viewer may see them (the figure reader's: rates worked out from disclosed
   * counts, ADR 0061); ranks, changes, intervals and verdicts then follow from them. England's is the
   * benchmark and is never changed.
   */
  seen?: (p: SeriesPoint) => SeriesPoint | null,
): Promise<Ranking> {
  const once = <T>(key: unknown[], read: () => Promise<T>): Promise<T> => {
    if (!shared) return read();
    const k = JSON.stringify(key);
    let p = shared.get(k) as Promise<T> | undefined;
    if (!p) shared.set(k, (p = read()));
    return p;
  };
  const resolved = resolvePeerMetric(req.metricId, [...catalogue]);
  if (!resolved)
    throw new RankingError(
      404,
      'metric',
      `there is no metric with the id ${req.metricId} that can be ranked`,
    );
  const { metric, numerator, isRate } = resolved;
  const withinIndex = AREA_LEVELS.indexOf(req.within.level);
  const levelIndex = AREA_LEVELS.indexOf(req.level);
  if (levelIndex <= withinIndex)
    throw new RankingError(
      400,
      'level',
      `must be a level below ${req.within.level}: one of ${levelsBelow(req.within.level).join(', ')}`,
    );
  const lowest = (numerator ?? metric).lowest_geography;
  if (AREA_LEVELS.indexOf(lowest) < levelIndex)
    throw new RankingError(400, 'level', `the metric ${metric.id} has no figures below ${lowest}`);
  if (!metric.grains.includes(req.grain))
    throw new RankingError(
      400,
      'grain',
      `must be one of: ${metric.grains.join(', ')} for the metric ${metric.id}`,
    );
  const structure: Structure = req.structure ?? 'current';
  if (structure === 'as_recorded' && isRate)
    throw new RankingError(
      400,
      'structure',
      "rates are only offered on today's structure (docs/adr/0006): leave structure out",
    );
  const minListSize = req.minListSize ?? DEFAULT_MIN_LIST_SIZE;
  if (!Number.isInteger(minListSize) || minListSize < 0)
    throw new RankingError(400, 'minListSize', 'must be a whole number of patients, 0 or more');

  const withinCode = req.within.level === 'england' ? ENGLAND_CODE : req.within.code;
  if (req.within.level === 'england' && req.within.code !== ENGLAND_CODE)
    throw new RankingError(404, 'within', `England's code is ${ENGLAND_CODE}`);
  const chain = await once(['chain', req.within.level, withinCode], () =>
    getAreaChain(db, req.within.level, withinCode),
  );
  if (!chain || withinCode === UNKNOWN_CODE)
    throw new RankingError(404, 'within', `there is no ${req.within.level} with the code ${withinCode}`);
  const within: AreaRef = {
    level: chain.area.level,
    code: chain.area.code,
    name: chain.area.name,
    placeName: chain.area.placeName ?? null,
    isCurrent: chain.area.isCurrent,
  };

  const status = statusIn ?? (await getDataStatus(db));
  const window = (numerator ?? metric).window === 'rolling_12_months' ? 12 : 1;
  const complete = loadedPeriods(req.grain, status, false, undefined, undefined, window);
  const periods = complete.map((p) => p.periodStart);
  if (periods.length === 0)
    throw new RankingError(400, 'period', `there is no complete ${req.grain} of data loaded yet`);
  const periodStart = req.period ? periodStartOf(req.grain, req.period) : periods[periods.length - 1]!;
  const at = periods.indexOf(periodStart);
  if (at < 0)
    throw new RankingError(
      400,
      'period',
      `must be in a complete ${req.grain} of the loaded data: ${periods[0]} to ${periods[periods.length - 1]}`,
    );
  const nPoints = Math.max(2, req.seriesPoints ?? SPARKLINE_POINTS);
  const shown = complete.slice(Math.max(0, at - nPoints + 1), at + 1);
  const previousPeriodStart = at > 0 ? periods[at - 1]! : null;

  const memberArgs = [structure, periodStart, req.level, req.within.level, withinCode];
  // Today's structure from the area index; as recorded, the release in force for the period by query.
  const members = await once(['members', ...memberArgs], () =>
    structure === 'current'
      ? currentMembers(db, periodStart, req.level, { level: req.within.level, code: withinCode })
      : db.all<RankingMember>(querySql.rankingMembers, memberArgs),
  );
  const first = shown[0]!.periodStart;
  const reads = valueReads(db, shared);
  const valueMetric = isRate ? (numerator?.id ?? '') : metric.id;
  const codeList = members.map((m) => m.code);
  const [values, sizes, englandRows] = await Promise.all([
    reads.read(structure, valueMetric, req.grain, req.level, codeList, first, periodStart),
    reads.read(structure, 'patients_all', req.grain, req.level, codeList, periodStart, periodStart),
    reads.read('current', valueMetric, req.grain, 'england', [ENGLAND_CODE], periodStart, periodStart),
  ]);
  const hasFigures = isRate && !numerator ? true : values.some((v) => v.value !== null);
  const patientScale = status.demo?.scale ?? 1;
  const valuesByArea = byArea(values);
  const sizeOf = new Map(sizes.map((s) => [s.area_code, s]));

  const excludedAreas: ExcludedArea[] = [];
  const kept: { member: RankingMember; points: Map<string, SeriesPoint | null> }[] = [];
  for (const m of members) {
    const size = sizeOf.get(m.code);
    const patientsAll = size?.value ?? null;
    let reason: ExclusionReason | null = null;
    if (req.level === 'practice') {
      if (!m.in_release) {
        if (m.first_extract !== null && m.release_date !== null && m.first_extract > m.release_date)
          reason = 'not-yet-open';
        else reason = 'closed';
      } else if (patientsAll !== null && patientsAll < minListSize) reason = 'small-list';
    } else if (structure === 'current' && !m.is_current) reason = 'closed';
    if (reason) {
      excludedAreas.push({ code: m.code, name: m.name, placeName: m.place_name, reason, patientsAll });
      continue;
    }
    const points = pointsOf(resolved, shown, valuesByArea.get(m.code) ?? [], patientScale, hasFigures);
    if (seen) for (const [period, p] of points) points.set(period, p && seen(p));
    kept.push({ member: m, points });
  }

  const englandPoint = pointsOf(
    resolved,
    [{ periodStart, complete: true }],
    englandRows,
    patientScale,
    englandRows.some((r) => r.value !== null) || (isRate && !numerator),
  ).get(periodStart);

  const method = comparisonOf(metric);
  const rows: RankingRow[] = kept.map(({ member: m, points }) => {
    const point = points.get(periodStart) ?? null;
    const prev = previousPeriodStart ? (points.get(previousPeriodStart) ?? null) : null;
    const value = point ? point.value : null;
    const previousValue = prev ? prev.value : null;
    const size = sizeOf.get(m.code);
    const ci = point
      ? confidenceOf(method, point.numerator, point.denominator, metric.multiplier ?? 1)
      : null;
    return {
      rank: null,
      level: req.level,
      code: m.code,
      name: m.name,
      placeName: m.place_name,
      onsCode: m.ons_code,
      isCurrent: m.is_current,
      value,
      count:
        point === null
          ? null
          : isRate
            ? (point.numerator ?? null)
            : metricIsCount(metric)
              ? point.value
              : null,
      denominator: point?.denominator ?? null,
      coverage: point?.coverage ?? null,
      lowerCi95: ci?.lowerCi95 ?? null,
      upperCi95: ci?.upperCi95 ?? null,
      comparedWithEngland: compareWithBenchmark(interval95(ci), englandPoint?.value, metric.polarity),
      patients13plus: size?.patients_13plus ?? null,
      patientsAll: size?.value ?? null,
      previousValue,
      change: value !== null && previousValue !== null ? value - previousValue : null,
      changePct: percentChange(value, previousValue),
      series: shown.map((p) => ({
        periodStart: p.periodStart,
        value: points.get(p.periodStart)?.value ?? null,
      })),
    };
  });
  const ranks = competitionRanks(rows.map((r) => r.value));
  rows.forEach((r, i) => (r.rank = ranks[i]!));
  rows.sort((a, b) => {
    if (a.rank !== null && b.rank !== null && a.rank !== b.rank) return a.rank - b.rank;
    if (a.rank === null && b.rank !== null) return 1;
    if (a.rank !== null && b.rank === null) return -1;
    return a.name.localeCompare(b.name, 'en-GB') || a.code.localeCompare(b.code);
  });

  const counts = {
    closed: excludedAreas.filter((e) => e.reason === 'closed').length,
    notYetOpen: excludedAreas.filter((e) => e.reason === 'not-yet-open').length,
    smallList: excludedAreas.filter((e) => e.reason === 'small-list').length,
  };
  excludedAreas.sort((a, b) => a.name.localeCompare(b.name, 'en-GB') || a.code.localeCompare(b.code));
  return {
    metric,
    numerator,
    isRate,
    level: req.level,
    within,
    grain: req.grain,
    periodStart,
    previousPeriodStart,
    structure,
    minListSize,
    periods,
    england: {
      value: englandPoint?.value ?? null,
      count: englandPoint ? (isRate ? (englandPoint.numerator ?? null) : englandPoint.value) : null,
      denominator: englandPoint?.denominator ?? null,
    },
    hasFigures,
    rows,
    excluded: { ...counts, total: excludedAreas.length, areas: excludedAreas },
    note: exclusionNote(req.level, counts, minListSize),
  };
}

function metricIsCount(metric: MetricDefinition): boolean {
  return (
    metric.unit === 'events' ||
    metric.unit === 'users' ||
    metric.unit === 'patients' ||
    metric.unit === 'downloads'
  );
}
