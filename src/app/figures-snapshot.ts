/**
 * The published figures of a serving process (issue 10, docs/adr/0026-figure-store.md; first step ADR 0017).
 *
 * Compute (raw events, feeds, staging, the build) stays in the warehouse. After every build — at start and
 * after every refresh run — the figures are published as a new immutable snapshot file
 * (`DATA_DIR/figures/figures-<version>.duckdb`, src/figures/snapshot.ts), and the server swaps its figure
 * store to it (src/figures/store.ts): pages, the API and `query` read the snapshot, a failed build publishes
 * nothing and the last good version keeps serving.
 *
 * With DATABASE_URL, each version is also published to PostgreSQL (src/figures/pg.ts) and the pointer row is
 * the commit; every instance polls the pointer and pulls a new version into a local snapshot file. One
 * refresh at a time across instances (advisory lock), and only on the instance whose warehouse published the
 * current version (its compute state is the latest); `serve --demo` on an empty database fills it once.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { META_SECRET_KEY } from '../auth/service.ts';
import {
  ensureFiguresSchema,
  publishToPg,
  pullFromPg,
  readPointer,
  withRefreshLock,
  type FiguresPointer,
} from '../figures/pg.ts';
import {
  figuresDir,
  listSnapshots,
  removeStaleTemporaries,
  snapshotFileFor,
  writeSnapshot,
} from '../figures/snapshot.ts';
import { FigureStore } from '../figures/store.ts';
import { Warehouse } from '../warehouse/db.ts';
import { describeDatabaseUrl, openPgPool, type PgPool } from '../warehouse/pg.ts';
import type { FigureStoreConfig } from './figure-store-config.ts';
import * as buildSql from '../warehouse/sql/build.ts';

type Log = (message: string) => void;

/** The newest published snapshot file of `dataDir` (the name version 1 would have when there is none). */
export function figuresSnapshotFile(dataDir: string): string {
  return listSnapshots(dataDir)[0]?.file ?? snapshotFileFor(dataDir, 1);
}

/** The newest published figures, read-only, or null when none have been published. */
export async function openFiguresSnapshot(dataDir: string): Promise<Warehouse | null> {
  for (const s of listSnapshots(dataDir)) {
    try {
      return await Warehouse.open(s.file, { readOnly: true });
    } catch {
      // Removed between the listing and the open (a newer one replaced it): try the next.
    }
  }
  return null;
}

/** Writes the next local snapshot of `db` (embedded use, e.g. the CLI). */
export async function publishFigures(
  db: Warehouse,
  dataDir: string,
): Promise<{ file: string; dataVersion: number; millis: number; version: number }> {
  const version = (listSnapshots(dataDir)[0]?.version ?? 0) + 1;
  return writeSnapshot(db, dataDir, version, { secretMetaKeys: [META_SECRET_KEY] });
}

export type Exclusive = <T>(
  fn: () => Promise<T>,
) => Promise<{ ran: true; value: T } | { ran: false; reason: string }>;

export interface FiguresServiceOptions {
  warehouse: Warehouse;
  dataDir: string;
  config: FigureStoreConfig;
  log: Log;
  /** Runs once on an empty store before the first publish (`serve --demo`: load the demo data). */
  fillIfEmpty?: () => Promise<void>;
  /**
   * The warehouse changed at start (migrations, shipped files, an interrupted build finished): with PostgreSQL,
   * publish again even when the data version is the one published (it moves only with builds, and a refresh
   * that loads nothing no longer publishes, ADR 0071).
   */
  warehouseChanged?: boolean;
}

const COMPUTE_ID_KEY = 'compute_id';

export class FiguresService {
  readonly store: FigureStore;
  private readonly pool: PgPool | null;
  private computeId = '';
  private poller: NodeJS.Timeout | null = null;
  private following: Promise<void> | null = null;
  private closed = false;
  private lastPollError: string | null = null;
  /** compute_id of the warehouse that published the version served (PostgreSQL), as last read. */
  private publishedBy: string | null = null;

