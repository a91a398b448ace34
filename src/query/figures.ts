/**
 * The figure reader: the one way pages, API routes, CSVs, the map, the data table and the command line read
 * figures (issue 9, ADR 0043). It is made for one viewer (`FigureAccess`) and applies the open-data rule and
 * disclosure control inside, once, to everything it returns: a restricted figure is refused
 * (RestrictedFigureError) or left out before it leaves this module, and a count under disclosure control
 * leaves it suppressed or rounded. What was left out is described (`Hidden*`) so that views can say so
 * ("*", "not shown in open data") without knowing the rules.
 */
import { ENGLAND_CODE, type AreaLevel } from '../domain/areas.ts';
import type { OpenMetricRef } from '../domain/access.ts';
import { RestrictedFigureError, type FigureAccess } from '../domain/figure-access.ts';
import { discloseRate, type DisclosedRate } from '../domain/disclosure.ts';
import { comparisonOf, type Grain, type MetricDefinition } from '../domain/metric-definition.ts';
import { percentChange } from '../domain/rate.ts';
import { compareWithBenchmark, interval95 } from '../domain/statistics.ts';
import { latestPeriod } from '../domain/time-range.ts';
import type { Warehouse } from '../warehouse/db.ts';
import type { PageQueries } from './page-queries.ts';
import { areaRefOf } from './area-chain.ts';
import { childColumns, getAreaPage } from './area-page.ts';
import {
  getEnglandMapValue,
  getMapValues,
  metricsWithFigures,
  type MapLevel,
  type MapValue,
  type MapValues,
} from './map-values.ts';
import { getReconciliation, type ReconciliationRow } from './reconciliation.ts';
import { compareAroundDate, periodCountIds, type AroundDate } from './before-after.ts';
import type { OfficialLevel } from './official.ts';
import { getMetricBreakdown } from './breakdown.ts';
import {
  getJumpOffBreakdown,
  getJumpOffSeries,
  jumpOffMetric,
  type JumpOffRequest,
  type JumpOffRow,
  type JumpOffSource,
} from './jump-offs.ts';
import {
  getOrganDonation,
  getPartnerJumpOffs,
  getSupplierBreakdown,
  organDonationMetrics,
  supplierRateMetrics,
  type OrganDonation,
  type PartnerJumpOffs,
  type PartnerLine,
  type RangeRequest,
  type SupplierBreakdown,
} from './partners.ts';
import { getPeers, resolvePeerMetric, type Peers, type PeersRequest } from './peers.ts';
import { getRanking, type Ranking, type RankingRequest } from './ranking.ts';
import {
  dataTableByArea,
  getDataTable,
  type DataTableArea,
  type DataTableRequest,
  type DataTableRow,
} from './data-table.ts';
import { changePct, getNationalSummary } from './national-summary.ts';
import { getMetricSeries, type SeriesRequest } from './series.ts';
import type {
  AreaChildren,
  AreaPage,
  AreaRef,
  AreaTile,
  AreaTrend,
  DataStatus,
  NationalSummary,
  SeriesPoint,
  Structure,
  SummaryTile,
} from './types.ts';

/** The page read models the reader filters (the warehouse's, or memory in tests). */
export type PageReads = Pick<PageQueries, 'nationalSummary' | 'areaPage' | 'areaChildren' | 'dataStatus'>;

export interface FigureSource {
  catalogue: readonly MetricDefinition[];
  /** The page read models (the warehouse's, or memory in tests). */
  pages: PageReads;
  /** The figures' store: the warehouse, or the published figure store's reader (ADR 0026). */
  db: Warehouse;
}

/** What the reader left out of a page's tiles and series for this viewer. */
export interface HiddenFigures {
  /** Per metric, the periods (first days) whose count was suppressed by disclosure control. */
  suppressed: Map<string, Set<string>>;
  /** Metrics whose latest figure was suppressed (the tile shows "*", not "no figures yet"). */
  latestSuppressed: Set<string>;
  /** Every period of each series as read, before any was left out (no values): where "*" rows go. */
  periods: Record<string, { periodStart: string; complete: boolean }[]>;
  /** The last period of the page as read: a chart's range ends there whatever was left out. */
  lastPeriod: string | null;
}

export type ChildColumn = 'logins' | 'users' | 'rate' | 'registered';

/** What the reader left out of a children table for this viewer. */
export interface HiddenChildren {
  /** Columns of metrics this viewer may not see (their values are 0 or null in the rows). */
  columns: Set<ChildColumn>;
  /**
   * Per child code, the figures suppressed by disclosure control: counts (0 in the rows, for sorting) and
   * rates of them (null in the rows).
   */
  suppressed: Map<string, Set<ChildColumn>>;
}

/**
 * A point of a series as this viewer may see it: a count under disclosure control is rounded or suppressed
 * (null), and its change on the period before is then withheld (it would give the exact count back).
 */
export interface FigurePoint extends Omit<SeriesPoint, 'value'> {
  value: number | null;
  /** Percentage change on the period before (both complete), or null. */
  changePct: number | null;
}

/** A tile's point as this viewer may see it: a suppressed count has the value null. */
export type SeenPoint = Omit<SeriesPoint, 'value'> & { value: number | null };

/** A headline tile as this viewer may see it (see `FigureReader.summary`). */
export interface SeenTile extends Omit<SummaryTile, 'latest' | 'previous' | 'yearEarlier'> {
  latest: SeenPoint | null;
  previous: SeenPoint | null;
  yearEarlier: SeenPoint | null;
  /** Area tiles only (not England's). */
  comparison?: AreaTile['comparison'];
}

/** An area's headline tiles as this viewer may see them. */
export interface SummaryRead {
  area: AreaRef;
  onsCode: string | null;
  status: DataStatus;
  tiles: SeenTile[];
  /** Tiles left out: their metric is one this viewer may not see. */
  hiddenTiles: number;
  /** The answer goes out the same to everyone (a shared cache may keep it). */
  shared: boolean;
}

