import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../../config.ts';
import type { Warehouse } from '../../warehouse/db.ts';
import { areasNeedRebuild, rebuildAreas } from './areas.ts';
import { fileSha256, type ImportSummary } from './common.ts';
import { importReferenceFile } from './import.ts';
import * as referenceSql from '../../warehouse/sql/reference.ts';

/** Where the reference files shipped with the product live (see its README.md). */
export const BUNDLED_REFERENCE_DIR = path.join(REPO_ROOT, 'data', 'reference');

/** The shipped NHS files the warehouse loads: practice maps and list sizes (not the ONS lookup or boundaries). */
export function bundledReferenceFiles(dir = BUNDLED_REFERENCE_DIR): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => /^gp-reg-pat-prac-.+\.csv(\.gz)?$/.test(f))
    .sort()
    .map((f) => path.join(dir, f));
}

export interface BundledLoadResult {
  /** Files imported by this call. */
  imported: ImportSummary[];
  /** Files already loaded (by content hash), not parsed again. */
  alreadyLoaded: string[];
  /** Whether area, area_version and area_ancestry were rebuilt. */
  rebuiltAreas: boolean;
  ms: number;
}

/**
 * Loads every shipped reference file not already loaded (a file whose content hash is recorded in
 * reference_release is not parsed again), then rebuilds the area model if the practice-map releases changed.
 * Idempotent; a second call only hashes the files (well under a second).
 */
export async function loadBundledReference(
  db: Warehouse,
  dir = BUNDLED_REFERENCE_DIR,
): Promise<BundledLoadResult> {
  const started = Date.now();
  const imported: ImportSummary[] = [];
  const alreadyLoaded: string[] = [];
  for (const file of bundledReferenceFiles(dir)) {
    const sha256 = await fileSha256(file);
    const known = (await db.scalar<number>(referenceSql.releaseCountAnySha, [sha256])) ?? 0;
    if (known > 0) {
      alreadyLoaded.push(file);
      continue;
    }
    imported.push(await importReferenceFile(db, file));
  }
  const rebuiltAreas = await areasNeedRebuild(db);
  if (rebuiltAreas) await rebuildAreas(db);
  return { imported, alreadyLoaded, rebuiltAreas, ms: Date.now() - started };
}
