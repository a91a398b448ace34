/** Helpers for the feed importer tests: a temp dir of fixture files and a migrated in-memory warehouse. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeEach } from 'vitest';
import { Warehouse } from '../../src/warehouse/db.ts';
import { migrate } from '../../src/warehouse/migrate.ts';

export function tempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/**
 * A feed test file's set-up: a temporary folder (`dir`) removed after all its tests, and a fresh migrated
 * in-memory warehouse (`db`) for each test, closed after it.
 */
export function feedTest(prefix: string): { readonly dir: string; readonly db: Warehouse } {
  const tmp = tempDir(prefix);
  let db: Warehouse | undefined;
  afterAll(() => tmp.remove());
  beforeEach(async () => {
    db = await openWarehouse();
  });
  afterEach(() => db?.close());
  return {
    dir: tmp.dir,
    get db() {
      if (!db) throw new Error('the warehouse is open only inside a test');
      return db;
    },
  };
}

/** Writes a CSV (header + rows, LF endings; gzipped when the name ends in .gz) and returns its path. */
export function writeCsv(dir: string, name: string, lines: readonly string[]): string {
  const file = path.join(dir, name);
  const text = lines.join('\n') + '\n';
  fs.writeFileSync(file, name.endsWith('.gz') ? gzipSync(Buffer.from(text)) : text);
  return file;
}

export async function openWarehouse(): Promise<Warehouse> {
  const db = await Warehouse.open(':memory:');
  await migrate(db);
  return db;
}

const TABLES = [
  'feed_load',
  'feed_practice_daily',
  'feed_partner_daily',
  'feed_downloads_daily',
  'feed_pomi',
  'mi_published',
];

/** Row counts of every feed table. */
export async function feedCounts(db: Warehouse): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of TABLES) out[t] = (await db.scalar<number>(`SELECT count(*) FROM ${t}`))!;
  return out;
}

/** The ISO days from `first`, `n` of them. */
export function days(first: string, n: number): string[] {
  const start = Date.parse(`${first}T00:00:00Z`);
  return Array.from({ length: n }, (_, i) => new Date(start + i * 86_400_000).toISOString().slice(0, 10));
}

/** The IngestError a promise rejects with (fails the test when it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise;
  } catch (err) {
    return err as Error & Record<string, unknown>;
  }
  throw new Error('expected the import to be rejected');
}

/** The full contents of every feed table, for asserting that a refused file changed nothing. */
export async function feedContents(db: Warehouse): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const t of TABLES) out[t] = await db.all(`SELECT * FROM ${t} ORDER BY ALL`);
  return out;
}