/** Headline counts compared around a date, as this viewer may see them (FigureReader.aroundDate). */
export interface AroundDateRead {
  area: AreaRef;
  onsCode: string | null;
  status: DataStatus;
  figures: AroundDate[];
  /** Tiles left out: their metric is one this viewer may not see. */
  hiddenTiles: number;
  /** The answer goes out the same to everyone (a shared cache may keep it). */
  shared: boolean;
}

/** A read model as this viewer may see it, and what was left out (null: nothing, a signed-in viewer). */
export interface Seen<T, H> {
  figures: T;
  hidden: H | null;
}

/** A rate's parts as the readers carry them beside its value. */
interface CarriedParts {
  numerator?: number | null;
  denominator?: number | null;
  coverage?: number | null;
}

/** A rate over patients as this viewer may see it, worked out from its parts (ADR 0061). */
type RateDiscloser = (p: CarriedParts) => DisclosedRate;

/** The metric a rate is, as far as disclosing it goes. */
type RateMetric = Pick<MetricDefinition, 'aggregation' | 'denominator' | 'numerator' | 'unit' | 'multiplier'>;

/** A rate whose parts were not read with it cannot be worked out again: it is withheld. */
const WITHHELD_RATE: DisclosedRate = {
  suppressed: true,
  value: null,
  numerator: null,
  coverage: null,
  confidence: null,
};

/** The fields of a point or row that a disclosed rate replaces (its value, count, coverage and intervals). */
function rateFields(d: DisclosedRate) {
  return {
    value: d.value,
    numerator: d.numerator ?? undefined,
    coverage: d.coverage,
    lowerCi95: d.confidence?.lowerCi95,
    upperCi95: d.confidence?.upperCi95,
    lowerCi998: d.confidence?.lowerCi998,
    upperCi998: d.confidence?.upperCi998,
  };
}

/** A rate's point with its disclosed figures; null when the rate is suppressed or withheld. */
function seenRatePoint(p: SeriesPoint, d: DisclosedRate): SeriesPoint | null {
  return d.value === null ? null : { ...p, ...rateFields(d), value: d.value };
}

/** The change of a disclosed figure on the one before, both complete (as `changePct`, nulls allowed). */
function seenChange(
  p: { value: number | null; complete: boolean },
  before: { value: number | null; complete: boolean } | undefined,
): number | null {
  return before && p.complete && before.complete ? percentChange(p.value, before.value) : null;
}

/** The catalogue by id, made once per catalogue (a reader is made per request). */
const indexes = new WeakMap<readonly MetricDefinition[], ReadonlyMap<string, MetricDefinition>>();
function catalogueIndex(catalogue: readonly MetricDefinition[]): ReadonlyMap<string, MetricDefinition> {
  let index = indexes.get(catalogue);
  if (!index) indexes.set(catalogue, (index = new Map(catalogue.map((m) => [m.id, m]))));
  return index;
}

export class FigureReader {
  private readonly byId: ReadonlyMap<string, MetricDefinition>;

  constructor(
    readonly access: FigureAccess,
    private readonly source: FigureSource,
  ) {
    this.byId = catalogueIndex(source.catalogue);
  }

  get viewer() {
    return this.access.viewer;
  }

  /**
   * How this viewer gets rates of `metric` at `level`: worked out from the disclosed count when that count
   * is under disclosure control (the exact rate times the open list size would give it back, ADR 0061);
   * null when rates go out as read.
   */
  private rateDiscloser(metric: RateMetric, level: AreaLevel): RateDiscloser | null {
    if (!this.access.disclosesRate({ ...metric, mi_publication: false }, level)) return null;
    const multiplier = metric.multiplier ?? 1;
    const method = comparisonOf(metric);
    return (p) =>
      typeof p.numerator === 'number' && typeof p.denominator === 'number'
        ? discloseRate(
            { numerator: p.numerator, denominator: p.denominator, coverage: p.coverage ?? null },
            multiplier,
            method,
          )
        : WITHHELD_RATE;
  }

  /** England's page; visitors see open figures only. */
  async nationalSummary(opts: {
    grain: Grain;
    includePartial: boolean;
  }): Promise<Seen<NationalSummary, HiddenFigures>> {
    this.access.requirePage('england', opts.grain);
    const summary = await this.source.pages.nationalSummary(opts);
    if (this.viewer.signedIn) return { figures: summary, hidden: null };
    const open = this.openTilesAndSeries('england', summary.grain, summary.tiles, summary.series);
    return {
      figures: { ...summary, tiles: open.tiles, series: open.series },
      hidden: open.hidden,
    };
  }

  /**
   * An area's page (null: no such area). Visitors see open figures only, no peer ranks (they compare rates
   * of restricted counts) and, under disclosure control, no peer bands; their children table is filtered
   * as `areaChildren` does (`children` of the result).
   */
  async areaPage(opts: {
    level: AreaLevel;
    code: string;
    grain: Grain;
    includePartial: boolean;
  }): Promise<(Seen<AreaPage, HiddenFigures> & { children: HiddenChildren | null }) | null> {
    this.access.requirePage(opts.level, opts.grain);
    const page = await this.source.pages.areaPage(opts);
    if (!page) return null;
    if (this.viewer.signedIn) return { figures: page, hidden: null, children: null };
    const level = page.area.level;
    const open = this.openTilesAndSeries(level, page.grain, page.tiles, page.series);
    const children = this.openChildren(page.children);
    // Each trend's rates as this viewer may see them (from disclosed counts under disclosure control).
    const trends =
      page.trends &&
      Object.fromEntries(
        Object.entries(page.trends).map(([id, trend]) => [id, this.disclosedTrend(trend, level)]),
      );
    const englandSeries = this.openEnglandSeries(page.englandSeries, open.series, page.grain);
    return {
      figures: {
        ...page,
        ...(trends ? { trends } : {}),
        ...(englandSeries ? { englandSeries } : {}),
        tiles: open.tiles,
        series: open.series,
        children: children.figures,
        peerPositions: undefined,
        peerBands: this.access.rules.disclosure ? undefined : page.peerBands,
      },
      hidden: open.hidden,
      children: children.hidden,
    };
  }

