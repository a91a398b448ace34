/**
 * The real NHS App Management Information editions shipped with the product (data/reference/nhs-app/, OGL v3.0):
 * loaded at first start, so a new user sees real national figures on day one. Files already loaded (same content)
 * are only hashed, so later starts cost milliseconds.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Warehouse } from '../../warehouse/db.ts';
import { BUNDLED_REFERENCE_DIR } from '../reference/bundled.ts';
import type { FeedImportSummary } from './common.ts';
import { importMiPublication } from './mi-publication.ts';

export const BUNDLED_MI_DIR = path.join(BUNDLED_REFERENCE_DIR, 'nhs-app');

/** The shipped MI files: the workbooks and their CSV extracts (`nhs-app-mi_*`), not the FOI extracts. */
export function bundledMiFiles(dir = BUNDLED_MI_DIR): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => /^nhs-app-mi_.+\.(xlsx|csv)$/i.test(f))
    .sort()
    .map((f) => path.join(dir, f));
}

/** Loads every shipped MI file not loaded yet; returns the loads made (already-loaded files are left out). */
export async function loadBundledMi(db: Warehouse, dir = BUNDLED_MI_DIR): Promise<FeedImportSummary[]> {
  const loaded: FeedImportSummary[] = [];
  for (const file of bundledMiFiles(dir)) {
    const r = await importMiPublication(db, file);
    if (r.status === 'loaded') loaded.push(r);
  }
  return loaded;
}
