import path from 'node:path';
import type { AppConfig } from '../config.ts';
import type { Clock } from '../domain/clock.ts';
import { generateDemoEvents } from '../demo/generate.ts';
import { generateBookingDemoFiles } from '../demo/booking-journeys.ts';
import { ingestBookingEventFile, ingestBookingSlotsFile } from '../ingest/booking.ts';
import { systemClock } from '../domain/clock.ts';
import { ingestEventFile, removeUnrecordedEvents } from '../ingest/events.ts';
import { areasNeedRebuild, rebuildAreas } from '../ingest/reference/areas.ts';
import { loadBundledMi } from '../ingest/feeds/bundled-mi.ts';
import { loadBundledFoiDemographics } from '../ingest/feeds/foi-demographics.ts';
import { loadBundledReference } from '../ingest/reference/bundled.ts';
import {
  buildMetrics,
  pendingBuild,
  recordBuildInputs,
  type BuildResult,
  type PendingBuild,
} from '../metrics/build.ts';
import { loadCatalogue } from '../metrics/catalogue.ts';
import { Warehouse, WarehouseBusyError } from '../warehouse/db.ts';
import { openFiguresSnapshot } from './figures-snapshot.ts';
import { migrate } from '../warehouse/migrate.ts';
import * as buildSql from '../warehouse/sql/build.ts';

export type Log = (message: string) => void;

export function warehouseFile(config: AppConfig): string {
  return path.join(config.dataDir, 'warehouse.duckdb');
}

export async function openWarehouse(config: AppConfig): Promise<Warehouse> {
  return Warehouse.open(warehouseFile(config), { memoryLimit: config.memoryLimit, threads: config.threads });
}

/**
 * Any command pointed at an empty DATA_DIR starts here: schema migrations, then the bundled reference data; then,
 * unless told not to (read-only commands), it finishes what an interrupted command left undone (see
 * completePendingWork).
 */
export async function initialise(
  db: Warehouse,
  log: Log,
  options: { completePending?: boolean; clock?: Clock } = {},
): Promise<{ changed: boolean }> {
  const applied = await migrate(db);
  if (applied.length > 0) log(`Applied migrations ${applied.join(', ')}`);
  const started = Date.now();
  const loaded = await loadBundledReference(db);
  if (loaded.imported.length > 0) log(`Loaded bundled reference data in ${Date.now() - started} ms`);
  const mi = await loadBundledMi(db);
  if (mi.length > 0) log(`Loaded ${mi.length} shipped NHS App MI file(s) (official statistics, OGL v3.0)`);
  const foi = await loadBundledFoiDemographics(db);
  if (foi) log('Loaded the shipped NHS App users by age and deprivation (FOI-2507-2241508, OGL v3.0)');
  const built =
    (options.completePending ?? true)
      ? await completePendingWork(db, log, options.clock ?? systemClock)
      : null;
  // Whether the published figures may now be out of date (serve publishes again with PostgreSQL).
  return {
    changed: applied.length > 0 || loaded.imported.length > 0 || mi.length > 0 || foi || built !== null,
  };
}

/**
 * Makes the figures match what is loaded, whatever was interrupted (issue 16.3, 16.4): removes the events of a
 * load whose commit was torn, rebuilds the area model if the practice-map releases changed, then runs the build
 * the loads await — incremental when only events were loaded since the last build, full when feeds or
 * reference data changed, none when nothing did (a refused or already-loaded file changes nothing, 16.5).
 * A load and its build are thus one unit: a kill -9 between them is repaired by the next command.
 */
export async function completePendingWork(
  db: Warehouse,
  log: Log,
  clock: Clock = systemClock,
  options: { full?: boolean } = {},
): Promise<BuildResult | null> {
  const removed = await removeUnrecordedEvents(db);
  if (removed > 0)
    log(`Removed ${removed} events of an interrupted load that never committed; load its file again.`);
  if (await areasNeedRebuild(db)) await rebuildAreas(db);
  const pending: PendingBuild = options.full ? { kind: 'full', reason: 'asked for' } : await pendingBuild(db);
  if (pending.kind === 'none') return null;
  if (pending.kind === 'incremental' && pending.range === null) {
    // Loads that added no rows: nothing to recompute, only record that they are built.
    await recordBuildInputs(db);
    return null;
  }
  const built =
    pending.kind === 'incremental'
      ? await buildMetrics(db, loadCatalogue(), clock, pending.range!)
      : await buildMetrics(db, loadCatalogue(), clock);
  log(
    pending.kind === 'incremental'
      ? `Recomputed the periods touched by ${pending.range!.from} to ${pending.range!.to}: ${built.rows} figures in ` +
          `${built.millis} ms (data version ${built.dataVersion}).`
      : `Rebuilt all figures (${pending.reason}) in ${built.millis} ms (data version ${built.dataVersion}).`,
  );
  return built;
}