  /** An area's children (null: none, or not a level this viewer may see as a table). */
  async areaChildren(opts: {
    level: AreaLevel;
    code: string;
    grain: Grain;
  }): Promise<Seen<AreaChildren | null, HiddenChildren>> {
    this.access.requirePage(opts.level, opts.grain);
    return this.openChildren(await this.source.pages.areaChildren(opts));
  }

  /**
   * An area's headline tiles (England's from the National summary, others' from the area page without
   * peers, children or context), as this viewer may see them: tiles of metrics they may not see left out
   * (all left out: refused); a comparison keeps only the figures of areas whose figures they may see, and a
   * verdict only with the figure it is against; counts under disclosure control disclosed, their change
   * withheld. Null: no such area.
   */
  async summary(opts: {
    level: AreaLevel;
    code: string;
    grain: Grain;
    includePartial: boolean;
  }): Promise<SummaryRead | null> {
    const { level, grain } = opts;
    const read = await this.headlines(opts);
    if (!read) return null;
    const ref = (id: string): OpenMetricRef => this.byId.get(id) ?? { mi_publication: false };
    let shared = true;
    const canSee = (metric: OpenMetricRef, at: AreaLevel) => {
      if (!this.access.isShared(metric, at, grain, '')) shared = false;
      return this.access.canSee(metric, at, grain);
    };
    const visible = read.tiles.filter((t) => canSee(ref(t.metricId), level));
    if (visible.length === 0 && read.tiles.length > 0) throw new RestrictedFigureError();
    const tiles = visible.map((t): SeenTile => {
      // Under disclosure control visitors and staff see different counts (and rates of them).
      if (!this.access.isShared(ref(t.metricId), level, grain, t.unit)) shared = false;
      const see = this.tilePoints(t.metricId, t.unit, level);
      // A suppressed figure keeps its period and nothing else.
      const seen = (p: SeriesPoint | null): SeenPoint | null =>
        p && see ? (see(p) ?? { periodStart: p.periodStart, complete: p.complete, value: null }) : p;
      const latest = seen(t.latest);
      const previous = seen(t.previous);
      const yearEarlier = seen(t.yearEarlier);
      // Changes on disclosed counts are worked out again from them: the exact ones would give the counts back.
      const change = (before: SeenPoint | null, exact: number | null) =>
        see ? seenChange(latest ?? { value: null, complete: false }, before ?? undefined) : exact;
      const tile: SeenTile = {
        ...t,
        latest,
        previous,
        changePct: change(previous, t.changePct),
        yearEarlier,
        changeOnYearPct: change(yearEarlier, t.changeOnYearPct),
      };
      if (!('comparison' in t)) return tile;
      return { ...tile, comparison: this.disclosedComparison(t, canSee) };
    });
    return {
      ...read,
      tiles,
      hiddenTiles: read.tiles.length - visible.length,
      shared: shared && visible.length === read.tiles.length,
    };
  }

  /**
   * The headline tiles and series of the National summary or an area's page, without peers or details (the
   * summary and before-and-after answers), as every viewer's starting point; below England with England's
   * series too. Null: no such area.
   */
  private async headlines(opts: {
    level: AreaLevel;
    code: string;
    grain: Grain;
    includePartial: boolean;
    /** Below England, each tile compared on a rate (default true). */
    comparisons?: boolean;
  }): Promise<{
    area: AreaRef;
    onsCode: string | null;
    status: DataStatus;
    tiles: (SummaryTile | AreaTile)[];
    series: Record<string, SeriesPoint[]>;
    englandSeries?: Record<string, SeriesPoint[]>;
  } | null> {
    const catalogue = [...this.source.catalogue];
    if (opts.level === 'england') {
      const summary = await getNationalSummary(this.source.db, catalogue, opts);
      const area: AreaRef = { level: 'england', code: ENGLAND_CODE, name: 'England', isCurrent: true };
      return { ...summary, area, onsCode: ENGLAND_CODE };
    }
    const page = await getAreaPage(this.source.db, catalogue, { ...opts, peers: false, details: false });
    return page && { ...page, area: areaRefOf(page.area), onsCode: page.area.onsCode };
  }

  /**
   * Each headline count per period compared before and after `since` (the pages' "Before and after a date"
   * tables, for the API; src/query/before-after.ts): from the figures this viewer may see, counts disclosed
   * under disclosure control, and below England against the rest of England. Partial periods are never
   * compared. Null: no such area.
   */
  async aroundDate(opts: {
    level: AreaLevel;
    code: string;
    grain: Grain;
    since: string;
  }): Promise<AroundDateRead | null> {
    const { level, grain } = opts;
    const read = await this.headlines({ ...opts, includePartial: false, comparisons: false });
    if (!read) return null;
    const open = this.openTilesAndSeries(level, grain, read.tiles, read.series);
    if (open.tiles.length === 0 && read.tiles.length > 0) throw new RestrictedFigureError();
    const englandSeries = this.openEnglandSeries(read.englandSeries, open.series, grain);
    // The same to everyone only when every tile is open and none is disclosed differently to visitors.
    const shared =
      open.tiles.length === read.tiles.length &&
      read.tiles.every((t) =>
        this.access.isShared(this.byId.get(t.metricId) ?? { mi_publication: false }, level, grain, t.unit),
      );
    return {
      area: read.area,
      onsCode: read.onsCode,
      status: read.status,
      hiddenTiles: read.tiles.length - open.tiles.length,
      shared,
      figures: compareAroundDate(
        { grain, tiles: open.tiles, series: open.series, ...(englandSeries ? { englandSeries } : {}) },
        opts.since,
        periodCountIds(this.source.catalogue),
      ),
    };
  }