  private constructor(private readonly opts: FiguresServiceOptions) {
    this.store = new FigureStore({ log: opts.log, readerConnections: opts.config.readerConnections });
    this.pool = opts.config.databaseUrl ? openPgPool(opts.config.databaseUrl, { max: 4 }) : null;
  }

  /** Publishes or pulls the figures to serve and starts following new versions. */
  static async start(opts: FiguresServiceOptions): Promise<FiguresService> {
    const s = new FiguresService(opts);
    try {
      await s.begin();
    } catch (err) {
      await s.close();
      throw err;
    }
    return s;
  }

  get shared(): boolean {
    return this.pool !== null;
  }

  private async begin(): Promise<void> {
    const { warehouse, dataDir, log } = this.opts;
    fs.mkdirSync(figuresDir(dataDir), { recursive: true });
    removeStaleTemporaries(dataDir);
    this.computeId = await ensureComputeId(warehouse);
    if (!this.pool) {
      await this.opts.fillIfEmpty?.();
      await this.publish(warehouse);
      for (const old of listSnapshots(dataDir).slice(1)) fs.rmSync(old.file, { force: true });
      return;
    }
    log(`Figures: published to PostgreSQL ${describeDatabaseUrl(this.opts.config.databaseUrl!)}`);
    await ensureFiguresSchema(this.pool);
    // The first instance on an empty database fills it; the others wait for its first version.
    for (let waited = 0; ; waited++) {
      const r = await withRefreshLock(this.pool, async () => {
        const pointer = await readPointer(this.pool!);
        if (!pointer) {
          await this.opts.fillIfEmpty?.();
          await this.publishLocked(warehouse, null);
        } else if (pointer.sourceId === this.computeId) {
          // This warehouse published the figures: publish again if it has built or changed since.
          const local = await dataVersionOf(warehouse);
          if (this.opts.warehouseChanged || local !== pointer.dataVersion)
            await this.publishLocked(warehouse, pointer);
        }
      });
      if (r.ran || (await readPointer(this.pool))) break;
      if (waited % 15 === 0) log('Figures: another instance is filling the shared database; waiting for it.');
      await new Promise((res) => setTimeout(res, 1000));
    }
    await this.follow();
    this.poller = setInterval(() => void this.follow(), this.opts.config.pollMs);
    this.poller.unref();
  }

  /**
   * Runs `fn` as the one refresh of the deployment: at once in the embedded store (the refresh service runs
   * one at a time); with PostgreSQL, under the advisory lock, and only on the instance whose warehouse
   * published the current version.
   */
  readonly exclusive: Exclusive = async (fn) => {
    if (!this.pool) return { ran: true, value: await fn() };
    const refusal = (pointer: FiguresPointer | null) =>
      pointer && pointer.sourceId !== this.computeId
        ? `the figures were published from another instance's warehouse (${pointer.sourceId}); ` +
          'that instance runs the refreshes (docs/adr/0026-figure-store.md)'
        : null;
    // An instance that may not refresh refuses before taking the lock: taking it only to find that out
    // would make the instance that may refresh, asked at the same moment, find the lock held and skip too.
    const early = refusal(await readPointer(this.pool));
    if (early) return { ran: false, reason: early };
    let refused: string | null = null;
    const r = await withRefreshLock(this.pool, async () => {
      // Again under the lock: the pointer may have moved since.
      refused = refusal(await readPointer(this.pool!));
      if (refused) return undefined;
      return fn();
    });
    if (!r.ran)
      return { ran: false, reason: 'another instance is running a refresh (PostgreSQL advisory lock)' };
    if (refused) return { ran: false, reason: refused };
    return { ran: true, value: r.value as Awaited<ReturnType<typeof fn>> };
  };

  /**
   * Publishes the warehouse's figures as the next version and serves it. Call after a build (the refresh
   * calls it after each run, inside `exclusive`). A failure leaves the current version serving.
   */
  async publish(conn: Warehouse): Promise<void> {
    if (!this.pool) {
      const version =
        Math.max(this.store.info()?.version ?? 0, listSnapshots(this.opts.dataDir)[0]?.version ?? 0) + 1;
      const w = await writeSnapshot(conn, this.opts.dataDir, version, { secretMetaKeys: [META_SECRET_KEY] });
      await this.store.adopt(w.version, w.file);
      this.opts.log(
        `Published figures of data version ${w.dataVersion} (figures version ${w.version}, ${w.tables.length} tables) in ${w.millis} ms.`,
      );
      return;
    }
    await this.publishLocked(conn, await readPointer(this.pool));
  }

