/**
 * The read model of an area page: the area and its ancestors, the headline tiles and trends of the National
 * summary for the area (each tile with a rate to compare with the parent and England), and the children
 * table. Figures are on today's structure; a closed area above practice level has figures only as recorded
 * at the time, so its page reads that structure and stops at its last period with activity.
 */
import { patientRate } from '../domain/rate.ts';
import { AREA_LEVELS, childLevel, ENGLAND_CODE, UNKNOWN_CODE, type AreaLevel } from '../domain/areas.ts';
import type { Grain, MetricDefinition } from '../domain/metric-definition.ts';
import { comparisonMetric } from '../domain/page-rates.ts';
import type { Warehouse } from '../warehouse/db.ts';
import { compareWithBenchmark, interval95 } from '../domain/statistics.ts';
import { metricsShownOn, requiredMetricInSlot } from '../domain/placements.ts';
import { buildTile } from './national-summary.ts';
import { keptReads } from './kept-reads.ts';
import { dataVersionOf, getPeerBands, getPeersMany, resolvePeerMetric, type PeersRequest } from './peers.ts';
import { getAreaChain } from './area-chain.ts';
import { getPracticeContext } from './practice-context.ts';
import { getAreaSeries, loadedPeriods } from './series.ts';
import { getDataStatus } from './status.ts';
import type {
  AreaChildren,
  AreaDetail,
  AreaPage,
  AreaRef,
  AreaTile,
  AreaTrend,
  ChildRow,
  ComparisonFigure,
  DataStatus,
  PeerBand,
  PeerPosition,
  SeriesPoint,
  Structure,
} from './types.ts';
import * as querySql from '../warehouse/sql/query.ts';

/**
 * The columns of the children table: two counts and two rates, by catalogue id (shown_on
 * area_children_column in their YAML).
 */
export function childColumns(catalogue: readonly MetricDefinition[]): {
  logins: string;
  users: string;
  usersPer1000: string;
  registeredPct: string;
} {
  const id = (slot: 'logins' | 'users' | 'users_per_1000' | 'registered_pct') =>
    requiredMetricInSlot(catalogue, 'area_children_column', slot).id;
  return {
    logins: id('logins'),
    users: id('users'),
    usersPer1000: id('users_per_1000'),
    registeredPct: id('registered_pct'),
  };
}

/** Whether `metric` can be shown for an area at `level` (its lowest geography is at or below it). */
function availableAt(metric: MetricDefinition, level: AreaLevel): boolean {
  return AREA_LEVELS.indexOf(metric.lowest_geography) >= AREA_LEVELS.indexOf(level);
}

/** The latest complete period of the loaded data at this grain, or null when there is none. */
export function latestCompletePeriod(grain: Grain, status: DataStatus): string | null {
  const periods = loadedPeriods(grain, status, false);
  return periods[periods.length - 1]?.periodStart ?? null;
}

/**
 * The children of an area with their figures for one period (the latest complete one unless given).
 * Rates per child use the same parts as every rate: only practices with a 13+ list size count, and on demo
 * data the patients are scaled by the demo scale (as getRateSeries does). Null when the area has no level
 * below it or does not exist.
 */