  /**
   * The official figures beside the ones computed from App activity (src/query/reconciliation.ts), for a
   * measure the product computes from events (null otherwise). The computed figures are this viewer's: a
   * restricted one refused, counts below England disclosed (the differences then of the disclosed figures).
   */
  async reconciliation(req: {
    measure: string;
    level: OfficialLevel;
    code?: string;
    from?: string;
    to?: string;
  }): Promise<{ metric: MetricDefinition; rows: ReconciliationRow[] } | null> {
    const metric = this.byId.get(req.measure);
    if (!metric || metric.source !== 'events') return null;
    this.access.require(metric, req.level, 'month');
    const rows = await getReconciliation(this.source.db, req);
    const disclose = this.access.discloser(metric.unit, req.level);
    if (!disclose) return { metric, rows };
    return {
      metric,
      rows: rows.map((r) => {
        const c = disclose(r.computed);
        return {
          ...r,
          computed: c,
          difference: c === null ? null : c - r.official,
          pctDifference: percentChange(c, r.official),
        };
      }),
    };
  }

  /**
   * Every area's figure of one metric at a map level for one period (src/query/map-values.ts), as this viewer
   * may see them: counts under disclosure control rounded or suppressed.
   */
  async mapValues(
    status: DataStatus,
    req: { metric: MetricDefinition; level: MapLevel; grain: Grain; periodStart: string },
  ): Promise<MapValues> {
    this.access.require(req.metric, req.level, req.grain);
    const values = await getMapValues(this.source.db, this.source.catalogue, status, req);
    const rate = this.rateDiscloser(req.metric, req.level);
    if (rate) {
      return {
        ...values,
        rows: values.rows.map((r) => {
          if (r.value === null) return r;
          const d = rate(r);
          const { numerator: _n, coverage: _c, ...rest } = r;
          return d.suppressed
            ? { ...rest, value: null, suppressed: true }
            : { ...rest, value: d.value, numerator: d.numerator, coverage: d.coverage };
        }),
      };
    }
    const disclose = this.access.discloses(req.metric.unit, req.level);
    if (!disclose) return values;
    return {
      ...values,
      rows: values.rows.map((r) => {
        if (r.value === null) return r;
        const d = this.access.count(r.value, req.metric.unit, req.level);
        return d.suppressed ? { ...r, value: null, suppressed: true } : { ...r, value: d.value };
      }),
    };
  }

  /** England's figure for the map's key (England's figures are never disclosure-controlled). */
  async englandMapValue(
    status: DataStatus,
    req: { metric: MetricDefinition; grain: Grain; periodStart: string },
  ): Promise<MapValue | null> {
    this.access.require(req.metric, 'england', req.grain);
    return getEnglandMapValue(this.source.db, this.source.catalogue, status, req);
  }

  /** Which metrics have figures at a level over a range (which, not what: the pickers mark the others). */
  metricsWithFigures(req: {
    level: AreaLevel;
    grain: Grain;
    from: string;
    to: string;
  }): Promise<Set<string>> {
    return metricsWithFigures(this.source.db, this.source.catalogue, req);
  }

  /** The loaded data's status (periods, demo or not): not a figure, open to all. */
  dataStatus(): Promise<DataStatus> {
    return this.source.pages.dataStatus();
  }

  /** One metric's series for one area (src/query/series.ts getMetricSeries), as this viewer may see it. */
  async series(
    status: DataStatus,
    metric: MetricDefinition,
    req: Omit<SeriesRequest, 'metricId' | 'fill' | 'windowMonths'>,
  ): Promise<FigurePoint[]> {
    this.access.require(metric, req.level, req.grain);
    const points = await getMetricSeries(this.source.db, status, metric, req, [...this.source.catalogue]);
    const rate = this.rateDiscloser(metric, req.level);
    if (rate) {
      const seen = points.map((p) => ({ ...p, ...rateFields(rate(p)) }));
      return seen.map((p, i) => ({ ...p, changePct: seenChange(p, seen[i - 1]) }));
    }
    const disclose = this.access.discloser(metric.unit, req.level);
    return points.map((p, i) =>
      disclose
        ? { ...p, value: disclose(p.value), changePct: null }
        : { ...p, changePct: changePct(p, points[i - 1] ?? null) },
    );
  }

  /**
   * One metric's figures for an area's children (src/query/breakdown.ts), as this viewer may see them at the
   * children's level: under disclosure control counts are disclosed and shares of the parent withheld.
   */
  async breakdown(
    status: DataStatus,
    metric: MetricDefinition,
    req: Parameters<typeof getMetricBreakdown>[4],
  ): Promise<Awaited<ReturnType<typeof getMetricBreakdown>>> {
    this.access.require(metric, req.child, req.grain);
    const found = await getMetricBreakdown(this.source.db, status, this.source.catalogue, metric, req);
    const rate = this.rateDiscloser(metric, req.child);
    if (rate) {
      const rows = found.rows.map((r) => {
        if (r.value === null) return r;
        const d = rate(r);
        return { ...r, value: d.value, numerator: d.numerator, coverage: d.coverage };
      });
      // Ordered as read (highest first, then by name), on the figures given out.
      rows.sort((a, b) => (b.value ?? -Infinity) - (a.value ?? -Infinity) || a.name.localeCompare(b.name));
      return { ...found, rows };
    }
    const disclose = this.access.discloser(metric.unit, req.child);
    if (!disclose) return found;
    return {
      ...found,
      rows: found.rows.map((r) => ({ ...r, value: disclose(r.value), shareOfParent: null })),
    };
  }

