/**
 * `nhs-app-analytics refresh`: load the inbox and build now (issue 10 item 2).
 *
 * - When the server is running (it holds the warehouse: WarehouseBusyError), the command asks it to refresh by
 *   creating `.refresh-now` in the inbox; the server notices within a few seconds, removes the file and runs a
 *   refresh with trigger "cli" (shown on /admin/refresh).
 * - Otherwise the command runs the same refresh itself and prints the run's summary.
 */
import fs from 'node:fs';
import type { AppConfig } from '../config.ts';
import { initialise, openWarehouse } from '../app/bootstrap.ts';
import { inboxFolders } from '../app/inbox.ts';
import { RefreshService } from '../app/refresh.ts';
import { openAppState } from '../app/app-state.ts';
import type { StateDb } from '../app-state/state-db.ts';
import { Warehouse, WarehouseBusyError } from '../warehouse/db.ts';

const log = (message: string) => console.log(message);

/** The busy-warehouse error for commands that load files: names the inbox the running server loads from. */
export function busyWithInbox(err: WarehouseBusyError, config: AppConfig): WarehouseBusyError {
  return new WarehouseBusyError(
    `${err.message.replace(/ Stop it first.*$/, '')} Stop it first, or drop the files into the inbox ` +
      `${config.inboxDir} — the server loads them at its next refresh (REFRESH_SCHEDULE "${config.refreshSchedule}", ` +
      'Europe/London), or at once with: nhs-app-analytics refresh',
  );
}

/** Opens the warehouse for a loading command, naming the inbox when the server holds it. */
export async function openForLoading(config: AppConfig): Promise<Warehouse> {
  try {
    return await openWarehouse(config);
  } catch (err) {
    if (err instanceof WarehouseBusyError) throw busyWithInbox(err, config);
    throw err;
  }
}

export interface RefreshCommandOptions {
  /** How long to wait for the running server to take the request (default 20 s). */
  waitMs?: number;
}

export async function runRefresh(config: AppConfig, options: RefreshCommandOptions = {}): Promise<number> {
  const folders = inboxFolders(config.inboxDir);
  let db: Warehouse;
  try {
    db = await openWarehouse(config);
  } catch (err) {
    if (!(err instanceof WarehouseBusyError)) throw err;
    fs.mkdirSync(folders.dir, { recursive: true });
    fs.writeFileSync(folders.trigger, `${new Date().toISOString()}\n`);
    log(`The server is running: asked it to refresh now (${folders.trigger}).`);
    const deadline = Date.now() + (options.waitMs ?? 20_000);
    while (Date.now() < deadline) {
      if (!fs.existsSync(folders.trigger)) {
        log('The server has taken the request: the refresh runs now (or right after the one in progress).');
        log('Its outcome is shown on /admin/refresh and in the server log.');
        return 0;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    log(
      `The server has not taken the request yet; ${folders.trigger} stays, so it runs when the server ` +
        'next checks its inbox. Is the server that holds the warehouse watching this inbox (INBOX_DIR)?',
    );
    return 1;
  }
  let state: StateDb | null = null;
  try {
    await initialise(db, log);
    // The run history goes to the app-state store (docs/adr/0025), like the server's.
    state = await openAppState(config, log, { warehouse: db });
    const service = new RefreshService({
      db,
      state,
      inboxDir: config.inboxDir,
      schedule: config.refreshSchedule,
      log,
    });
    // A request the server never took (it stopped) is answered by this run.
    fs.rmSync(folders.trigger, { force: true });
    const summary = await service.runNow('cli');
    return summary.status === 'failed' ? 1 : summary.status === 'files-rejected' ? 2 : 0;
  } finally {
    await state?.close();
    db.close();
  }
}
