/**
 * The app-state store for a command or the server (docs/adr/0025): PostgreSQL with DATABASE_URL, else
 * DATA_DIR/state/app-state.duckdb; migrated; and, when a warehouse is given, whatever app state that warehouse
 * still holds from before the upgrade moved into it once.
 */
import fs from 'node:fs';
import type { AppConfig } from '../config.ts';
import { describeMove, moveStateOutOfWarehouse } from '../app-state/move-from-warehouse.ts';
import { embeddedStateFile, openStateStore } from '../app-state/open.ts';
import type { StateDb } from '../app-state/state-db.ts';
import { Warehouse, WarehouseBusyError } from '../warehouse/db.ts';
import { migrate } from '../warehouse/migrate.ts';
import { warehouseFile, type Log } from './bootstrap.ts';

export async function openAppState(
  config: AppConfig,
  log: Log,
  options: {
    /**
     * The warehouse this process holds: its old app-state tables are moved into the store. 'try': open it
     * for that if no other process holds it (the CLI); a busy warehouse means the server runs, and it moved
     * them when it started.
     */
    warehouse?: Warehouse | 'try' | null;
  } = {},
): Promise<StateDb> {
  const state = await openStateStore({ dataDir: config.dataDir, databaseUrl: config.databaseUrl });
  try {
    // Moving to PostgreSQL: what the embedded store of this DATA_DIR holds goes there too, once.
    if (config.databaseUrl && fs.existsSync(embeddedStateFile(config.dataDir))) {
      let embedded: Warehouse | null = null;
      try {
        embedded = await Warehouse.open(embeddedStateFile(config.dataDir), {
          memoryLimit: '256MB',
          threads: 1,
        });
      } catch (err) {
        if (!(err instanceof WarehouseBusyError)) throw err;
        log(
          'The embedded app-state store is in use by another process: its users and tokens were not moved.',
        );
      }
      if (embedded) {
        try {
          const moved = await moveStateOutOfWarehouse(embedded, state);
          if (moved)
            log(`${describeMove(moved).replace('the warehouse', 'the embedded store')} (PostgreSQL)`);
        } finally {
          embedded.close();
        }
      }
    }
    if (options.warehouse instanceof Warehouse) {
      await moveOut(options.warehouse, state, log);
    } else if (options.warehouse === 'try' && fs.existsSync(warehouseFile(config))) {
      let db: Warehouse | null = null;
      try {
        db = await Warehouse.open(warehouseFile(config), { memoryLimit: config.memoryLimit, threads: 1 });
      } catch (err) {
        if (!(err instanceof WarehouseBusyError)) throw err;
      }
      if (db) {
        try {
          await migrate(db);
          await moveOut(db, state, log);
        } finally {
          db.close();
        }
      }
    }
  } catch (err) {
    await state.close();
    throw err;
  }
  return state;
}

async function moveOut(warehouse: Warehouse, state: StateDb, log: Log): Promise<void> {
  const moved = await moveStateOutOfWarehouse(warehouse, state);
  if (moved)
    log(`${describeMove(moved)} (${state.engine === 'postgres' ? 'PostgreSQL' : state.description})`);
}