  /**
   * The metric areas are ranked or compared on for `metricId`, for the open-data rule (a derived
   * `<count>_per_1000` follows its count).
   */
  private comparedMetric(metricId: string): OpenMetricRef {
    return resolvePeerMetric(metricId, [...this.source.catalogue])?.metric ?? { mi_publication: false };
  }

  /** Whether this viewer may see a ranking of `metricId` at this level and grain. */
  canRank(metricId: string, level: AreaLevel, grain: Grain): boolean {
    return this.access.canSee(this.comparedMetric(metricId), level, grain);
  }

  /**
   * A ranking (src/query/ranking.ts) as this viewer may see it, and whether it goes out the same to
   * everyone. Ranks of counts would give the exact counts away under disclosure control, so such a ranking
   * is refused; a rate's counts are disclosed.
   */
  async ranking(status: DataStatus, req: RankingRequest): Promise<{ ranking: Ranking; shared: boolean }> {
    const ranked = this.comparedMetric(req.metricId);
    this.access.require(ranked, req.level, req.grain);
    const resolved = resolvePeerMetric(req.metricId, [...this.source.catalogue]);
    if (resolved && !resolved.isRate && this.access.discloses(resolved.metric.unit, req.level))
      throw new RestrictedFigureError('Sign in with an NHS email address to rank areas on counts.');
    // Rates of counts under disclosure control are ranked on the rates given out (ADR 0061).
    const rate = resolved ? this.rateDiscloser(resolved.metric, req.level) : null;
    const seen = rate ? (p: SeriesPoint) => seenRatePoint(p, rate(p)) : undefined;
    const ranking = await getRanking(this.source.db, this.source.catalogue, req, status, undefined, seen);
    const countUnit = ranking.numerator?.unit ?? ranking.metric.unit;
    return { ranking, shared: this.access.isShared(ranked, req.level, req.grain, countUnit) };
  }

  /**
   * Whether this viewer may compare areas of a level on `metricId`; refuses otherwise. Deciles and ranks of
   * counts would give exact counts away under disclosure control, so those are refused then too.
   */
  requirePeers(metricId: string, level: AreaLevel, grain: Grain): void {
    const compared = this.comparedMetric(metricId);
    this.access.require(compared, level, grain);
    const resolved = resolvePeerMetric(metricId, [...this.source.catalogue]);
    if (resolved && this.access.discloses(resolved.metric.unit, level))
      throw new RestrictedFigureError('Sign in with an NHS email address to compare areas on counts.');
    // Deciles of exact rates would give areas' exact counts back (ADR 0061).
    if (resolved && this.access.disclosesRate(resolved.metric, level))
      throw new RestrictedFigureError(
        'Sign in with an NHS email address to compare areas on rates of counts under disclosure control.',
      );
  }

  /** Whether a comparison of areas on `metricId` goes out the same to everyone (a shared cache may keep it). */
  isSharedComparison(metricId: string, level: AreaLevel, grain: Grain): boolean {
    const resolved = resolvePeerMetric(metricId, [...this.source.catalogue]);
    const unit = resolved?.metric.unit ?? '';
    return this.access.isShared(this.comparedMetric(metricId), level, grain, unit);
  }

  /** Where an area stands among the areas of its level (src/query/peers.ts), and whether all see it so. */
  async peers(status: DataStatus, req: PeersRequest): Promise<{ peers: Peers; shared: boolean }> {
    this.requirePeers(req.metricId, req.level, req.grain);
    const peers = await getPeers(this.source.db, req, [...this.source.catalogue], status);
    return { peers, shared: this.isSharedComparison(req.metricId, req.level, req.grain) };
  }

  /**
   * Jump-offs to partners of one area over a range (src/query/partners.ts), as this viewer may see them: under
   * disclosure control counts are disclosed and shares withheld (they would give the exact counts back).
   */
  async partnerJumpOffs(
    status: DataStatus,
    req: RangeRequest & { source: JumpOffSource; structure: Structure },
  ): Promise<{ jumpOffs: PartnerJumpOffs; shared: boolean }> {
    const metric = jumpOffMetric(this.source.catalogue, req.source);
    this.access.require(metric, req.level, req.grain);
    const j = await getPartnerJumpOffs(this.source.db, status, this.source.catalogue, req);
    const shared = this.access.isShared(metric, req.level, req.grain, metric.unit);
    const disclose = this.access.discloser(metric.unit, req.level);
    if (!disclose) return { jumpOffs: j, shared };
    const line = (l: PartnerLine): PartnerLine => ({
      ...l,
      total: disclose(l.total),
      share: null,
      values: l.values.map(disclose),
    });
    return {
      jumpOffs: {
        ...j,
        total: disclose(j.total),
        periods: j.periods.map((p) => ({ ...p, total: disclose(p.total) })),
        providers: j.providers.map(line),
        services: j.services.map(line),
      },
      shared,
    };
  }

  /**
   * One area's jump-offs of a source in one period by provider and service (src/query/jump-offs.ts), as
   * this viewer may see them: clicks disclosed and shares withheld under disclosure control.
   */
  async jumpOffBreakdown(
    req: Omit<JumpOffRequest, 'metricId'> & { source: JumpOffSource; periodStart: string },
  ): Promise<JumpOffRow[]> {
    const metric = jumpOffMetric(this.source.catalogue, req.source);
    this.access.require(metric, req.level, req.grain);
    const rows = await getJumpOffBreakdown(this.source.db, { ...req, metricId: metric.id });
    const disclose = this.access.discloser(metric.unit, req.level);
    if (!disclose) return rows;
    return rows.map((r) => ({ ...r, value: disclose(r.value) ?? 0, share: null }));
  }

