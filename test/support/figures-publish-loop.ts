/**
 * Tests only (src/figures/kill.test.ts): publishes the figures of WAREHOUSE again and again — snapshot files
 * in DATA_DIR and, with DATABASE_URL, to PostgreSQL — until killed. Prints "published N" after each commit.
 */
import { publishToPg, readPointer } from '../../src/figures/pg.ts';
import { figuresDir, listSnapshots, writeSnapshot } from '../../src/figures/snapshot.ts';
import { Warehouse } from '../../src/warehouse/db.ts';
import { openPgPool } from '../../src/warehouse/pg.ts';

const dataDir = process.env.DATA_DIR!;
const db = await Warehouse.open(process.env.WAREHOUSE!);
const pool = process.env.DATABASE_URL ? openPgPool(process.env.DATABASE_URL, { max: 2 }) : null;
for (;;) {
  if (pool) {
    const version = ((await readPointer(pool))?.version ?? 0) + 1;
    const w = await writeSnapshot(db, dataDir, version);
    await publishToPg(pool, w.file, version, 'kill-test', { tmpDir: figuresDir(dataDir), graceMs: 0 });
    console.log(`published ${version}`);
  } else {
    const version = (listSnapshots(dataDir)[0]?.version ?? 0) + 1;
    await writeSnapshot(db, dataDir, version);
    console.log(`published ${version}`);
  }
}
