/** `nhs-app-analytics publish --month YYYY-MM --out DIR`: our own MI publication for a month (src/app/publish.ts). */
import path from 'node:path';
import type { AppConfig } from '../config.ts';
import { initialise, openWarehouse } from '../app/bootstrap.ts';
import { PublishError, publishMonth } from '../app/publish.ts';
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
  const db = await openWarehouse(config);
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
