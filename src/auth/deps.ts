/**
 * What auth needs of the app's dependencies: the app-state store (or, without one, the warehouse), the auth
 * settings and the clock. The app's AppDeps (src/http/deps.ts) has them all, so it is passed as it is; auth
 * never sees the rest.
 */
import type { StateDb } from '../app-state/state-db.ts';
import type { Clock } from '../domain/clock.ts';
import type { Warehouse } from '../warehouse/db.ts';
import type { AuthConfig } from './config.ts';

export interface AuthDeps {
  db: Warehouse;
  /**
   * The app-state store (src/app-state, docs/adr/0025): users, sessions, tokens, links, audit, refresh history.
   * Absent: the warehouse's own tables (tests on a bare warehouse).
   */
  state?: StateDb | null;
  config: { auth: AuthConfig };
  clock: Clock;
}