export async function getAreaChildren(
  db: Warehouse,
  catalogue: MetricDefinition[],
  opts: {
    level: AreaLevel;
    code: string;
    grain: Grain;
    /** The period of the figures; defaults to the latest complete period. */ /** The period of the figures; defaults to the latest complete period. */
    periodStart?: string | null;
    status?: DataStatus;
    parent?: AreaRef;
  },
): Promise<AreaChildren | null> {
  const child = childLevel(opts.level);
  if (!child) return null;
  let parent = opts.parent;
  if (!parent) {
    const chain = await getAreaChain(db, opts.level, opts.code);
    if (!chain) return null;
    parent = chain.area;
  }
  const status = opts.status ?? (await getDataStatus(db));
  const periodStart =
    opts.periodStart === undefined ? latestCompletePeriod(opts.grain, status) : opts.periodStart;
  const byId = new Map(catalogue.map((m) => [m.id, m]));
  const def = (id: string) => byId.get(id);
  const columnIds = childColumns(catalogue);
  const usersRate = def(columnIds.usersPer1000);
  const registeredRate = def(columnIds.registeredPct);
  const columns = {
    logins: def(columnIds.logins)?.short_name ?? 'Logins',
    users: def(columnIds.users)?.short_name ?? 'Users logging in',
    usersPer1000: usersRate?.short_name ?? 'Users per 1,000',
    registeredPct: registeredRate?.short_name ?? '% of patients 13+ registered',
  };
  const usersNumerator = usersRate?.numerator ?? columnIds.users;
  const registeredNumerator = registeredRate?.numerator ?? 'registrations_cumulative';
  const result: AreaChildren = { parent, level: child, grain: opts.grain, periodStart, columns, rows: [] };
  if (periodStart === null) {
    // No complete period yet: the children without figures.
    const rows = await db.all<{
      code: string;
      name: string;
      place_name: string | null;
      ons_code: string | null;
      is_current: boolean;
    }>(querySql.listAreas, [child, opts.code]);
    result.rows = rows
      .filter((r) => r.code !== 'UNKNOWN')
      .map((r) => ({
        level: child,
        code: r.code,
        name: r.name,
        placeName: r.place_name,
        onsCode: r.ons_code,
        postcode: null,
        isCurrent: r.is_current,
        logins: 0,
        users: 0,
        usersPer1000: null,
        usersPer1000Coverage: null,
        registeredPct: null,
        registeredPctCoverage: null,
      }));
    return result;
  }
  const rows = await db.all<{
    code: string;
    name: string;
    place_name: string | null;
    ons_code: string | null;
    postcode: string | null;
    is_current: boolean;
    count_1: number;
    count_2: number;
    rate_1_value: number;
    rate_1_uncovered: number;
    rate_2_value: number;
    rate_2_uncovered: number;
    patients_13plus: number | null;
  }>(querySql.areaChildren, [
    opts.level,
    opts.code,
    child,
    opts.grain,
    periodStart,
    columnIds.logins,
    columnIds.users,
    usersNumerator,
    registeredNumerator,
  ]);
  const patientScale = status.demo?.scale ?? 1;
  const rate = (stored: number, uncovered: number, patients13plus: number | null, multiplier: number) =>
    patientRate({ stored, uncovered, patients13plus, patientScale, multiplier }) ?? {
      value: null,
      coverage: null,
      numerator: null,
      denominator: null,
    };
  result.rows = rows.map((r): ChildRow => {
    const users = rate(r.rate_1_value, r.rate_1_uncovered, r.patients_13plus, usersRate?.multiplier ?? 1000);
    const registered = rate(
      r.rate_2_value,
      r.rate_2_uncovered,
      r.patients_13plus,
      registeredRate?.multiplier ?? 100,
    );
    return {
      level: child,
      code: r.code,
      name: r.name,
      placeName: r.place_name,
      onsCode: r.ons_code,
      postcode: r.postcode,
      isCurrent: r.is_current,
      logins: r.count_1,
      users: r.count_2,
      usersPer1000: users.value,
      usersPer1000Coverage: users.coverage,
      registeredPct: registered.value,
      registeredPctCoverage: registered.coverage,
      rateParts: {
        usersPer1000: users.numerator,
        registeredPct: registered.numerator,
        denominator: users.denominator ?? registered.denominator,
      },
    };
  });
  return result;
}

/** England's comparison series per warehouse and key (data version, grain, partial, rates); a few at most. */
const englandSeries = keptReads<Map<string, SeriesPoint[]>>(16);

