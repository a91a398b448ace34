/** The NHS England geography, top to bottom. */
export const AREA_LEVELS = ['england', 'region', 'icb', 'sub_icb', 'pcn', 'practice'] as const;
export type AreaLevel = (typeof AREA_LEVELS)[number];

/** Levels a user can ask for by name in URLs and the API (England is the single root). */
export const CHILD_LEVELS = AREA_LEVELS.slice(1) as Exclude<AreaLevel, 'england'>[];

export const ENGLAND_CODE = 'E92000001';
/** Activity with no, or an unrecognised, practice code is counted under this code at every level. */
export const UNKNOWN_CODE = 'UNKNOWN';

export const LEVEL_LABELS: Record<AreaLevel, { singular: string; plural: string }> = {
  england: { singular: 'England', plural: 'England' },
  region: { singular: 'NHS England region', plural: 'NHS England regions' },
  icb: { singular: 'Integrated care board (ICB)', plural: 'Integrated care boards (ICBs)' },
  sub_icb: { singular: 'Sub-ICB location', plural: 'Sub-ICB locations' },
  pcn: { singular: 'Primary care network (PCN)', plural: 'Primary care networks (PCNs)' },
  practice: { singular: 'GP practice', plural: 'GP practices' },
};

export function isAreaLevel(value: string): value is AreaLevel {
  return (AREA_LEVELS as readonly string[]).includes(value);
}

export function parentLevel(level: AreaLevel): AreaLevel | null {
  const i = AREA_LEVELS.indexOf(level);
  return i <= 0 ? null : AREA_LEVELS[i - 1]!;
}

export function childLevel(level: AreaLevel): AreaLevel | null {
  const i = AREA_LEVELS.indexOf(level);
  return i < 0 || i === AREA_LEVELS.length - 1 ? null : AREA_LEVELS[i + 1]!;
}

/** Older names found in NHS files: STP became ICB, CCG became sub-ICB location. */
export const LEVEL_ALIASES: Record<string, AreaLevel> = {
  england: 'england',
  national: 'england',
  region: 'region',
  comm_region: 'region',
  nhser: 'region',
  icb: 'icb',
  stp: 'icb',
  sub_icb: 'sub_icb',
  sub_icb_location: 'sub_icb',
  sicbl: 'sub_icb',
  ccg: 'sub_icb',
  pcn: 'pcn',
  practice: 'practice',
  gp: 'practice',
};

export interface Area {
  level: AreaLevel;
  code: string;
  onsCode: string | null;
  name: string;
  parentLevel: AreaLevel | null;
  parentCode: string | null;
  postcode: string | null;
  supplierName: string | null;
  isCurrent: boolean;
}

/**
 * How an area is named on pages, in tables and in search results: a sub-ICB location with a place name shows it
 * before its NHS name, which ends with its code ("Leeds — NHS West Yorkshire ICB - 15F", docs/adr/0028); every
 * other area by its name. The one place this format is decided.
 */
export function areaLabel(area: { name: string; placeName?: string | null }): string {
  return area.placeName ? `${area.placeName} — ${area.name}` : area.name;
}
