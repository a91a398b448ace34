/**
 * Hand-made hierarchy for tests that build their own small warehouse without a practice map: one practice's chain
 * on today's structure, as rows of the closure area_ancestry (ADR 0040).
 */
import type { Warehouse } from '../../src/warehouse/db.ts';

/** Inserts a practice's ancestors (itself, its PCN, sub-ICB location, ICB, region and England), today's structure. */
export async function insertPracticeChain(
  db: Warehouse,
  practice: string,
  pcn: string,
  subIcb: string,
  icb: string,
  region: string,
): Promise<void> {
  await db.run(
    `INSERT INTO area_ancestry
     SELECT 'current', DATE '0001-01-01', 'practice', $1,
            unnest(['practice', 'pcn', 'sub_icb', 'icb', 'region', 'england']),
            unnest([$1, $2, $3, $4, $5, 'E92000001']), unnest(range(6))`,
    [practice, pcn, subIcb, icb, region],
  );
}
