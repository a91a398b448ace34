/**
 * Closed areas (issue 14.6): when each closed and what succeeded it, so that area lists can give today's open
 * areas by default and mark closed ones when asked for them.
 */
import type { AreaLevel } from '../domain/areas.ts';
import type { Warehouse } from '../warehouse/db.ts';
import * as querySql from '../warehouse/sql/query.ts';

export interface ClosedArea {
  /** The extract date (YYYY-MM-DD) of the first practice-map release without the area: closed by then. */
  closedAt: string | null;
  /** The open area of the same level that most of its last practices belong to today. */
  successor: { code: string; name: string; placeName: string | null } | null;
}

export async function closedAreas(db: Warehouse, level: AreaLevel): Promise<Map<string, ClosedArea>> {
  const rows = await db.all<{
    code: string;
    /** DATE comes back as 'YYYY-MM-DD' (src/warehouse/db.ts). */
    closed_at: string | null;
    successor_code: string | null;
    successor_name: string | null;
    successor_place_name: string | null;
  }>(querySql.closedAreas, [level]);
  return new Map(
    rows.map((r) => [
      r.code,
      {
        closedAt: r.closed_at,
        successor: r.successor_code
          ? {
              code: r.successor_code,
              name: r.successor_name ?? r.successor_code,
              placeName: r.successor_place_name,
            }
          : null,
      },
    ]),
  );
}
