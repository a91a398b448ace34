// The PostgreSQL connection for shared deployments (DATABASE_URL, issue 10). One pool per process; the
// stores that live in PostgreSQL (app state, published figures) take it from here so that pool settings,
// the application name and the statement timeout are set once.
import pg from 'pg';

export type PgPool = pg.Pool;
export type PgClient = pg.PoolClient;

export interface PgOptions {
  /** Most connections this process opens (default 10). */
  readonly max?: number;
  /** Cancel statements that run longer than this (ms; default 60 s — bulk publishes set their own). */
  readonly statementTimeoutMs?: number;
}

/** Opens a pool on DATABASE_URL. The URL is a secret (it may hold a password): never log it. */
export function openPgPool(databaseUrl: string, options: PgOptions = {}): PgPool {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: options.max ?? 10,
    application_name: 'nhs-app-analytics',
    statement_timeout: options.statementTimeoutMs ?? 60_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client losing its connection (database restart) must not crash the process: the pool drops
  // it and the next query opens a new one.
  pool.on('error', () => {});
  return pool;
}

/** The URL with any password replaced, for messages. */
export function describeDatabaseUrl(databaseUrl: string): string {
  try {
    const u = new URL(databaseUrl);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable DATABASE_URL)';
  }
}

/** Runs `fn` in one transaction on one client; rolls back on any error. */
export async function inPgTransaction<T>(pool: PgPool, fn: (client: PgClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}
