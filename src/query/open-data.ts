/** The archive of our own MI publication's releases (issue 12f), newest first. */
import type { Warehouse } from '../warehouse/db.ts';
import * as querySql from '../warehouse/sql/query.ts';

export interface OpenDataRelease {
  releaseId: string;
  month: string;
  publishedAt: string;
  files: string[];
  notes: string[];
  disclosure: boolean;
}

export async function getOpenDataReleases(db: Warehouse): Promise<OpenDataRelease[]> {
  const rows = await db.all<{
    release_id: string;
    month: string;
    published_at: string;
    files: string;
    notes: string;
    disclosure: boolean;
  }>(querySql.openDataReleases);
  return rows.map((r) => ({
    releaseId: r.release_id,
    month: r.month,
    publishedAt: r.published_at,
    files: r.files.split('|'),
    notes: r.notes === '' ? [] : r.notes.split('\n'),
    disclosure: r.disclosure,
  }));
}