export async function getAreaPage(
  db: Warehouse,
  catalogue: MetricDefinition[],
  opts: {
    level: AreaLevel;
    code: string;
    grain: Grain;
    includePartial: boolean;
    /** Compute the peer band and percentile ranks (default true); callers that do not show them skip it. */
    peers?: boolean;
    /**
     * Read the children table and a practice's context (default true); callers that show only the tiles
     * (the summary API) skip them.
     */
    details?: boolean;
    /**
     * Compare each tile with its parent, ICB and England on a rate, and draw its trends (default true);
     * the before-and-after answer skips them, keeping England's series.
     */
    comparisons?: boolean;
  },
): Promise<AreaPage | null> {
  const chain = await getAreaChain(db, opts.level, opts.code);
  if (!chain) return null;
  const { area, ancestors } = chain;
  const status = await getDataStatus(db);
  const { grain, includePartial } = opts;
  const structure: Structure = area.isCurrent || area.level === 'practice' ? 'current' : 'as_recorded';

  // A closed area's history ends with its last period of activity: figures are shown up to it.
  let lastActivePeriod: string | null = null;
  let periodsEnd: string | undefined;
  if (!area.isCurrent) {
    const all = loadedPeriods(grain, status, true);
    const lastLoaded = all[all.length - 1]?.periodStart;
    if (lastLoaded) {
      lastActivePeriod =
        (await db.scalar<string | null>(querySql.areaLastPeriod, [
          structure,
          // The activity count whose last period with activity ends a closed area's history (its YAML's
          // shown_on closed_area_activity).
          requiredMetricInSlot(catalogue, 'closed_area_activity', 'activity').id,
          grain,
          area.level,
          area.code,
          lastLoaded,
        ])) ?? null;
    }
    // Before any activity at all there is no history to show.
    periodsEnd = lastActivePeriod ?? '0001-01-01';
  }

  const metrics = metricsShownOn(catalogue, 'national_summary_headline').filter(
    (m) => m.grains.includes(grain) && availableAt(m, area.level),
  );
  const parent = ancestors[ancestors.length - 1] ?? null;
  const england = ancestors.find((a) => a.level === 'england') ?? {
    level: 'england' as const,
    code: ENGLAND_CODE,
    name: 'England',
    isCurrent: true,
  };
  const comparedWith: { area: AreaRef; role: ComparisonFigure['role'] }[] = [{ area, role: 'area' }];
  if (parent && parent.level !== 'england') comparedWith.push({ area: parent, role: 'parent' });
  // A PCN or practice is also compared with its ICB, the area its digital lead works for (ADR 0064).
  const icb =
    area.level === 'pcn' || area.level === 'practice' ? ancestors.find((a) => a.level === 'icb') : undefined;
  if (icb && icb !== parent) comparedWith.push({ area: icb, role: 'icb' });
  if (area.level !== 'england') comparedWith.push({ area: england, role: 'england' });

  // Each area's figures in a few queries: the area's headline metrics and comparison rates, then the
  // comparison rates of its parent and of England.
  const compare = opts.comparisons !== false;
  const allComparisons = new Map(metrics.map((m) => [m.id, comparisonMetric(m, catalogue)]));
  const rateMetrics = new Map<string, MetricDefinition>();
  for (const c of allComparisons.values()) if (c) rateMetrics.set(c.metric.id, c.metric);
  const comparisons = compare ? allComparisons : new Map<string, null>();
  const withRates = [...metrics, ...[...rateMetrics.values()].filter((r) => !metrics.includes(r))];
  const seriesReq = { grain, includePartial, structure: 'current' as const };
  // The area's figures and those it is compared with are read side by side (ADR 0079).
  const readOwn = getAreaSeries(
    db,
    status,
    compare ? withRates : metrics,
    { ...seriesReq, level: area.level, code: area.code, structure },
    catalogue,
  );
  const readOther = async (c: (typeof comparedWith)[number]) => {
    // Rates exist on today's structure only: a closed area above practice level has none.
    if (!c.area.isCurrent && c.area.level !== 'practice') return null;
    if (c.role === 'area') return structure === 'current' ? readOwn : null;
    // England's headline counts too: a change around a date is set against the rest of England's (ADR 0065).
    const wanted = c.role === 'england' ? withRates : [...rateMetrics.values()];
    const read = () =>
      getAreaSeries(db, status, wanted, { ...seriesReq, level: c.area.level, code: c.area.code }, catalogue);
    // England's figures are the same for every page that compares with them: read once per data version.
    const key = [dataVersionOf(status), grain, includePartial, ...wanted.map((m) => m.id)].join('|');
    return c.role === 'england' ? englandSeries.get(db, key, read) : read();
  };
  // Without comparisons England's figures only, read as the pages read them (the same kept copy).
  const others = compare ? comparedWith : comparedWith.filter((x) => x.role === 'england');
  const [own, ...otherSeries] = await Promise.all([readOwn, ...others.map(readOther)]);
  const rateSeries = new Map<ComparisonFigure['role'], Map<string, SeriesPoint[]> | null>(
    others.map((c, i) => [c.role, otherSeries[i] ?? null]),
  );
  const englandFigures = rateSeries.get('england');

  const tiles: AreaTile[] = [];
  const series: Record<string, SeriesPoint[]> = {};
  const trends: Record<string, AreaTrend> = {};
  const roleRef = new Map(comparedWith.map((c) => [c.role, c.area]));
  for (const m of metrics) {
    let points = own.get(m.id) ?? [];
    if (periodsEnd !== undefined) points = points.filter((p) => p.periodStart <= periodsEnd!);
    series[m.id] = points;
    const comparison = comparisons.get(m.id) ?? null;
    const rateOf = (role: ComparisonFigure['role']) =>
      comparison ? (rateSeries.get(role)?.get(comparison.metric.id) ?? null) : null;
    // Verdicts are on the latest complete period: a partial one is never compared.
    const latestComplete = [...points].reverse().find((p) => p.complete) ?? null;
    let compared: AreaTile['comparison'] = null;
    if (comparison && latestComplete) {
      const figures = comparedWith.map((c): ComparisonFigure => {
        const point = rateOf(c.role)?.find((p) => p.periodStart === latestComplete.periodStart);
        return {
          area: c.area,
          role: c.role,
          value: point ? point.value : null,
          coverage: point?.coverage ?? null,
          numerator: point?.numerator ?? null,
          denominator: point?.denominator ?? null,
          lowerCi95: point?.lowerCi95 ?? null,
          upperCi95: point?.upperCi95 ?? null,
          lowerCi998: point?.lowerCi998 ?? null,
          upperCi998: point?.upperCi998 ?? null,
        };
      });
      const own95 = interval95(figures.find((f) => f.role === 'area'));
      const benchmark = (role: ComparisonFigure['role']) =>
        figures.find((f) => f.role === role)?.value ?? null;
      compared = {
        metricId: comparison.metric.id,
        name: comparison.metric.name,
        unit: comparison.metric.unit,
        derived: comparison.derived,
        periodStart: latestComplete.periodStart,
        figures,
        comparedWithEngland: compareWithBenchmark(own95, benchmark('england'), m.polarity),
        comparedWithParent: compareWithBenchmark(own95, benchmark('parent'), m.polarity),
        ...(icb ? { comparedWithIcb: compareWithBenchmark(own95, benchmark('icb'), m.polarity) } : {}),
      };
    }
    const ownRates = rateOf('area');
    if (comparison && ownRates) {
      const shown = new Set(points.map((p) => p.periodStart));
      const within = (list: SeriesPoint[] | null) => (list ?? []).filter((p) => shown.has(p.periodStart));
      const other = (role: 'parent' | 'england') => {
        const ref = roleRef.get(role);
        const list = rateOf(role);
        return ref && list ? { area: ref, points: within(list) } : null;
      };
      trends[m.id] = {
        metricId: comparison.metric.id,
        name: comparison.metric.name,
        unit: comparison.metric.unit,
        derived: comparison.derived,
        area: within(ownRates),
        parent: other('parent'),
        england: other('england'),
      };
    }
    tiles.push({ ...buildTile(m, points, grain), comparison: compared });
  }

  // Peers, a practice's context and the children table are independent reads: side by side (ADR 0079).
  const details = opts.details !== false;
  const readChildren = async (): Promise<AreaChildren | null> => {
    if (!details || !childLevel(area.level)) return null;
    const latest = latestCompletePeriod(grain, status);
    const periodStart =
      lastActivePeriod !== null && latest !== null && lastActivePeriod < latest ? lastActivePeriod : latest;
    return getAreaChildren(db, catalogue, {
      level: area.level,
      code: area.code,
      grain,
      periodStart,
      status,
      parent: area,
    });
  };
  const [peers, practiceContext, children] = await Promise.all([
    opts.peers === false
      ? {}
      : getPeerFigures(db, catalogue, status, { area, grain, metrics, tiles, series, trends }),
    // Practice pages: list sizes, supplier, PCN and rank in the ICB (issue 11 item 8).
    details && area.level === 'practice'
      ? getPracticeContext(db, catalogue, { code: area.code, grain, status })
      : null,
    readChildren(),
  ]);

  return {
    grain,
    includePartial,
    status: {
      refreshedAt: status.refreshedAt,
      firstDay: status.firstDay,
      lastDay: status.lastDay,
      demo: status.demo,
    },
    area,
    ancestors,
    structure,
    lastActivePeriod,
    latestCompletePeriod: latestCompletePeriod(grain, status),
    tiles,
    series,
    trends,
    ...(englandFigures
      ? {
          englandSeries: Object.fromEntries(
            metrics.map((m) => [
              m.id,
              (englandFigures.get(m.id) ?? []).filter(
                (p) => periodsEnd === undefined || p.periodStart <= periodsEnd,
              ),
            ]),
          ),
        }
      : {}),
    children,
    ...peers,
    ...(practiceContext ? { practiceContext } : {}),
  };
}

