/**
 * The figure reader: the one way pages, API routes, CSVs, the map, the data table and the command line read
 * figures (issue 9, ADR 0042). It is made for one viewer (`FigureAccess`) and applies the open-data rule and
 * disclosure control inside, once, to everything it returns: a restricted figure is refused
 * (RestrictedFigureError) or left out before it leaves this module, and a count under disclosure control
 * leaves it suppressed or rounded. What was left out is described (`Hidden*`) so that views can say so
 * ("*", "not shown in open data") without knowing the rules.
 */
import { ENGLAND_CODE, type AreaLevel } from '../domain/areas.ts';
import type { OpenMetricRef } from '../domain/access.ts';
import { RestrictedFigureError, type FigureAccess } from '../domain/figure-access.ts';
import type { Grain, MetricDefinition } from '../domain/metric-definition.ts';
import { percentChange } from '../domain/rate.ts';
import { latestPeriod } from '../domain/time-range.ts';
import type { Warehouse } from '../warehouse/db.ts';
import type { PageQueries } from './page-queries.ts';
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
  /** Per child code, the counts suppressed by disclosure control (0 in the rows, for sorting). */
  suppressed: Map<string, Set<'logins' | 'users'>>;
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
export interface SeenTile extends Omit<SummaryTile, 'latest' | 'previous'> {
  latest: SeenPoint | null;
  previous: SeenPoint | null;
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

/** A read model as this viewer may see it, and what was left out (null: nothing, a signed-in viewer). */
export interface Seen<T, H> {
  figures: T;
  hidden: H | null;
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
    // The rate a count is charted as (its trend) would give the count back: none for the counts disclosure
    // control applied to (those openTilesAndSeries keeps suppressed periods for).
    const disclosed = open.hidden.suppressed;
    const trends =
      page.trends && disclosed.size > 0
        ? Object.fromEntries(Object.entries(page.trends).filter(([id]) => !disclosed.has(id)))
        : page.trends;
    return {
      figures: {
        ...page,
        ...(trends ? { trends } : {}),
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
    const catalogue = [...this.source.catalogue];
    let read: {
      area: AreaRef;
      onsCode: string | null;
      status: DataStatus;
      tiles: (SummaryTile | AreaTile)[];
    };
    if (level === 'england') {
      const summary = await getNationalSummary(this.source.db, catalogue, opts);
      const area: AreaRef = { level, code: ENGLAND_CODE, name: 'England', isCurrent: true };
      read = { area, onsCode: ENGLAND_CODE, status: summary.status, tiles: summary.tiles };
    } else {
      const page = await getAreaPage(this.source.db, catalogue, { ...opts, peers: false, details: false });
      if (!page) return null;
      const { area } = page;
      read = {
        area: {
          level: area.level,
          code: area.code,
          name: area.name,
          placeName: area.placeName ?? null,
          isCurrent: area.isCurrent,
        },
        onsCode: area.onsCode,
        status: page.status,
        tiles: page.tiles,
      };
    }
    const ref = (id: string): OpenMetricRef => this.byId.get(id) ?? { mi_publication: false };
    let shared = true;
    const canSee = (metric: OpenMetricRef, at: AreaLevel) => {
      if (!this.access.isShared(metric, at, grain, '')) shared = false;
      return this.access.canSee(metric, at, grain);
    };
    const visible = read.tiles.filter((t) => canSee(ref(t.metricId), level));
    if (visible.length === 0 && read.tiles.length > 0) throw new RestrictedFigureError();
    const tiles = visible.map((t): SeenTile => {
      // Under disclosure control visitors and staff see different counts.
      if (!this.access.isShared(ref(t.metricId), level, grain, t.unit)) shared = false;
      const disclose = this.access.discloser(t.unit, level);
      const seen = (p: SeriesPoint | null): SeenPoint | null =>
        p && disclose ? { ...p, value: disclose(p.value) } : p;
      const tile: SeenTile = {
        ...t,
        latest: seen(t.latest),
        previous: seen(t.previous),
        changePct: disclose ? null : t.changePct,
      };
      if (!('comparison' in t)) return tile;
      // A disclosed count keeps no comparison: its rate would give the count back (ADR 0024).
      return { ...tile, comparison: disclose ? null : this.seenComparison(t, canSee) };
    });
    return {
      ...read,
      tiles,
      hiddenTiles: read.tiles.length - visible.length,
      shared: shared && visible.length === read.tiles.length,
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
    const ranking = await getRanking(this.source.db, this.source.catalogue, req, status);
    const countUnit = ranking.numerator?.unit ?? ranking.metric.unit;
    const shared = this.access.isShared(ranked, req.level, req.grain, countUnit);
    const disclose = this.access.discloser(countUnit, req.level);
    if (!disclose) return { ranking, shared };
    if (!ranking.isRate)
      throw new RestrictedFigureError('Sign in with an NHS email address to rank areas on counts.');
    return {
      ranking: { ...ranking, rows: ranking.rows.map((r) => ({ ...r, count: disclose(r.count) })) },
      shared,
    };
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
    return rows.map((r) => {
      const unit = this.byId.get(r.metricId)?.unit ?? '';
      if (r.value === null || !this.access.discloses(unit, r.areaLevel)) return r;
      const d = this.access.count(r.value, unit, r.areaLevel);
      return d.suppressed ? { ...r, value: null, suppressed: true } : { ...r, value: d.value };
    });
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
    const compared: OpenMetricRef = c.derived
      ? {
          mi_publication: false,
          aggregation: 'ratio',
          numerator: t.metricId,
          denominator: 'patients_13plus',
        }
      : (this.byId.get(c.metricId) ?? { mi_publication: false });
    const figures = c.figures.filter((f) => canSee(compared, f.area.level));
    if (figures.length === 0) return null;
    return {
      ...c,
      figures,
      // A verdict tells which side of a figure the area is: given only with the figures it uses.
      comparedWithEngland: figures.some((f) => f.role === 'england') ? c.comparedWithEngland : 'not-compared',
      comparedWithParent: figures.some((f) => f.role === 'parent') ? c.comparedWithParent : 'not-compared',
    };
  }

  private isOpen(metricId: string, level: AreaLevel, grain: Grain): boolean {
    const metric = this.byId.get(metricId);
    return metric !== undefined && this.access.canSee(metric, level, grain);
  }

  /**
   * The tiles and series this viewer may see at `level`/`grain`, counts disclosure-controlled where that
   * applies (suppressed points are left out of the series and listed; the tiles' latest, previous and change
   * are worked out again from the disclosed figures). Comparisons are removed: their verdicts and intervals
   * are not open data.
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
    for (const tile of tiles) {
      if (!this.isOpen(tile.metricId, level, grain)) continue;
      const points = series[tile.metricId] ?? [];
      const withoutComparison = ('comparison' in tile ? { ...tile, comparison: null } : { ...tile }) as T;
      if (!this.access.discloses(tile.unit, level)) {
        // The verdict against England (or the parent) with the open figures it uses, as the API's summary
        // gives it. A count under disclosure control keeps none: its rate would give the count back.
        out.tiles.push(
          'comparison' in tile
            ? ({
                ...tile,
                comparison: this.seenComparison(tile as unknown as AreaTile, (m, at) =>
                  this.access.canSee(m, at, grain),
                ),
              } as T)
            : withoutComparison,
        );
        out.series[tile.metricId] = points;
        continue;
      }
      const suppressed = new Set<string>();
      const disclose = (p: SeriesPoint | null): SeriesPoint | null => {
        if (!p) return null;
        const d = this.access.count(p.value, tile.unit, level);
        if (d.suppressed) {
          suppressed.add(p.periodStart);
          return null;
        }
        return { periodStart: p.periodStart, value: d.value, complete: p.complete };
      };
      out.series[tile.metricId] = points.map(disclose).filter((p): p is SeriesPoint => p !== null);
      hidden.suppressed.set(tile.metricId, suppressed);
      hidden.periods[tile.metricId] = points.map((p) => ({
        periodStart: p.periodStart,
        complete: p.complete,
      }));
      const latest = disclose(tile.latest);
      const previous = disclose(tile.previous);
      if (tile.latest && latest === null) hidden.latestSuppressed.add(tile.metricId);
      out.tiles.push({ ...withoutComparison, latest, previous, changePct: changePct(latest, previous) });
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
    const rows = children.rows.map((r) => {
      const count = (key: 'logins' | 'users', value: number): number => {
        if (!open[key]) return 0;
        const d = this.access.count(value, 'events', level);
        if (!d.suppressed) return d.value;
        const set = hidden.suppressed.get(r.code) ?? new Set();
        set.add(key);
        hidden.suppressed.set(r.code, set);
        return 0;
      };
      return {
        ...r,
        logins: count('logins', r.logins),
        users: count('users', r.users),
        usersPer1000: open.rate ? r.usersPer1000 : null,
        usersPer1000Coverage: open.rate ? r.usersPer1000Coverage : null,
        registeredPct: open.registered ? r.registeredPct : null,
        registeredPctCoverage: open.registered ? r.registeredPctCoverage : null,
      };
    });
    return { figures: { ...children, rows }, hidden };
  }
}
