/**
 * The app-state port (issue 10, docs/adr/0025-app-state-store.md): users, sign-in links, sessions, API tokens,
 * the audit log and the refresh history live behind this small interface, so nothing above it knows whether
 * the engine is the embedded DuckDB file (`DATA_DIR/state/app-state.duckdb`) or PostgreSQL (DATABASE_URL).
 *
 * Both implementations speak the same SQL with `$1`-style parameters and give the same JavaScript values:
 * TIMESTAMP columns (always UTC) as Date, DATE as 'YYYY-MM-DD', integers (BIGINT and count(*) included) as
 * numbers, booleans as booleans, NULL as null. Parameters are passed as strings, numbers, booleans or null;
 * instants are passed as ISO strings cast in SQL (`$1::TIMESTAMP`), never as Date (pg would send local time).
 */
import pg from 'pg';
import { Warehouse } from '../warehouse/db.ts';
import type { PgPool, PgClient } from '../warehouse/pg.ts';
import { statementText, type Statement } from '../warehouse/query.ts';

export type StateValue = string | number | boolean | null;
export type StateRow = Record<string, unknown>;

/** What the stores need of a database: a Warehouse connection satisfies it too. */
export interface StateQueries {
  all<T extends object = StateRow>(sql: Statement<T>, params?: StateValue[]): Promise<T[]>;
  one<T extends object = StateRow>(sql: Statement<T>, params?: StateValue[]): Promise<T | undefined>;
  scalar<T = unknown>(sql: Statement, params?: StateValue[]): Promise<T | undefined>;
  run(sql: Statement, params?: StateValue[]): Promise<void>;
}

export interface StateDb extends StateQueries {
  readonly engine: 'duckdb' | 'postgres';
  /** Where it is, for messages (a file path, or the URL with its password hidden). */
  readonly description: string;
  /** Runs fn in one transaction: all of its writes land, or none do. */
  transaction<T>(fn: (tx: StateDb) => Promise<T>): Promise<T>;
  /** True once closed. */
  readonly isClosed: boolean;
  close(): Promise<void>;
}

/** The app state in a DuckDB database (the embedded store, or in tests the warehouse itself). */
export class DuckStateDb implements StateDb {
  readonly engine = 'duckdb' as const;
  /** Statements on one DuckDB connection run one at a time: a transaction holds the others back. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly db: Warehouse,
    readonly description: string = db.file,
    /** Close the warehouse object too (it was opened for this store). */
    private readonly owned = false,
  ) {}

  get isClosed(): boolean {
    return this.db.isClosed;
  }

  /** The connection underneath (tests, and the move out of the warehouse). */
  get warehouse(): Warehouse {
    return this.db;
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  all<T extends object = StateRow>(sql: Statement<T>, params?: StateValue[]): Promise<T[]> {
    return this.serial(() => this.db.all<T>(sql, params));
  }
  async one<T extends object = StateRow>(sql: Statement<T>, params?: StateValue[]): Promise<T | undefined> {
    return (await this.all<T>(sql, params))[0];
  }
  async scalar<T = unknown>(sql: Statement, params?: StateValue[]): Promise<T | undefined> {
    const row = await this.one(sql, params);
    return row ? (Object.values(row)[0] as T) : undefined;
  }
  run(sql: Statement, params?: StateValue[]): Promise<void> {
    return this.serial(() => this.db.run(sql, params));
  }

  transaction<T>(fn: (tx: StateDb) => Promise<T>): Promise<T> {
    // Inside the transaction, statements go straight to the connection (the queue is held by it).
    const direct: StateDb = {
      engine: 'duckdb',
      description: this.description,
      isClosed: false,
      all: (sql, params) => this.db.all(sql, params),
      one: async (sql, params) => (await this.db.all(sql, params))[0],
      scalar: async (sql, params) => {
        const row = (await this.db.all(sql, params))[0];
        return row ? Object.values(row)[0] : undefined;
      },
      run: (sql, params) => this.db.run(sql, params),
      transaction: () => Promise.reject(new Error('nested transactions are not supported')),
      close: () => Promise.resolve(),
    } as StateDb;
    return this.serial(() => this.db.transaction(() => fn(direct)));
  }

  async close(): Promise<void> {
    await this.queue;
    if (this.owned) this.db.close();
  }
}

// ---- PostgreSQL --------------------------------------------------------------------------------------

const TIMESTAMP_OID = 1114;
const TIMESTAMPTZ_OID = 1184;
const DATE_OID = 1082;
const INT8_OID = 20;
const NUMERIC_OID = 1700;

/** TIMESTAMP columns hold UTC: pg's default parser would read them as local time. */
function parseUtcTimestamp(text: string): Date {
  return new Date(`${text.replace(' ', 'T')}Z`);
}

function parseInteger(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new RangeError(`integer ${text} does not fit in a JavaScript number`);
  return n;
}

/** Per-query type parsers, so the pool others share keeps pg's defaults. */
const STATE_TYPES = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === TIMESTAMP_OID) return parseUtcTimestamp;
    if (oid === TIMESTAMPTZ_OID) return (t: string) => new Date(t);
    if (oid === DATE_OID) return (t: string) => t;
    if (oid === INT8_OID || oid === NUMERIC_OID) return parseInteger;
    return pg.types.getTypeParser(oid, format ?? 'text');
  },
} as pg.CustomTypesConfig;

type PgQueryable = PgPool | PgClient;

/** The app state in PostgreSQL: every instance of a shared deployment reads and writes the same rows. */
export class PgStateDb implements StateDb {
  readonly engine = 'postgres' as const;
  private closed = false;

  constructor(
    private readonly target: PgQueryable,
    readonly description: string,
    /** End the pool on close (it was opened for this store). */
    private readonly ownsPool = false,
  ) {}

  get isClosed(): boolean {
    return this.closed;
  }

  async all<T extends object = StateRow>(sql: Statement<T>, params?: StateValue[]): Promise<T[]> {
    const text = statementText(sql, params ?? []);
    const result = await this.target.query({ text, values: params ?? [], types: STATE_TYPES });
    return result.rows as T[];
  }
  async one<T extends object = StateRow>(sql: Statement<T>, params?: StateValue[]): Promise<T | undefined> {
    return (await this.all<T>(sql, params))[0];
  }
  async scalar<T = unknown>(sql: Statement, params?: StateValue[]): Promise<T | undefined> {
    const row = await this.one(sql, params);
    return row ? (Object.values(row)[0] as T) : undefined;
  }
  async run(sql: Statement, params?: StateValue[]): Promise<void> {
    // Without parameters, several statements may be sent at once (migrations).
    const text = statementText(sql, params ?? []);
    if (params === undefined || params.length === 0) await this.target.query(text);
    else await this.target.query({ text, values: params, types: STATE_TYPES });
  }

  async transaction<T>(fn: (tx: StateDb) => Promise<T>): Promise<T> {
    if (!(this.target instanceof pg.Pool)) throw new Error('nested transactions are not supported');
    const client = await this.target.connect();
    try {
      await client.query('BEGIN');
      const result = await fn(new PgStateDb(client, this.description));
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsPool && this.target instanceof pg.Pool) await this.target.end();
  }
}