  /** One area's jump-offs of a source per period, for a provider and/or service, as this viewer may see them. */
  async jumpOffSeries(
    req: Omit<JumpOffRequest, 'metricId'> & {
      source: JumpOffSource;
      from: string;
      to: string;
      provider?: string;
      service?: string;
    },
  ): Promise<{ periodStart: string; value: number | null }[]> {
    const metric = jumpOffMetric(this.source.catalogue, req.source);
    this.access.require(metric, req.level, req.grain);
    const points = await getJumpOffSeries(this.source.db, { ...req, metricId: metric.id });
    const disclose = this.access.discloser(metric.unit, req.level);
    return disclose ? points.map((p) => ({ ...p, value: disclose(p.value) })) : points;
  }

  /** The organ donation actions of one area over a range (src/query/partners.ts), as this viewer may see them. */
  async organDonation(
    status: DataStatus,
    req: RangeRequest & { structure: Structure },
  ): Promise<{ organDonation: OrganDonation; shared: boolean }> {
    const metrics = organDonationMetrics(this.source.catalogue);
    for (const m of metrics) this.access.require(m, req.level, req.grain);
    const od = await getOrganDonation(this.source.db, status, [...this.source.catalogue], req);
    const shared = metrics.every((m) => this.access.isShared(m, req.level, req.grain, m.unit));
    return {
      organDonation: {
        ...od,
        metrics: od.metrics.map((m) => {
          const disclose = this.access.discloser(m.metric.unit, req.level);
          if (!disclose) return m;
          return {
            ...m,
            total: disclose(m.total),
            series: m.series.map((p) => ({ ...p, value: disclose(p.value) })),
          };
        }),
      },
      shared,
    };
  }

  /**
   * Headline rates by GP system supplier of one area's practices (src/query/partners.ts). A supplier group can
   * be a single practice, so its figures are practice-level figures for the open-data rule and disclosure.
   */
  async supplierBreakdown(status: DataStatus, req: RangeRequest): Promise<SupplierBreakdown> {
    for (const m of supplierRateMetrics(this.source.catalogue)) this.access.require(m, 'practice', req.grain);
    const b = await getSupplierBreakdown(this.source.db, status, [...this.source.catalogue], req);
    return {
      ...b,
      groups: b.groups.map((g) => ({
        ...g,
        figures: g.figures.map((f) => {
          const disclose = this.access.discloser(f.numerator.unit, 'practice');
          if (!disclose) return f;
          return {
            ...f,
            points: f.points.map((p) => ({
              ...p,
              count: disclose(p.count),
              numerator: disclose(p.numerator),
            })),
          };
        }),
      })),
    };
  }

  /**
   * A page of the data table: every metric of the request must be one this viewer may see at its level and
   * grain; counts below England reach visitors disclosure-controlled.
   */
  async dataTable(
    status: DataStatus,
    req: DataTableRequest,
    page: { limit: number; offset: number },
  ): Promise<{ total: number; rows: DataTableRow[] }> {
    for (const m of req.metrics) this.access.require(m, req.level, req.grain);
    const result = await getDataTable(this.source.db, status, this.source.catalogue, req, page);
    return { ...result, rows: this.discloseRows(result.rows) };
  }

  /** The data table an area range at a time (the wide CSV), as `dataTable` gives it. */
  async *dataTableByArea(
    status: DataStatus,
    req: DataTableRequest,
    chunkRows: number,
    /** The selection's areas when the caller has read them already. */
    areaList?: readonly DataTableArea[],
  ) {
    for (const m of req.metrics) this.access.require(m, req.level, req.grain);
    const { db, catalogue } = this.source;
    for await (const rows of dataTableByArea(db, status, catalogue, req, chunkRows, areaList))
      yield this.discloseRows(rows);
  }

  private discloseRows(rows: DataTableRow[]): DataTableRow[] {
    // Most answers disclose nothing (staff, or figures outside disclosure control): the rows then go out as
    // read, without a look at each (the series of an ICB's practices is 4,000 rows).
    if (!this.disclosesAnyOf(rows)) return rows;
    const rates = new Map<string, RateDiscloser | null>();
    const rateOf = (r: DataTableRow): RateDiscloser | null => {
      const key = `${r.metricId} ${r.areaLevel}`;
      if (!rates.has(key)) {
        const metric = this.byId.get(r.metricId);
        rates.set(key, metric ? this.rateDiscloser(metric, r.areaLevel) : null);
      }
      return rates.get(key)!;
    };
    return rows.map((r) => {
      const rate = r.value === null ? null : rateOf(r);
      if (rate) {
        const d = rate(r);
        return d.suppressed
          ? { ...r, value: null, numerator: null, coverage: null, suppressed: true }
          : { ...r, value: d.value, numerator: d.numerator, coverage: d.coverage };
      }
      const unit = this.byId.get(r.metricId)?.unit ?? '';
      if (r.value === null || !this.access.discloses(unit, r.areaLevel)) return r;
      const d = this.access.count(r.value, unit, r.areaLevel);
      return d.suppressed ? { ...r, value: null, suppressed: true } : { ...r, value: d.value };
    });
  }

