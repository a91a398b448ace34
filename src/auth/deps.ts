/**
 * What auth needs of the app's dependencies: the warehouse, the auth settings and the clock. The app's
 * AppDeps (src/http/deps.ts) has all three, so it is passed as it is; auth never sees the rest.
 */
import type { Clock } from '../domain/clock.ts';
import type { Warehouse } from '../warehouse/db.ts';
import type { AuthConfig } from './config.ts';

export interface AuthDeps {
  db: Warehouse;
  config: { auth: AuthConfig };
  clock: Clock;
}