/**
 * The bands of a level do not depend on the area, and at practice level they cost a scan of every
 * practice's figures: they are kept per warehouse and data version (a build bumps it), at most 256
 * sets (src/query/kept-reads.ts), so only the first page of a level after a refresh computes them.
 */
const keptPeerBands = keptReads<PeerBand[]>(256);

function peerBandsOf(
  db: Warehouse,
  catalogue: MetricDefinition[],
  status: DataStatus & { dataVersion?: number },
  metricId: string,
  level: AreaLevel,
  grain: Grain,
): Promise<PeerBand[]> {
  const key = `${status.dataVersion ?? -1}|${metricId}|${level}|${grain}`;
  return keptPeerBands.get(db, key, () =>
    getPeerBands(db, { metricId, level, grain, structure: 'current' }, catalogue, status),
  );
}

/**
 * Where the area stands among the areas of its level (src/query/peers.ts): for each headline metric the
 * spread of that figure across them in every period the chart shows (the band behind the area's line),
 * and, for tiles that are or are compared on one of the catalogue's rates, the area's percentile rank on
 * that rate in its latest period. Only for open areas (and practices) below England, on today's structure.
 */
async function getPeerFigures(
  db: Warehouse,
  catalogue: MetricDefinition[],
  status: DataStatus & { dataVersion?: number },
  opts: {
    area: AreaDetail;
    grain: Grain;
    metrics: MetricDefinition[];
    tiles: AreaTile[];
    series: Record<string, SeriesPoint[]>;
    trends?: Record<string, AreaTrend>;
  },
): Promise<Pick<AreaPage, 'peerBands' | 'peerPositions'>> {
  const { area, grain } = opts;
  if (area.level === 'england' || area.code === UNKNOWN_CODE) return {};
  if (!area.isCurrent && area.level !== 'practice') return {};
  const peerBands: Record<string, PeerBand[]> = {};
  const peerPositions: Record<string, PeerPosition> = {};
  // The ranks are read together once the tiles that have one are known (one query for the rates), beside
  // each tile's band (ADR 0079).
  const ranked: { metricId: string; name: string; unit: string; req: PeersRequest }[] = [];
  const banded: { metricId: string; bandMetric: string; shown: Set<string> }[] = [];
  for (const m of opts.metrics) {
    const points = opts.series[m.id] ?? [];
    // Rates first: the band is on the rate the trend draws (the tile's comparison rate), else on the figure.
    const tile = opts.tiles.find((t) => t.metricId === m.id);
    const bandMetric = opts.trends?.[m.id]?.metricId ?? m.id;
    if (points.length === 0 || !resolvePeerMetric(bandMetric, catalogue)) continue;
    banded.push({ metricId: m.id, bandMetric, shown: new Set(points.map((p) => p.periodStart)) });
    // Ranks need every area of the level (read once per data version, ADR 0079): they are given for the
    // catalogue's rates (a tile that is one, or compared on one), where comparing areas of different sizes is
    // meaningful.
    if (!tile?.comparison || tile.comparison.derived) continue;
    const latest = points[points.length - 1]!;
    const comparedOn = tile.comparison.metricId;
    const resolved = resolvePeerMetric(comparedOn, catalogue);
    if (!resolved) continue;
    ranked.push({
      metricId: m.id,
      name: resolved.metric.name,
      unit: resolved.metric.unit,
      req: {
        metricId: comparedOn,
        level: area.level,
        code: area.code,
        grain,
        period: latest.periodStart,
        structure: 'current',
      },
    });
  }
  const [positions, ...bands] = await Promise.all([
    getPeersMany(
      db,
      ranked.map((r) => r.req),
      catalogue,
      status,
    ),
    ...banded.map((b) => peerBandsOf(db, catalogue, status, b.bandMetric, area.level, grain)),
  ]);
  banded.forEach((b, i) => {
    peerBands[b.metricId] = bands[i]!.filter((band) => b.shown.has(band.periodStart));
  });
  ranked.forEach((r, i) => {
    const position = positions[i]!;
    peerPositions[r.metricId] = {
      metricId: position.metricId,
      metricName: r.name,
      unit: r.unit,
      periodStart: position.periodStart,
      count: position.count,
      value: position.value,
      rank: position.rank,
      percentileRank: position.percentileRank,
      equal: position.equal,
    };
  });
  return { peerBands, peerPositions };
}
