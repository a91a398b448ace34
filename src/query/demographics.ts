/**
 * Who uses the NHS App, by age and by deprivation: NHS England's published FOI figures (foi_app_logins) with
 * England's registered patients in each age band (docs/adr/0072-who-uses-the-app.md). Published figures, not
 * computed from App activity: the same whether the warehouse holds demo or real events.
 */
import type { Warehouse } from '../warehouse/db.ts';
import * as querySql from '../warehouse/sql/query.ts';

export type DemographicBreakdown = 'age' | 'imd';

/** One published row, with the registered patients of its population band (ages only). */
export interface DemographicRow {
  /** YYYY-MM */
  month: string;
  breakdown: DemographicBreakdown;
  /** '13 to 14' … '100+', or the IMD decile '1' (most deprived) … '10'; 'Unknown'. */
  group: string;
  logins: number;
  uniqueUsers: number;
  /** The list-size band the group is compared with ('95+' for '95 to 99' and '100+'); null for deciles and Unknown. */
  populationBand: string | null;
  /** England's registered patients in that band; null where there is none. */
  patients: number | null;
  /**
   * Unique users of every group of the month sharing the band, per 1,000 of its patients: the group's own rate,
   * except '95 to 99' and '100+', which share the rate of 95 and over.
   */
  bandUsersPer1000: number | null;
  /** Deciles: the group's share (0–1) of the month's users with a known decile; null for ages and Unknown. */
  shareOfKnown: number | null;
}

export interface DemographicsAnswer {
  source: string | null;
  /** YYYY-MM, oldest first. */
  months: string[];
  /** The list-size release the patients come from (YYYY-MM-DD), or null when none is loaded. */
  patientsExtract: string | null;
  rows: DemographicRow[];
}

export const DEMOGRAPHIC_COLUMNS = [
  'month',
  'breakdown',
  'group',
  'logins',
  'uniqueUsers',
  'populationBand',
  'patients',
  'bandUsersPer1000',
  'shareOfKnown',
] as const;

interface Raw {
  source: string;
  month: string;
  breakdown: DemographicBreakdown;
  group: string;
  logins: number | bigint;
  uniqueUsers: number | bigint;
  populationBand: string | null;
  patients: number | bigint | null;
  patientsExtract: string | null;
}

/** The rates and shares of the published rows (pure: tested on hand-made rows). */
export function withRates(raw: readonly Omit<Raw, 'source' | 'patientsExtract'>[]): DemographicRow[] {
  const rows = raw.map((r) => ({
    month: r.month,
    breakdown: r.breakdown,
    group: r.group,
    logins: Number(r.logins),
    uniqueUsers: Number(r.uniqueUsers),
    populationBand: r.populationBand,
    patients: r.patients === null ? null : Number(r.patients),
  }));
  const bandUsers = new Map<string, number>();
  const knownUsers = new Map<string, number>();
  for (const r of rows) {
    if (r.populationBand !== null) {
      const k = `${r.month}|${r.populationBand}`;
      bandUsers.set(k, (bandUsers.get(k) ?? 0) + r.uniqueUsers);
    }
    if (r.breakdown === 'imd' && r.group !== 'Unknown')
      knownUsers.set(r.month, (knownUsers.get(r.month) ?? 0) + r.uniqueUsers);
  }
  return rows.map((r) => ({
    ...r,
    bandUsersPer1000:
      r.populationBand !== null && r.patients
        ? (1000 * bandUsers.get(`${r.month}|${r.populationBand}`)!) / r.patients
        : null,
    shareOfKnown:
      r.breakdown === 'imd' && r.group !== 'Unknown' && knownUsers.get(r.month)
        ? r.uniqueUsers / knownUsers.get(r.month)!
        : null,
  }));
}

/** Every published row, optionally of one month (YYYY-MM). */
export async function getDemographics(db: Warehouse, month?: string): Promise<DemographicsAnswer> {
  const raw = await db.all<Raw>(querySql.foiDemographics);
  const months = [...new Set(raw.map((r) => r.month))];
  const rows = withRates(raw).filter((r) => month === undefined || r.month === month);
  return {
    source: raw[0]?.source ?? null,
    months,
    patientsExtract: raw.find((r) => r.patientsExtract !== null)?.patientsExtract ?? null,
    rows,
  };
}
