import { DuckDBInstance, DuckDBTypeId, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import fs from 'node:fs';
import path from 'node:path';
import { statementText, type Row, type Statement, type StatementLike } from './query.ts';
import { duckdbMemoryLimit } from '../domain/byte-size.ts';

export type SqlParams = DuckDBValue[] | Record<string, DuckDBValue>;
export type { Row } from './query.ts';

export class WarehouseBusyError extends Error {}

export interface OpenOptions {
  memoryLimit?: string;
  threads?: number | undefined;
  readOnly?: boolean;
}

/**
 * The embedded warehouse: one DuckDB file. Only one process may write to it at a time,
 * so the server owns it while running and the CLI opens it when the server is stopped (ADR 0002).
 */
export class Warehouse {
  /** Further connections opened with connect(), closed with this one. */
  private readonly others = new Set<Warehouse>();
  private closed = false;
  /** Set by closeWhenIdle: statements not yet started are refused. */
  private closing = false;
  /** Statements running on this connection (on the owner: on every connection). */
  private running = 0;
  private idleWaiters: (() => void)[] = [];

  /** True once this connection (or the warehouse that owns it) has been closed or is closing. */
  get isClosed(): boolean {
    return this.closed || this.closing || (this.owner ? this.owner.closed || this.owner.closing : false);
  }

  private constructor(
    readonly file: string,
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
    /** Set on connections opened with connect(): the warehouse that owns the database. */
    private readonly owner: Warehouse | null = null,
    private readonly readOnly = false,
  ) {}

  /**
   * An identity that stays the same for as long as the data cannot change, or null when it can: a database
   * opened read-only holds a lock no writer can take (and the figure store's versions are never written once
   * published), so what is worked out from its tables may be kept for as long as this identity is.
   */
  unchangingData(): object | null {
    return this.readOnly ? this.instance : null;
  }

  static async open(file: string, options: OpenOptions = {}): Promise<Warehouse> {
    if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
    const config: Record<string, string> = {
      // DuckDB's buffers get a share of the limit: what it allocates outside them comes on top (ADR 0045).
      memory_limit: duckdbMemoryLimit(options.memoryLimit ?? '4GB'),
      // Insertion order lets line numbers follow file order when validating CSVs.
      preserve_insertion_order: 'true',
    };
    if (options.threads) config.threads = String(options.threads);
    if (options.readOnly) config.access_mode = 'READ_ONLY';
    // Where DuckDB spills (its default, made explicit so that it can be cleaned up).
    const spill = file === ':memory:' ? null : `${file}.tmp`;
    if (spill) config.temp_directory = spill;
    let instance: DuckDBInstance;
    try {
      instance = await DuckDBInstance.create(file, config);
    } catch (err) {
      const message = (err as Error).message;
      if (/lock/i.test(message)) {
        throw new WarehouseBusyError(
          `The warehouse ${file} is in use by another process (is the server running?). ` +
            'Stop it first, or drop files into the inbox folder for the server to load.',
        );
      }
      throw err;
    }
    // The file lock is ours now: spill files left by a failed or killed command are stale (a runaway build once
    // left 22 GB behind, issue 16.2). Closing removes this process's own.
    if (spill && !options.readOnly) {
      removeSpill(spill);
      SPILL_DIRS.set(instance, spill);
    }
    return new Warehouse(
      file,
      instance,
      await Warehouse.connectTo(instance),
      null,
      options.readOnly ?? false,
    );
  }

  private static async connectTo(instance: DuckDBInstance): Promise<DuckDBConnection> {
    const conn = await instance.connect();
    // Session time zone UTC: local (Europe/London) dates are always computed explicitly.
    await conn.run("SET TimeZone = 'UTC'");
    return conn;
  }

  /**
   * Another connection to the same database (same process, same data): statements on one connection run
   * one after another, so a short read that must not wait behind long ones (the server's health checks)
   * gets its own. Closing it leaves the database open; closing the warehouse closes it too.
   */
  async connect(): Promise<Warehouse> {
    if (this.closed) throw new Error('the warehouse is closed');
    const root = this.owner ?? this;
    const other = new Warehouse(
      this.file,
      this.instance,
      await Warehouse.connectTo(this.instance),
      root,
      this.readOnly,
    );
    root.others.add(other);
    return other;
  }

  /**
   * Runs one call on the connection, counted as running until it settles: DuckDB aborts or hangs when a
   * connection is closed under a running statement, so closeWhenIdle waits for the count to reach 0. Once the
   * warehouse is closed or closing, statements are refused instead of reaching the closed connection.
   */
  private async busy<T>(fn: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
    const root = this.owner ?? this;
    if (this.isClosed) throw new Error('the warehouse is closed');
    const counters = this.owner ? [this, root] : [this];
    for (const c of counters) c.running += 1;
    try {
      return await fn(this.conn);
    } finally {
      for (const c of counters) {
        c.running -= 1;
        if (c.running === 0) for (const wake of c.idleWaiters.splice(0)) wake();
      }
    }
  }

  /**
   * Closes the warehouse once no statement runs on it or its connections (requests that were still
   * computing when the server stopped), refusing new ones meanwhile. Use it wherever queries may still be
   * in flight; close() is for when none can be.
   */
  async closeWhenIdle(): Promise<void> {
    // A connection waits for its own statements; the warehouse for those of every connection.
    this.closing = true;
    while (this.running > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    this.close();
  }

  /** Runs a statement (or several separated by semicolons when there are no params). */
  async run(statement: Statement, params?: SqlParams): Promise<void> {
    const sql = statementText(statement, params);
    const started = PROFILE ? Date.now() : 0;
    const cpu = PROFILE ? process.cpuUsage() : undefined;
    await this.busy((conn) => conn.run(sql, params));
    if (PROFILE) profileLine(started, statement, cpu);
  }

  async all<T extends object = Row>(statement: Statement<T>, params?: SqlParams): Promise<T[]> {
    const sql = statementText(statement, params);
    const started = PROFILE ? Date.now() : 0;
    const cpu = PROFILE ? process.cpuUsage() : undefined;
    const reader = await this.busy((conn) => conn.runAndReadAll(sql, params));
    if (PROFILE) profileLine(started, statement, cpu);
    const types = reader.columnTypes().map((t) => t.typeId);
    const names = reader.columnNames();
    // Column by column: DuckDB's conversion of a whole vector costs a third of converting row by row (8,400
    // rows of five numbers: 1.8 ms against 6.1 ms), and the rows are then put together by position.
    const columns = reader.getColumnsJS();
    const rowCount = reader.currentRowCount;
    const rows = new Array<T>(rowCount);
    for (let r = 0; r < rowCount; r++) {
      const obj: Row = {};
      for (let c = 0; c < names.length; c++) obj[names[c]!] = toPlain(columns[c]![r], types[c]!);
      rows[r] = obj as T;
    }
    return rows;
  }

  async one<T extends object = Row>(statement: Statement<T>, params?: SqlParams): Promise<T | undefined> {
    const rows = await this.all<T>(statement, params);
    return rows[0];
  }

  async scalar<T = unknown>(statement: Statement, params?: SqlParams): Promise<T | undefined> {
    const row = await this.one(statement, params);
    return row ? (Object.values(row)[0] as T) : undefined;
  }

  /** Runs fn inside a transaction: all of its writes land, or none do. */
  async transaction<T>(fn: (tx: Warehouse) => Promise<T>): Promise<T> {
    await this.busy((conn) => conn.run('BEGIN TRANSACTION'));
    try {
      const result = await fn(this);
      // Timed under NHS_APP_ANALYTICS_PROFILE like any statement: a commit writes the transaction's changes.
      await this.run('COMMIT');
      return result;
    } catch (err) {
      await this.busy((conn) => conn.run('ROLLBACK')).catch(() => undefined);
      throw err;
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.owner) {
      this.owner.others.delete(this);
      this.conn.closeSync();
      return;
    }
    for (const other of [...this.others]) other.close();
    this.conn.closeSync();
    this.instance.closeSync();
    const spill = SPILL_DIRS.get(this.instance);
    if (spill) removeSpill(spill);
  }

  /**
   * Bulk-loads rows into `table` with DuckDB's appender: values in the table's column order, strings cast by
   * DuckDB to the column type (e.g. 'YYYY-MM-DD' into a DATE). Part of the open transaction, if any, so a
   * rollback removes them. Returns the number of rows appended. (Reference ingest, ~1 s per 1 M rows.)
   */
  async append(table: string, rows: Iterable<readonly AppendValue[]>): Promise<number> {
    return this.busy((conn) => this.appendOn(conn, table, rows));
  }

  private async appendOn(
    conn: DuckDBConnection,
    table: string,
    rows: Iterable<readonly AppendValue[]>,
  ): Promise<number> {
    const appender = await conn.createAppender(table);
    let count = 0;
    try {
      for (const row of rows) {
        for (const value of row) {
          if (value === null || value === undefined) appender.appendNull();
          else if (typeof value === 'string') appender.appendVarchar(value);
          else if (typeof value === 'bigint') appender.appendBigInt(value);
          else if (typeof value === 'boolean') appender.appendBoolean(value);
          else if (Number.isSafeInteger(value)) appender.appendBigInt(BigInt(value));
          else appender.appendDouble(value);
        }
        appender.endRow();
        count += 1;
      }
      appender.flushSync();
    } catch (err) {
      try {
        appender.closeSync();
      } catch {
        // The first error is the one that matters.
      }
      throw err;
    }
    appender.closeSync();
    return count;
  }
}

/** Spill folders of the databases this process opened for writing. */
const SPILL_DIRS = new WeakMap<DuckDBInstance, string>();

/** Removes DuckDB's spill folder: its own temporary files, then the folder if that leaves it empty. */
function removeSpill(dir: string): void {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (name.startsWith('duckdb_temp')) fs.rmSync(path.join(dir, name), { force: true, recursive: true });
  }
  try {
    fs.rmdirSync(dir);
  } catch {
    // Something else lives there: leave it.
  }
}

/** A value for Warehouse.append. */
export type AppendValue = string | number | bigint | boolean | null | undefined;

/** NHS_APP_ANALYTICS_PROFILE=1 prints every statement taking 100 ms or more to stderr (its name, or first code line). */
const PROFILE = process.env.NHS_APP_ANALYTICS_PROFILE === '1';
/** NHS_APP_ANALYTICS_PROFILE_MS changes the threshold (default 100 ms). */
const PROFILE_MS = Number(process.env.NHS_APP_ANALYTICS_PROFILE_MS ?? 100);

function profileLine(started: number, statement: StatementLike, cpu?: NodeJS.CpuUsage): void {
  const ms = Date.now() - started;
  if (ms < PROFILE_MS) return;
  const used = cpu ? process.cpuUsage(cpu) : undefined;
  const cpuMs = used ? Math.round((used.user + used.system) / 1000) : 0;
  // A query object is named by its name; literal SQL by its first code line.
  const line =
    typeof statement === 'string'
      ? (statement.split('\n').find((l) => l.trim() !== '' && !l.trim().startsWith('--')) ?? '')
      : statement.name;
  console.error(
    `[profile] ${String(ms).padStart(7)} ms ${String(cpuMs).padStart(7)} ms cpu  ${line.trim().slice(0, 90)}`,
  );
}

/**
 * ISO dates by epoch milliseconds: a few thousand distinct days recur across every result, and formatting each
 * row's date anew was a tenth of a ranking's time (issue 15.3). Bounded: cleared when full.
 */
const isoDates = new Map<number, string>();
const ISO_DATES_MAX = 50_000;

function isoDate(value: Date): string {
  const ms = value.getTime();
  let iso = isoDates.get(ms);
  if (iso === undefined) {
    iso = value.toISOString().slice(0, 10);
    if (isoDates.size >= ISO_DATES_MAX) isoDates.clear();
    isoDates.set(ms, iso);
  }
  return iso;
}

/** DATE becomes 'YYYY-MM-DD' (no time-zone drift), integers become numbers. */
function toPlain(value: unknown, typeId: DuckDBTypeId): unknown {
  if (value === null || value === undefined) return null;
  if (typeId === DuckDBTypeId.DATE && value instanceof Date) return isoDate(value);
  if (typeof value === 'bigint') {
    if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw new RangeError(`integer ${value} does not fit in a JavaScript number`);
    }
    return Number(value);
  }
  return value;
}
