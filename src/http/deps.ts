import type { AppConfig } from '../config.ts';
import type { Clock } from '../domain/clock.ts';
import type { Warehouse } from '../warehouse/db.ts';
import type { StateDb } from '../app-state/state-db.ts';
import type { MetricDefinition } from '../domain/metric-definition.ts';
import type { OidcClient } from '../auth/oidc.ts';
import type { RefreshControl } from '../domain/refresh.ts';

export type { AreaListItem } from '../query/types.ts';

export type { PageQueries } from '../query/page-queries.ts';
import type { PageQueries } from '../query/page-queries.ts';

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
