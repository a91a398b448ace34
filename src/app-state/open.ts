/**
 * Opening the app-state store: PostgreSQL when DATABASE_URL is set (shared by every instance), else the
 * embedded DuckDB file `DATA_DIR/state/app-state.duckdb`, apart from the warehouse so that a refresh or a build
 * never holds sign-in back. Its migrations (src/app-state/migrations/*.sql) run on either engine and are
 * recorded in their own table, `app_state_migration`.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Warehouse, WarehouseBusyError } from '../warehouse/db.ts';
import { listMigrations, type Migration } from '../warehouse/migrate.ts';
import { describeDatabaseUrl, openPgPool } from '../warehouse/pg.ts';
import { DuckStateDb, PgStateDb, type StateDb } from './state-db.ts';

const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

export type StateMigration = Migration;

/** The app-state migrations: same file naming and reading as the warehouse's (src/warehouse/migrate.ts). */
export function listStateMigrations(dir = MIGRATIONS_DIR): StateMigration[] {
  return listMigrations(dir);
}

/** A number of our own for PostgreSQL's advisory lock around migrations (instances starting together). */
const MIGRATION_LOCK = 7_310_025;

/** Applies the app-state migrations not yet applied. Returns the versions applied. */
export async function migrateState(db: StateDb, migrations = listStateMigrations()): Promise<number[]> {
  const applyAll = async (tx: StateDb, lock: boolean): Promise<number[]> => {
    if (lock) await tx.run('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.run(
      'CREATE TABLE IF NOT EXISTS app_state_migration (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)',
    );
    const done = new Set(
      (await tx.all<{ version: number }>('SELECT version FROM app_state_migration')).map((r) => r.version),
    );
    const applied: number[] = [];
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      await tx.run(m.sql);
      await tx.run('INSERT INTO app_state_migration VALUES ($1, $2, $3::TIMESTAMP)', [
        m.version,
        m.name,
        new Date().toISOString(),
      ]);
      applied.push(m.version);
    }
    return applied;
  };
  // PostgreSQL: DDL is transactional, so all of them in one transaction under the lock; DuckDB: one process.
  return db.transaction((tx) => applyAll(tx, db.engine === 'postgres'));
}

/** The app-state store is held by another process (the embedded file, while the server runs). */
export class StateStoreBusyError extends WarehouseBusyError {}

export interface StateStoreOptions {
  dataDir: string;
  /** DATABASE_URL; null or empty: the embedded store. */
  databaseUrl?: string | null;
}

export function embeddedStateFile(dataDir: string): string {
  return path.join(dataDir, 'state', 'app-state.duckdb');
}

/** Opens (and migrates) the app-state store. */
export async function openStateStore(options: StateStoreOptions): Promise<StateDb> {
  let db: StateDb;
  if (options.databaseUrl) {
    const pool = openPgPool(options.databaseUrl, { max: 5, statementTimeoutMs: 15_000 });
    db = new PgStateDb(pool, describeDatabaseUrl(options.databaseUrl), true);
  } else {
    const file = embeddedStateFile(options.dataDir);
    let warehouse: Warehouse;
    try {
      warehouse = await Warehouse.open(file, { memoryLimit: '256MB', threads: 1 });
    } catch (err) {
      if (!(err instanceof WarehouseBusyError)) throw err;
      throw new StateStoreBusyError(
        `The app-state store ${file} is in use by another process: the server is running. Stop it first, ` +
          'or make the change in the browser (/admin/users, /account). With DATABASE_URL set (PostgreSQL), ' +
          'users and tokens can be managed while the server runs.',
      );
    }
    db = new DuckStateDb(warehouse, file, true);
  }
  try {
    await migrateState(db);
  } catch (err) {
    await db.close();
    throw err;
  }
  return db;
}
