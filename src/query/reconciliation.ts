/**
 * Reconciliation (issue 12e): where the product computes a measure of the official NHS App MI publication from
 * events, the two side by side for each month and area both cover: official value, computed value, difference
 * (computed − official) and % difference (of the official), with the structure each uses.
 *
 * Structures: the official figure attributes each user to their GP practice's ICB in the ICB structure of the
 * edition (2025 editions: the 42 ICBs of the time; from the April 2026 edition: the 2026 structure, back to
 * December 2020). The computed figure is read on the matching structure: "as recorded" (the ICBs of the time) for
 * editions before 2026-04, "current" (today's ICBs) from it; England is the same on both.
 */
import type { Warehouse } from '../warehouse/db.ts';
import { getOfficialRows, type OfficialLevel } from './official.ts';
import * as querySql from '../warehouse/sql/query.ts';
import { percentChange } from '../domain/rate.ts';

/** The first edition NHS England remapped to the April 2026 ICB structure. */
export const REMAPPED_EDITION = '2026-04';

export interface ReconciliationRow {
  month: string;
  level: OfficialLevel;
  code: string;
  name: string;
  measure: string;
  official: number;
  /** null: the product has no figure for this month and area (no data, not 0). */
  computed: number | null;
  difference: number | null;
  pctDifference: number | null;
  edition: string;
  officialStructure: string;
  computedStructure: 'current' | 'as-recorded';
}

export const RECONCILIATION_COLUMNS = [
  'month',
  'level',
  'code',
  'name',
  'measure',
  'official',
  'computed',
  'difference',
  'pctDifference',
  'edition',
  'officialStructure',
  'computedStructure',
] as const;

export async function getReconciliation(
  db: Warehouse,
  req: { measure: string; level: OfficialLevel; code?: string; from?: string; to?: string },
): Promise<ReconciliationRow[]> {
  const official = await getOfficialRows(db, { ...req, edition: 'latest' });
  if (official.length === 0) return [];
  const months = official.map((r) => r.month).sort();
  const computed = new Map<string, number>();
  for (const structure of ['current', 'as_recorded'] as const) {
    const rows = await db.all<{ month: string; code: string; value: number }>(querySql.officialComputed, [
      structure,
      req.measure,
      req.level,
      req.code ?? null,
      `${months[0]}-01`,
      `${months[months.length - 1]}-01`,
    ]);
    for (const r of rows) computed.set(`${structure}|${r.month}|${r.code}`, Number(r.value));
  }
  return official.map((o) => {
    const remapped = o.edition >= REMAPPED_EDITION;
    const structure = o.level === 'england' || remapped ? 'current' : 'as_recorded';
    const c = computed.get(`${structure}|${o.month}|${o.code}`) ?? null;
    return {
      month: o.month,
      level: o.level,
      code: o.code,
      name: o.name,
      measure: o.measure,
      official: o.value,
      computed: c,
      difference: c === null ? null : c - o.value,
      pctDifference: percentChange(c, o.value),
      edition: o.edition,
      officialStructure: remapped ? 'ICBs of April 2026 (remapped)' : 'ICBs at the time of the edition',
      computedStructure: structure === 'current' ? 'current' : 'as-recorded',
    };
  });
}
