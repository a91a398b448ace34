/**
 * Who may see which figures: the one place the open-data rule is defined (PRODUCT.md §10, issues 5 and 11).
 *
 * Open data, for everyone: monthly figures for England, NHS England regions and ICBs of the open metrics:
 * those in the official NHS App Management Information publication (`mi_publication: true`), GP list sizes
 * (`source: list_sizes`, themselves open data published by NHS England), running totals of open counts, and
 * rates and percentages per patients aged 13+ of open counts (e.g. registrations per 1,000 patients aged
 * 13+, the % of patients aged 13+ registered): an open count divided by an open list size reveals nothing
 * more (ADR 0024). Everything else (weekly figures, sub-ICB, PCN and practice levels, other metrics, bulk
 * downloads) needs a signed-in NHS user; admin pages need the admin role. Pure: no I/O, so pages, API and
 * tests share it.
 */
import type { AreaLevel } from './areas.ts';
import type { Grain } from './metric-definition.ts';
import { metricKind } from './metric-kind.ts';

export type Role = 'viewer' | 'admin';

/** The person (or API token) behind a request. Never holds the email in logs: `userId` is an opaque id. */
export interface Viewer {
  signedIn: boolean;
  role: Role | null;
  userId: string | null;
  /** How they proved who they are. */
  via: 'session' | 'token' | null;
}

export const ANONYMOUS_VIEWER: Viewer = Object.freeze({
  signedIn: false,
  role: null,
  userId: null,
  via: null,
});

/**
 * Whoever runs the command line on the server: they hold the warehouse itself, so they see every figure as
 * staff do (exact, no open-data filter). Never used for a web request.
 */
export const OPERATOR_VIEWER: Viewer = Object.freeze({
  signedIn: true,
  role: 'admin',
  userId: null,
  via: null,
});

export const OPEN_DATA_LEVELS: readonly AreaLevel[] = ['england', 'region', 'icb'];
export const OPEN_DATA_GRAINS: readonly Grain[] = ['month'];

/** What a route needs before its handler runs (declared per route as `config.access`). */
export type RouteAccess =
  /** Reference data, static pages, assets, sign-in: always open. */
  | 'public'
  /** Serves figures: open to all, but the handler checks every figure with `canViewFigure`. */
  | 'figures'
  /** Only signed-in users (any role). The default for a route that declares nothing. */
  | 'signed-in'
  /** Only admins. */
  | 'admin';

/** The parts of a metric definition the open-data rule reads. */
export interface OpenMetricRef {
  id?: string;
  mi_publication: boolean;
  source?: string;
  aggregation?: string;
  /** For running totals: the count they accumulate. */
  of?: string;
  /** For ratios. */
  numerator?: string;
  denominator?: string;
  /** What a figure counts (events, users, per_1000, percent…): disclosure control goes by it. */
  unit?: string;
}

export interface FigureRef {
  metric: OpenMetricRef;
  level: AreaLevel;
  grain: Grain;
  /**
   * The catalogue, to follow a rate to its numerator and denominator and a running total to its count.
   * Without it only MI metrics and list sizes are open (rates and running totals then need sign-in).
   */
  catalogue?: OpenCatalogue;
}

/** A catalogue as a list or as a map by id. */
export type OpenCatalogue = readonly OpenMetricRef[] | ReadonlyMap<string, OpenMetricRef>;

/** A metric of a catalogue (list or map) by id; undefined without either. */
export function catalogueMetric(
  catalogue: OpenCatalogue | undefined,
  id: string | undefined,
): OpenMetricRef | undefined {
  if (!id || !catalogue) return undefined;
  return 'get' in catalogue ? catalogue.get(id) : catalogue.find((m) => m.id === id);
}

/** The source of GP list sizes (registered patients), open data in their own right. */
export const LIST_SIZE_SOURCE = 'list_sizes';

/**
 * Whether a metric is open data at the open levels and grains: an MI metric, a list size, a running total of
 * an open metric, or a ratio of an open metric to a list size (rates per 1,000 patients aged 13+, % of
 * patients aged 13+ registered). Unknown numerators or denominators are not open.
 */
export function isOpenMetric(metric: OpenMetricRef, catalogue?: OpenCatalogue): boolean {
  const find = (id: string | undefined) => catalogueMetric(catalogue, id);
  const open = (m: OpenMetricRef | undefined, depth: number): boolean => {
    if (!m || depth > 4) return false;
    if (m.mi_publication || m.source === LIST_SIZE_SOURCE) return true;
    const k = metricKind(m);
    if (k.kind === 'running_total') return open(find(k.of), depth + 1);
    if (k.kind === 'patient_rate' || k.kind === 'ratio') {
      return find(m.denominator)?.source === LIST_SIZE_SOURCE && open(find(m.numerator), depth + 1);
    }
    return false;
  };
  return open(metric, 0);
}

/** True when a figure is open data (anyone may see it). */
export function isOpenFigure({ metric, level, grain, catalogue }: FigureRef): boolean {
  return (
    OPEN_DATA_LEVELS.includes(level) && OPEN_DATA_GRAINS.includes(grain) && isOpenMetric(metric, catalogue)
  );
}

/**
 * Whether a page of areas of this level by this grain shows its figures without sign-in: links to one can
 * then say so to a visitor who is not signed in, instead of leading to the sign-in page unannounced.
 */
export function isOpenView(level: AreaLevel, grain: Grain): boolean {
  return OPEN_DATA_LEVELS.includes(level) && OPEN_DATA_GRAINS.includes(grain);
}

export function canViewFigure(viewer: Viewer, figure: FigureRef): boolean {
  return viewer.signedIn || isOpenFigure(figure);
}

/** Whether a route's declared access lets this viewer in (figure checks happen in the handler). */
export function meetsRouteAccess(viewer: Viewer, access: RouteAccess): boolean {
  switch (access) {
    case 'public':
    case 'figures':
      return true;
    case 'signed-in':
      return viewer.signedIn;
    case 'admin':
      return viewer.signedIn && viewer.role === 'admin';
  }
}
