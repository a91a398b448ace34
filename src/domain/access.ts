/**
 * Who may see which figures: the one place the open-data rule is defined (PRODUCT.md §10, issue 5).
 *
 * Open data, for everyone: monthly figures for England, NHS England regions and ICBs of the metrics in the
 * official NHS App Management Information publication (`mi_publication: true`). Everything else (weekly
 * figures, sub-ICB, PCN and practice levels, non-MI metrics, bulk downloads) needs a signed-in NHS user;
 * admin pages need the admin role. Pure: no I/O, so pages, API and tests share it.
 */
import type { AreaLevel } from './areas.ts';
import type { Grain } from './metric-definition.ts';

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

export interface FigureRef {
  metric: { mi_publication: boolean };
  level: AreaLevel;
  grain: Grain;
}

/** True when a figure is open data (anyone may see it). */
export function isOpenFigure({ metric, level, grain }: FigureRef): boolean {
  return metric.mi_publication && OPEN_DATA_LEVELS.includes(level) && OPEN_DATA_GRAINS.includes(grain);
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