  /** PostgreSQL: the caller holds the refresh lock. */
  private async publishLocked(conn: Warehouse, pointer: FiguresPointer | null): Promise<void> {
    const version = (pointer?.version ?? 0) + 1;
    const w = await writeSnapshot(conn, this.opts.dataDir, version, { secretMetaKeys: [META_SECRET_KEY] });
    try {
      const r = await publishToPg(this.pool!, w.file, version, this.computeId, {
        tmpDir: figuresDir(this.opts.dataDir),
        graceMs: this.opts.config.graceMs,
      });
      this.opts.log(
        `Published figures of data version ${w.dataVersion} (figures version ${version}, ${r.tables} tables, ${r.rows} rows) to PostgreSQL in ${w.millis + r.millis} ms.`,
      );
    } catch (err) {
      fs.rmSync(w.file, { force: true });
      throw err;
    }
    await this.store.adopt(version, w.file);
  }

  /** PostgreSQL: serves the version the pointer names (pulling it when this instance has no copy). */
  follow(): Promise<void> {
    this.following ??= (async () => {
      if (this.closed || !this.pool) return;
      try {
        const pointer = await readPointer(this.pool);
        this.lastPollError = null;
        this.publishedBy = pointer?.sourceId ?? null;
        if (!pointer || pointer.version <= (this.store.info()?.version ?? 0)) return;
        const file = snapshotFileFor(this.opts.dataDir, pointer.version);
        const local = fs.existsSync(file) && pointer.sourceId === this.computeId;
        if (!local) {
          const r = await pullFromPg(this.pool, pointer, file);
          this.opts.log(
            `Pulled figures version ${pointer.version} (data version ${pointer.dataVersion}, ${r.rows} rows) from PostgreSQL in ${r.millis} ms.`,
          );
        }
        if (this.closed) return;
        await this.store.adopt(pointer.version, file);
      } catch (err) {
        this.lastPollError = (err as Error).message;
        this.opts.log(`Figures: could not follow the published version: ${(err as Error).message}`);
      }
    })().finally(() => {
      this.following = null;
    });
    return this.following;
  }

  /**
   * True when this instance does the refreshes: always in the embedded store; with PostgreSQL, when its
   * warehouse published the current version (or nothing is published yet).
   */
  runsRefreshes(): boolean {
    return !this.pool || this.publishedBy === null || this.publishedBy === this.computeId;
  }

  /** Null when ready (figures loaded and, with PostgreSQL, the database answers), else the reason. */
  async notReady(): Promise<string | null> {
    if (this.closed) return 'the server is stopping';
    if (!this.store.info()) return 'no figures are loaded yet';
    if (this.pool) {
      try {
        await this.pool.query('SELECT 1');
      } catch {
        return 'PostgreSQL does not answer';
      }
    }
    return null;
  }

  get pollError(): string | null {
    return this.lastPollError;
  }

  /** Stops following, lets a pull in progress end, closes the store (readers in flight finish) and the pool. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.poller) clearInterval(this.poller);
    await this.following;
    await this.store.close();
    await this.pool?.end();
  }
}

async function dataVersionOf(db: Warehouse): Promise<string | null> {
  return (await db.scalar<string>("SELECT value FROM warehouse_meta WHERE key = 'data_version'")) ?? null;
}

/** The warehouse's identity as a compute store (kept in warehouse_meta: it travels with the file). */
async function ensureComputeId(db: Warehouse): Promise<string> {
  const id = await db.scalar<string>('SELECT value FROM warehouse_meta WHERE key = $1', [COMPUTE_ID_KEY]);
  if (id) return id;
  const made = randomUUID();
  await db.run(buildSql.setMeta, [COMPUTE_ID_KEY, made]);
  return made;
}
