/**
 * The figure store a serving process reads from (docs/adr/0026-figure-store.md): the current published
 * snapshot, opened read-only, behind a reader that looks like a Warehouse to the query code, so every page,
 * API route, CSV, map and the CLI's `query` go through it without knowing which file (or which version) is
 * underneath.
 *
 * - `adopt(version, file)` swaps in a new version atomically: requests that start afterwards read it, a
 *   request (or transaction) in flight finishes on the version it started on. The old version is closed, and
 *   its file removed, once no reader holds it.
 * - Each reader handle (`reader`, and every `reader.connect()`) has a connection of its own per version, so
 *   health checks never wait behind a figure query, as with the warehouse.
 * - Listeners (`onSwap`) hear of every swap: the response cache moves to the new version with it.
 */
import fs from 'node:fs';
import { Warehouse, type SqlParams } from '../warehouse/db.ts';

/** Connections `reader` spreads its statements over by default: three cover 2 cores (ADR 0079). */
export const DEFAULT_READER_CONNECTIONS = 3;

export class NoFiguresError extends Error {
  constructor() {
    super('no figures have been published yet');
  }
}

interface OpenVersion {
  version: number;
  file: string;
  db: Warehouse;
  /** Connections per reader handle (slot 0 is `reader`'s own). */
  connections: Map<number, Promise<Warehouse>>;
  users: number;
  retired: boolean;
  dataVersion: string | null;
}

export interface FigureStoreOptions {
  /** Connections `reader` spreads its statements over (FIGURES_READER_CONNECTIONS; ADR 0079). */
  readerConnections?: number;
  /** Remove a version's file once it is retired and no reader holds it (default true). */
  removeRetiredFiles?: boolean;
  log?: (message: string) => void;
}

export interface FigureVersionInfo {
  version: number;
  file: string;
  /** warehouse_meta.data_version of the warehouse the version was published from. */
  dataVersion: string | null;
}

export class FigureStore {
  private current: OpenVersion | null = null;
  private readonly open = new Set<OpenVersion>();
  private readonly listeners = new Set<(info: FigureVersionInfo) => void>();
  private closed = false;
  private keepFiles = false;
  private nextSlot = 1;
  private swapping: Promise<void> = Promise.resolve();
  /** Statements in flight per connection slot: `reader` sends each statement to its least busy slot. */
  private readonly inFlight = new Map<number, number>();
  /** The reader the pages, the API and `query` use: a Warehouse over the current version. */
  readonly reader: Warehouse;

  constructor(private readonly opts: FigureStoreOptions = {}) {
    this.reader = this.handle(0);
  }

