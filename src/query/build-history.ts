import type { Warehouse } from '../warehouse/db.ts';
import * as querySql from '../warehouse/sql/query.ts';

/** One committed metric build (table build_log). */
export interface BuildLogEntry {
  buildId: number;
  /** ISO instants (UTC). */
  startedAt: string;
  finishedAt: string;
  kind: 'full' | 'incremental';
  /** First days of the earliest and latest week or month the build recomputed; null when it wrote nothing. */
  firstPeriod: string | null;
  lastPeriod: string | null;
  /** Figures (re)computed and written to the cube. */
  rowsWritten: number;
  /** The warehouse data version after the build (keys HTTP caches). */
  dataVersion: number;
  /** Activity events held by the warehouse when the build ran. */
  eventsTotal: number;
}

/** The most recent builds, newest first (at most `limit`, 1–1000). */
export async function getBuildHistory(db: Warehouse, limit = 20): Promise<BuildLogEntry[]> {
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw new RangeError(`build history limit must be an integer from 1 to 1000, got ${limit}`);
  }
  const rows = await db.all<{
    build_id: number;
    started_at: string;
    finished_at: string;
    kind: 'full' | 'incremental';
    first_period: string | null;
    last_period: string | null;
    rows_written: number;
    data_version: number;
    events_total: number;
  }>(querySql.buildHistory, [limit]);
  return rows.map((r) => ({
    buildId: r.build_id,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    kind: r.kind,
    firstPeriod: r.first_period,
    lastPeriod: r.last_period,
    rowsWritten: r.rows_written,
    dataVersion: r.data_version,
    eventsTotal: r.events_total,
  }));
}
