import type { AppConfig } from '../config.ts';
import type { AreaLevel } from '../domain/areas.ts';
import type { Clock } from '../domain/clock.ts';
import type { Grain } from '../domain/metric-definition.ts';
import type {
  AreaChildren,
  AreaPage,
  AreaSearchResults,
  DataStatus,
  NationalSummary,
} from '../query/types.ts';
import type { Warehouse } from '../warehouse/db.ts';
import type { StateDb } from '../app-state/state-db.ts';
import type { MetricDefinition } from '../domain/metric-definition.ts';
import type { OidcClient } from '../auth/oidc.ts';
import type { RefreshControl } from '../domain/refresh.ts';

/** One area in a list (API and pages). */
export interface AreaListItem {
  code: string;
  onsCode: string | null;
  name: string;
  /** Sub-ICB locations: the place name (docs/adr/0028); null otherwise. */
  placeName: string | null;
  level: AreaLevel;
  parentCode: string | null;
  parentLevel: AreaLevel | null;
  isCurrent: boolean;
}

/**
 * The read model the pages and API need. Pages never run SQL: the query module implements this over the
 * warehouse; tests use an in-memory implementation (test/support/in-memory-queries.ts).
 */
export interface PageQueries {
  nationalSummary(opts: { grain: Grain; includePartial: boolean }): Promise<NationalSummary>;
  /**
   * Areas at `level` (current structure, in a stable order, e.g. by name or code), optionally only those
   * under `parent`: the code of an area at a higher level, normally the level just above (the route passes
   * it upper-cased and validated as 1–12 letters or digits). Returns null when no area has that code, which
   * the API answers with 404; an existing parent with no areas below at `level` gives [].
   */
  listAreas(opts: { level: AreaLevel; parent?: string }): Promise<AreaListItem[] | null>;
  dataStatus(): Promise<DataStatus>;
  /**
   * An area page: the area (today's structure, closed areas included), its ancestors, headline tiles with
   * comparisons, trends and children. `code` is upper-case. Null when there is no area at `level` with that
   * code (the page answers 404).
   */
  areaPage(opts: {
    level: AreaLevel;
    code: string;
    grain: Grain;
    includePartial: boolean;
  }): Promise<AreaPage | null>;
  /**
   * An area's children with their figures for the latest complete period (e.g. England's regions). Null when
   * the area does not exist or has no level below it.
   */
  areaChildren(opts: { level: AreaLevel; code: string; grain: Grain }): Promise<AreaChildren | null>;
  /**
   * Areas matching a search by name, ODS or ONS code or practice postcode, best first, at most 50. The query
   * is passed as typed (1 to 100 characters once tidied); implementations tidy it with normaliseSearch.
   */
  searchAreas(opts: { query: string }): Promise<AreaSearchResults>;
}

export interface AppDeps {
  /** What figures are read from: the warehouse, or (serve) the published figure store's reader (ADR 0026). */
  db: Warehouse;
  /** The warehouse itself when `db` is the figure store's reader: sign-in state still lives there. */
  warehouse?: Warehouse;
  /** Readiness of the figure store (figures loaded, PostgreSQL answering): null when ready, else why not. */
  figuresNotReady?: () => Promise<string | null>;
  /**
   * The app-state store (src/app-state, docs/adr/0025): users, sessions, tokens, sign-in links, audit log and
   * refresh history, in DATA_DIR/state/app-state.duckdb or PostgreSQL. Absent (tests on a bare warehouse): the
   * warehouse's own tables.
   */
  state?: StateDb | null;
  config: AppConfig;
  clock: Clock;
  queries: PageQueries;
  /** The metric catalogue (loaded from metrics/ when not given). */
  catalogue?: readonly MetricDefinition[];
  /**
   * Sign-in by OpenID Connect (src/auth/oidc.ts): `createOidcClient(loadOidcConfig(env))` when OIDC_ISSUER is
   * set; absent or null = not offered.
   */
  oidc?: OidcClient | null;
  /**
   * The refresh service (src/app/refresh.ts, src/http/refresh-routes.ts): loads the inbox and builds while
   * serving. Absent or null: "Refresh now" answers 503.
   */
  refresh?: RefreshControl | null;
  /** Fastify logger option: false (default) for silence, true or pino options to log. */
  logger?: boolean | object;
}