  /** Whether any (metric, level) of these rows is disclosed to this viewer: a rate or a count under control. */
  private disclosesAnyOf(rows: readonly DataTableRow[]): boolean {
    const seen = new Set<string>();
    let last: DataTableRow | undefined;
    for (const r of rows) {
      if (last && r.metricId === last.metricId && r.areaLevel === last.areaLevel) continue;
      last = r;
      const key = `${r.metricId} ${r.areaLevel}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const metric = this.byId.get(r.metricId);
      if (!metric) continue;
      if (this.rateDiscloser(metric, r.areaLevel) || this.access.discloses(metric.unit, r.areaLevel))
        return true;
    }
    return false;
  }

  /**
   * A tile's comparison as this viewer may see it: only the figures of areas whose figures of the compared
   * rate they may see, and a verdict only with the figure it is against. Null when none is left.
   */
  private seenComparison(
    t: AreaTile,
    canSee: (metric: OpenMetricRef, at: AreaLevel) => boolean,
  ): AreaTile['comparison'] {
    const c = t.comparison;
    if (!c) return null;
    // A rate derived from a count is open when the count is (src/domain/access.ts).
    const compared = this.comparedMetric(c.metricId);
    const figures = c.figures.filter((f) => canSee(compared, f.area.level));
    if (figures.length === 0) return null;
    return {
      ...c,
      figures,
      // A verdict tells which side of a figure the area is: given only with the figures it uses.
      comparedWithEngland: figures.some((f) => f.role === 'england') ? c.comparedWithEngland : 'not-compared',
      comparedWithParent: figures.some((f) => f.role === 'parent') ? c.comparedWithParent : 'not-compared',
      ...(c.comparedWithIcb
        ? { comparedWithIcb: figures.some((f) => f.role === 'icb') ? c.comparedWithIcb : 'not-compared' }
        : {}),
    };
  }

  /** The rate a tile's comparison (or trend) is on: the catalogue's, or `<count>_per_1000` derived. */
  private comparedRate(metricId: string): RateMetric | null {
    return resolvePeerMetric(metricId, [...this.source.catalogue])?.metric ?? null;
  }

  /**
   * A tile's comparison as this viewer may see it (`seenComparison`), with the rates of areas whose counts
   * are under disclosure control worked out from the disclosed counts, and the verdicts then from those
   * (ADR 0061). England's figure is never disclosure-controlled.
   */
  private disclosedComparison(
    t: AreaTile,
    canSee: (metric: OpenMetricRef, at: AreaLevel) => boolean,
  ): AreaTile['comparison'] {
    const c = this.seenComparison(t, canSee);
    const metric = c && this.comparedRate(c.metricId);
    if (!c || !metric) return c;
    let changed = false;
    const figures = c.figures.map((f) => {
      const rate = f.value === null ? null : this.rateDiscloser(metric, f.area.level);
      if (!rate) return f;
      changed = true;
      const d = rate(f);
      return {
        ...f,
        value: d.value,
        numerator: d.numerator,
        coverage: d.coverage,
        lowerCi95: d.confidence?.lowerCi95 ?? null,
        upperCi95: d.confidence?.upperCi95 ?? null,
        lowerCi998: d.confidence?.lowerCi998 ?? null,
        upperCi998: d.confidence?.upperCi998 ?? null,
      };
    });
    if (!changed) return c;
    const own95 = interval95(figures.find((f) => f.role === 'area'));
    const benchmark = (role: 'england' | 'parent' | 'icb') =>
      figures.find((f) => f.role === role)?.value ?? null;
    return {
      ...c,
      figures,
      comparedWithEngland: compareWithBenchmark(own95, benchmark('england'), t.polarity),
      comparedWithParent: compareWithBenchmark(own95, benchmark('parent'), t.polarity),
      ...(c.comparedWithIcb
        ? { comparedWithIcb: compareWithBenchmark(own95, benchmark('icb'), t.polarity) }
        : {}),
    };
  }

  /**
   * A tile's trend (its rate for the area, parent and England) as this viewer may see it: rates of counts
   * under disclosure control worked out from the disclosed counts, suppressed ones left out (ADR 0061).
   */
  private disclosedTrend(trend: AreaTrend, level: AreaLevel): AreaTrend {
    const metric = this.comparedRate(trend.metricId);
    const seen = (points: SeriesPoint[], at: AreaLevel): SeriesPoint[] => {
      const rate = metric && this.rateDiscloser(metric, at);
      if (!rate) return points;
      return points.map((p) => seenRatePoint(p, rate(p))).filter((p): p is SeriesPoint => p !== null);
    };
    return {
      ...trend,
      area: seen(trend.area, level),
      parent: trend.parent && { ...trend.parent, points: seen(trend.parent.points, trend.parent.area.level) },
    };
  }

  /**
   * How this viewer sees a tile's points at `level`: null when as read; otherwise each point disclosed (a
   * count rounded, a rate of a count worked out from the disclosed count), or null when suppressed.
   */
  private tilePoints(
    metricId: string,
    unit: string,
    level: AreaLevel,
  ): ((p: SeriesPoint) => SeriesPoint | null) | null {
    const metric = this.byId.get(metricId);
    const rate = metric ? this.rateDiscloser(metric, level) : null;
    if (rate) return (p) => seenRatePoint(p, rate(p));
    if (!this.access.discloses(unit, level)) return null;
    return (p) => {
      const d = this.access.count(p.value, unit, level);
      return d.suppressed ? null : { periodStart: p.periodStart, value: d.value, complete: p.complete };
    };
  }

  /**
   * England's series of the tiles this viewer sees (`seen`: the open series) only; England's figures are not
   * under disclosure control, so they go out as they are.
   */
  private openEnglandSeries(
    england: Record<string, SeriesPoint[]> | undefined,
    seen: Record<string, SeriesPoint[]>,
    grain: Grain,
  ): Record<string, SeriesPoint[]> | undefined {
    if (!england) return undefined;
    return Object.fromEntries(
      Object.entries(england).filter(([id]) => id in seen && this.isOpen(id, 'england', grain)),
    );
  }

  private isOpen(metricId: string, level: AreaLevel, grain: Grain): boolean {
    const metric = this.byId.get(metricId);
    return metric !== undefined && this.access.canSee(metric, level, grain);
  }

  /**
   * The tiles and series this viewer may see at `level`/`grain`, counts disclosure-controlled where that
   * applies and rates of them worked out from the disclosed counts (suppressed points are left out of the
   * series and listed; the tiles' latest, previous and change are worked out again from the disclosed
   * figures). Comparisons keep the open figures they use (`disclosedComparison`).
   */
  private openTilesAndSeries<T extends SummaryTile>(
    level: AreaLevel,
    grain: Grain,
    tiles: readonly T[],
    series: Record<string, SeriesPoint[]>,
  ): { tiles: T[]; series: Record<string, SeriesPoint[]>; hidden: HiddenFigures } {
    const hidden: HiddenFigures = {
      suppressed: new Map(),
      latestSuppressed: new Set(),
      periods: {},
      lastPeriod: latestPeriod(Object.values(series).flat()),
    };
    const out = { tiles: [] as T[], series: {} as Record<string, SeriesPoint[]>, hidden };
    const canSee = (m: OpenMetricRef, at: AreaLevel) => this.access.canSee(m, at, grain);
    for (const tile of tiles) {
      if (!this.isOpen(tile.metricId, level, grain)) continue;
      const points = series[tile.metricId] ?? [];
      // The verdict against England (or the parent) with the open figures it uses, as the API's summary
      // gives it; under disclosure control on rates worked out from disclosed counts.
      const seenTile = (
        'comparison' in tile
          ? { ...tile, comparison: this.disclosedComparison(tile as unknown as AreaTile, canSee) }
          : { ...tile }
      ) as T;
      const see = this.tilePoints(tile.metricId, tile.unit, level);
      if (!see) {
        out.tiles.push(seenTile);
        out.series[tile.metricId] = points;
        continue;
      }
      const suppressed = new Set<string>();
      const disclose = (p: SeriesPoint | null): SeriesPoint | null => {
        if (!p) return null;
        const d = see(p);
        if (d === null) suppressed.add(p.periodStart);
        return d;
      };
      out.series[tile.metricId] = points.map(disclose).filter((p): p is SeriesPoint => p !== null);
      hidden.suppressed.set(tile.metricId, suppressed);
      hidden.periods[tile.metricId] = points.map((p) => ({
        periodStart: p.periodStart,
        complete: p.complete,
      }));
      const latest = disclose(tile.latest);
      const previous = disclose(tile.previous);
      // Not in the series' periods: a suppressed year-earlier figure only leaves the tile's comparison out.
      const yearEarlier = tile.yearEarlier && see(tile.yearEarlier);
      if (tile.latest && latest === null) hidden.latestSuppressed.add(tile.metricId);
      out.tiles.push({
        ...seenTile,
        latest,
        previous,
        changePct: changePct(latest, previous),
        yearEarlier,
        changeOnYearPct: changePct(latest, yearEarlier),
      });
    }
    return out;
  }

  /**
   * A children table for this viewer: for visitors, none when the children's level or grain is not open;
   * otherwise counts disclosure-controlled (suppressed ones 0 for sorting, and listed) and the columns of
   * metrics that are not open emptied (rates of open counts are open: src/domain/access.ts).
   */
  private openChildren(children: AreaChildren | null): Seen<AreaChildren | null, HiddenChildren> {
    if (this.viewer.signedIn || children === null) return { figures: children, hidden: null };
    const hidden: HiddenChildren = { columns: new Set(), suppressed: new Map() };
    const { level, grain } = children;
    if (!this.access.canSee({ mi_publication: true }, level, grain)) return { figures: null, hidden };
    const ids = childColumns(this.source.catalogue);
    const open = {
      logins: this.isOpen(ids.logins, level, grain),
      users: this.isOpen(ids.users, level, grain),
      rate: this.isOpen(ids.usersPer1000, level, grain),
      registered: this.isOpen(ids.registeredPct, level, grain),
    };
    for (const [column, isOpen] of Object.entries(open))
      if (!isOpen) hidden.columns.add(column as ChildColumn);
    // Rates of counts under disclosure control are worked out from the disclosed counts (ADR 0061).
    const rateOf = (id: string) => {
      const m = this.byId.get(id);
      return m ? this.rateDiscloser(m, level) : null;
    };
    const rates = { rate: rateOf(ids.usersPer1000), registered: rateOf(ids.registeredPct) };
    const rows = children.rows.map((r) => {
      const markSuppressed = (key: ChildColumn) => {
        const set = hidden.suppressed.get(r.code) ?? new Set();
        set.add(key);
        hidden.suppressed.set(r.code, set);
      };
      const count = (key: 'logins' | 'users', value: number): number => {
        if (!open[key]) return 0;
        const d = this.access.count(value, 'events', level);
        if (!d.suppressed) return d.value;
        markSuppressed(key);
        return 0;
      };
      const rate = (key: 'rate' | 'registered', value: number | null, coverage: number | null) => {
        if (!open[key]) return { value: null, coverage: null };
        const disclose = rates[key];
        if (!disclose || value === null) return { value, coverage };
        const d = disclose({
          numerator: r.rateParts?.[key === 'rate' ? 'usersPer1000' : 'registeredPct'],
          denominator: r.rateParts?.denominator,
          coverage,
        });
        if (d.suppressed) markSuppressed(key);
        return { value: d.value, coverage: d.coverage };
      };
      const users = rate('rate', r.usersPer1000, r.usersPer1000Coverage);
      const registered = rate('registered', r.registeredPct, r.registeredPctCoverage);
      const { rateParts: _parts, ...row } = r;
      return {
        ...row,
        logins: count('logins', r.logins),
        users: count('users', r.users),
        usersPer1000: users.value,
        usersPer1000Coverage: users.coverage,
        registeredPct: registered.value,
        registeredPctCoverage: registered.coverage,
      };
    });
    return { figures: { ...children, rows }, hidden };
  }
}
