/**
 * `nhs-app-analytics publish --month YYYY-MM --out DIR`: our own MI publication for a month (src/app/publish.ts).
 * When the server is running (it holds the warehouse), the command asks it: it creates `.publish-YYYY-MM` in the
 * inbox, the server that runs the refreshes takes it within a few seconds, publishes (after a refresh in
 * progress) and answers in `.publish-YYYY-MM.result.json`; the command then copies the release's files to --out.
 * The dashboard stays up throughout.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { AppConfig } from '../config.ts';
import { initialise, openWarehouse } from '../app/bootstrap.ts';
import { PublishError, publishMonth } from '../app/publish.ts';
import { inboxFolders, publishResultFile, readPublishAnswer, writePublishRequest } from '../app/inbox.ts';
import { WarehouseBusyError, type Warehouse } from '../warehouse/db.ts';
import { londonDate } from '../domain/periods.ts';
import { loadCatalogue } from '../metrics/catalogue.ts';
import { clockFrom, UsageError } from './args.ts';

type Values = Record<string, string | boolean | undefined>;

/** Where the releases are archived for /open-data. */
export function openDataDir(config: AppConfig): string {
  return path.join(config.dataDir, 'open-data');
}

export async function runPublish(config: AppConfig, values: Values): Promise<number> {
  const month = typeof values.month === 'string' ? values.month : undefined;
  const out = typeof values.out === 'string' ? values.out : undefined;
  if (!month || !/^\d{4}-(0[1-9]|1[0-2])$/.test(month))
    throw new UsageError(`--month must be a month like 2025-08, got "${month ?? ''}"`);
  if (!out) throw new UsageError('--out DIR is required (the folder to write the files to)');
  const clock = clockFrom(typeof values.today === 'string' ? values.today : undefined);
  let db: Warehouse;
  try {
    db = await openWarehouse(config);
  } catch (err) {
    if (!(err instanceof WarehouseBusyError)) throw err;
    return askServerToPublish(config.inboxDir, month, path.resolve(out));
  }
  try {
    await initialise(db, (m) => console.error(m));
    const r = await publishMonth(db, {
      month,
      outDir: path.resolve(out),
      archiveDir: openDataDir(config),
      disclosure: config.auth.openDataDisclosure,
      catalogue: loadCatalogue(),
      today: londonDate(clock.now()),
    });
    console.log(
      `Published ${month} as release ${r.releaseId} (${r.icbRows} ICB rows incl. Unknown; ${r.measures.join(', ')}):`,
    );
    for (const f of r.files) console.log(`  ${f}`);
    for (const n of r.notes) console.log(`  note: ${n}`);
    return 0;
  } catch (err) {
    if (err instanceof PublishError) throw new UsageError(err.message);
    throw err;
  } finally {
    db.close();
  }
}

export interface AskOptions {
  /** How long to wait for the server's answer (default 5 minutes: it may finish a refresh first). */
  waitMs?: number;
  log?: (message: string) => void;
}

/**
 * Asks the running server to publish `month` (see the header) and copies the release's files to `outDir`.
 * 0 when published; a refusal is a UsageError with the server's reason; 1 when no answer came in time (the
 * request stays, so the server publishes when it next looks).
 */
export async function askServerToPublish(
  inboxDir: string,
  month: string,
  outDir: string,
  options: AskOptions = {},
): Promise<number> {
  const log = options.log ?? ((m: string) => console.log(m));
  const { dir } = inboxFolders(inboxDir);
  const request = writePublishRequest(dir, month);
  log(`The server is running: asked it to publish ${month} (${request}).`);
  const deadline = Date.now() + (options.waitMs ?? 5 * 60_000);
  while (Date.now() < deadline) {
    const answer = readPublishAnswer(dir, month);
    if (answer) {
      fs.rmSync(publishResultFile(dir, month), { force: true });
      if (!answer.ok) throw new UsageError(answer.error ?? `${month} was not published`);
      fs.mkdirSync(outDir, { recursive: true });
      const files = (answer.files ?? []).map((f) => {
        const to = path.join(outDir, path.basename(f));
        fs.copyFileSync(f, to);
        return to;
      });
      log(
        `Published ${month} as release ${answer.releaseId} (${answer.icbRows} ICB rows incl. Unknown; ${(answer.measures ?? []).join(', ')}):`,
      );
      for (const f of files) log(`  ${f}`);
      for (const n of answer.notes ?? []) log(`  note: ${n}`);
      return 0;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  log(
    `The server has not answered yet; ${request} stays, so it publishes when it next checks its inbox. ` +
      'Is the server that holds the warehouse watching this inbox (INBOX_DIR)? The release will be listed at /open-data.',
  );
  return 1;
}