/**
 * A warehouse to read from: the warehouse itself, initialised, when no other process holds it; else (the server
 * is running) the figures it published, read-only (src/app/figures-snapshot.ts). For read-only commands.
 */
export async function openForReading(
  config: AppConfig,
  log: Log,
): Promise<{ db: Warehouse; published: boolean }> {
  try {
    const db = await openWarehouse(config);
    try {
      await initialise(db, log, { completePending: false });
    } catch (err) {
      db.close();
      throw err;
    }
    return { db, published: false };
  } catch (err) {
    if (!(err instanceof WarehouseBusyError)) throw err;
    const snapshot = await openFiguresSnapshot(config.dataDir);
    if (!snapshot) {
      throw new WarehouseBusyError(
        `${(err as Error).message} It has not published its figures yet: try again in a few seconds.`,
      );
    }
    return { db: snapshot, published: true };
  }
}

export async function hasActivity(db: Warehouse): Promise<boolean> {
  return ((await db.scalar<number>('SELECT count(*) FROM event_load')) ?? 0) > 0;
}

/** Share of England's App users the demo simulates by default: small enough for a first start under two minutes. */
export { DEFAULT_DEMO_SCALE, DEFAULT_DEMO_SEED } from '../domain/demo-model.ts';

/** Generates synthetic demo events, loads them through the normal ingest path, marks the warehouse as demo, builds. */
export async function loadDemo(
  db: Warehouse,
  config: AppConfig,
  opts: { scale: number; seed: number; clock: Clock; log: Log },
): Promise<void> {
  const outDir = path.join(config.dataDir, 'demo');
  let t = Date.now();
  opts.log(`Generating synthetic demo activity (scale ${opts.scale}, seed ${opts.seed}) into ${outDir} …`);
  const generated = await generateDemoEvents(db, {
    scale: opts.scale,
    seed: opts.seed,
    clock: opts.clock,
    outDir,
  });
  opts.log(
    `Generated ${generated.events.toLocaleString('en-GB')} events for ${generated.users.toLocaleString('en-GB')} users ` +
      `(${generated.from} to ${generated.to}) in ${((Date.now() - t) / 1000).toFixed(1)} s`,
  );
  t = Date.now();
  let loaded = 0;
  // The history file first: registrations of users who joined before the window.
  for (const file of [generated.historyFile, ...generated.files]) {
    const result = await ingestEventFile(db, file, { demo: true, now: opts.clock.now() });
    loaded += result.rowsLoaded;
  }
  opts.log(`Loaded ${loaded.toLocaleString('en-GB')} events in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  // Synthetic urgent-care booking journeys (issue 13) for the same practices and weeks, through the booking ingest.
  t = Date.now();
  const booking = await generateBookingDemoFiles(db, {
    scale: opts.scale,
    seed: opts.seed,
    clock: opts.clock,
    outDir,
  });
  const bookingLoad = { demo: true, now: opts.clock.now() };
  const bookingEvents = await ingestBookingEventFile(db, booking.eventsFile, bookingLoad);
  await ingestBookingSlotsFile(db, booking.slotsFile, bookingLoad);
  opts.log(
    `Generated and loaded ${bookingEvents.rowsLoaded.toLocaleString('en-GB')} synthetic booking events ` +
      `(${booking.cases.toLocaleString('en-GB')} cases) in ${((Date.now() - t) / 1000).toFixed(1)} s`,
  );
  await db.run(buildSql.setMeta, [
    'demo',
    JSON.stringify({ scale: opts.scale, seed: opts.seed, generatedAt: opts.clock.now().toISOString() }),
  ]);
  t = Date.now();
  const built = await buildMetrics(db, loadCatalogue(), opts.clock);
  opts.log(
    `Built ${built.rows.toLocaleString('en-GB')} figures in ${((Date.now() - t) / 1000).toFixed(1)} s`,
  );
}