  /** The version being served, or null before the first. */
  info(): FigureVersionInfo | null {
    const c = this.current;
    return c ? { version: c.version, file: c.file, dataVersion: c.dataVersion } : null;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Versions still open (the current one and retired ones a reader still holds). */
  openVersions(): number[] {
    return [...this.open].map((v) => v.version).sort((a, b) => a - b);
  }

  onSwap(listener: (info: FigureVersionInfo) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Serves `file` as version `version` from now on. Opens it read-only first: a file that cannot be opened
   * leaves the current version serving (and throws). Versions are adopted in order; an older one is ignored.
   */
  adopt(version: number, file: string): Promise<boolean> {
    const run = this.swapping.then(() => this.doAdopt(version, file));
    this.swapping = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private async doAdopt(version: number, file: string): Promise<boolean> {
    if (this.closed) throw new Error('the figure store is closed');
    if (this.current && version <= this.current.version) return false;
    const db = await Warehouse.open(file, { readOnly: true, memoryLimit: '1GB' });
    let dataVersion: string | null = null;
    try {
      dataVersion =
        (await db.scalar<string>("SELECT value FROM warehouse_meta WHERE key = 'data_version'")) ?? null;
    } catch (err) {
      db.close();
      throw err;
    }
    const next: OpenVersion = {
      version,
      file,
      db,
      connections: new Map([[0, Promise.resolve(db)]]),
      users: 0,
      retired: false,
      dataVersion,
    };
    const previous = this.current;
    this.open.add(next);
    this.current = next;
    if (previous) {
      previous.retired = true;
      this.release(previous, 0);
    }
    const info = { version, file, dataVersion };
    for (const l of this.listeners) {
      try {
        l(info);
      } catch {
        // A listener's failure is not the swap's.
      }
    }
    return true;
  }

  private acquire(): OpenVersion {
    if (this.closed) throw new Error('the figure store is closed');
    const c = this.current;
    if (!c) throw new NoFiguresError();
    c.users += 1;
    return c;
  }

  /** One use of `v` ends (by = 1), or a retirement check (by = 0). Closes a retired version nobody holds. */
  private release(v: OpenVersion, by: number): void {
    v.users -= by;
    if (!v.retired || v.users > 0) return;
    this.open.delete(v);
    v.db.close();
    if ((this.opts.removeRetiredFiles ?? true) && !this.keepFiles) {
      fs.rmSync(v.file, { force: true });
      fs.rmSync(`${v.file}.wal`, { force: true });
    }
    this.opts.log?.(`Closed figures version ${v.version} (no reader left).`);
  }

  private async connection(v: OpenVersion, slot: number): Promise<Warehouse> {
    let conn = v.connections.get(slot);
    if (!conn) {
      conn = v.db.connect();
      v.connections.set(slot, conn);
    }
    return conn;
  }

  /** Runs `fn` on the current version (held until it settles). */
  async use<T>(slot: number, fn: (db: Warehouse) => Promise<T>): Promise<T> {
    const v = this.acquire();
    this.inFlight.set(slot, (this.inFlight.get(slot) ?? 0) + 1);
    try {
      return await fn(await this.connection(v, slot));
    } finally {
      this.inFlight.set(slot, this.inFlight.get(slot)! - 1);
      this.release(v, 1);
    }
  }

  /**
   * The least busy of `reader`'s connections (slots 0, -1, … down to 1 − readerConnections): statements on
   * one DuckDB connection run one after another, so independent reads of a request (an area's figures and
   * those it is compared with) and of requests at the same time run side by side instead of queueing (ADR
   * 0079). Read-only, with no state between statements, so any connection of the version answers alike.
   */
  private readerSlot(): number {
    let best = 0;
    let bestBusy = this.inFlight.get(0) ?? 0;
    const connections = Math.max(1, this.opts.readerConnections ?? DEFAULT_READER_CONNECTIONS);
    for (let slot = -1; slot > -connections && bestBusy > 0; slot--) {
      const busy = this.inFlight.get(slot) ?? 0;
      if (busy < bestBusy) [best, bestBusy] = [slot, busy];
    }
    return best;
  }

  /** Stops serving: waits for a swap in progress, retires every version; each closes once its readers end. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.swapping;
    this.closed = true;
    const c = this.current;
    this.current = null;
    if (c) {
      c.retired = true;
      // The file stays: it is the published figures the next start (and read-only commands) use.
      this.keepFiles = true;
      this.release(c, 0);
    }
  }

  private handle(slot: number): Warehouse {
    // `reader` (slot 0) spreads its statements over readerConnections connections; other handles keep one.
    const use = <T>(fn: (db: Warehouse) => Promise<T>) => this.use(slot === 0 ? this.readerSlot() : slot, fn);
    const current = () => this.current;
    const closed = () => this.closed;
    const handle = {
      get file() {
        return current()?.file ?? '';
      },
      get isClosed() {
        return closed();
      },
      // The version being served: its file is read-only and never written once published.
      unchangingData: () => current()?.db.unchangingData() ?? null,
      run: (sql: string, params?: SqlParams) => use((db) => db.run(sql, params)),
      all: <T extends object>(sql: string, params?: SqlParams) => use((db) => db.all<T>(sql, params)),
      one: <T extends object>(sql: string, params?: SqlParams) => use((db) => db.one<T>(sql, params)),
      scalar: <T>(sql: string, params?: SqlParams) => use((db) => db.scalar<T>(sql, params)),
      transaction: <T>(fn: (tx: Warehouse) => Promise<T>) => use((db) => db.transaction(fn)),
      connect: async () => this.handle(this.nextSlot++),
      // A handle owns nothing: the store closes the versions.
      close: () => undefined,
      closeWhenIdle: () => Promise.resolve(),
      append: () => Promise.reject(new Error('the published figures are read-only')),
    };
    return handle as unknown as Warehouse;
  }
}
