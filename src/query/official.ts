/**
 * Official statistics: the NHS App Management Information publication as loaded (mi_published = the latest
 * edition covering each month; mi_figure = every edition). England, NHS England regions (derived from the ICB
 * rows, Unknown kept) and ICBs, monthly. A month with no figure is absent, never 0.
 */
import type { Warehouse } from '../warehouse/db.ts';
import * as querySql from '../warehouse/sql/query.ts';

export const OFFICIAL_LEVELS = ['england', 'region', 'icb'] as const;
export type OfficialLevel = (typeof OFFICIAL_LEVELS)[number];

export function isOfficialLevel(v: string): v is OfficialLevel {
  return (OFFICIAL_LEVELS as readonly string[]).includes(v);
}

/** One published figure: the contract's columns, in order. */
export interface OfficialRow {
  /** YYYY-MM */
  month: string;
  level: OfficialLevel;
  code: string;
  name: string;
  measure: string;
  value: number;
  /** The edition (YYYY-MM) the figure comes from. */
  edition: string;
}

export const OFFICIAL_COLUMNS = ['month', 'level', 'code', 'name', 'measure', 'value', 'edition'] as const;

export interface OfficialRequest {
  measure: string;
  level: OfficialLevel;
  code?: string;
  /** YYYY-MM */
  from?: string;
  to?: string;
  /** 'latest' (default) or YYYY-MM: the figures as that edition published them. */
  edition?: string;
}

const monthDay = (m: string | undefined) => (m === undefined ? null : `${m}-01`);

export async function getOfficialRows(db: Warehouse, req: OfficialRequest): Promise<OfficialRow[]> {
  const edition = req.edition === undefined || req.edition === 'latest' ? null : `${req.edition}-01`;
  const rows = await db.all<OfficialRow>(querySql.officialRows, [
    edition,
    req.measure,
    req.level,
    monthDay(req.from),
    monthDay(req.to),
    req.code === undefined ? null : req.code.toUpperCase(),
  ]);
  return rows.map((r) => ({ ...r, value: Number(r.value) }));
}

export interface OfficialEdition {
  edition: string;
  publishedOn: string | null;
  title: string | null;
  firstMonth: string;
  lastMonth: string;
  files: { file: string; kind: string }[];
}

export async function getOfficialEditions(db: Warehouse): Promise<OfficialEdition[]> {
  const rows = await db.all<{
    edition: string;
    published_on: string | null;
    title: string | null;
    first_month: string;
    last_month: string;
    files: string;
    file_kinds: string;
  }>(querySql.officialEditions);
  return rows.map((r) => {
    const kinds = r.file_kinds.split('|');
    return {
      edition: r.edition,
      publishedOn: r.published_on,
      title: r.title,
      firstMonth: r.first_month,
      lastMonth: r.last_month,
      files: r.files.split('|').map((file, i) => ({ file, kind: kinds[i]! })),
    };
  });
}

export interface OfficialRevision {
  month: string;
  level: 'england' | 'icb';
  code: string;
  name: string;
  measure: string;
  oldValue: number;
  newValue: number;
  oldEdition: string;
  edition: string;
}

export async function getOfficialRevisions(
  db: Warehouse,
  filter: { measure?: string; level?: 'england' | 'icb'; code?: string } = {},
): Promise<OfficialRevision[]> {
  const rows = await db.all<{
    month: string;
    level: 'england' | 'icb';
    code: string;
    name: string;
    measure: string;
    old_value: number;
    new_value: number;
    old_edition: string;
    edition: string;
  }>(querySql.officialRevisions, [filter.measure ?? null, filter.level ?? null, filter.code ?? null]);
  return rows.map((r) => ({
    month: r.month,
    level: r.level,
    code: r.code,
    name: r.name,
    measure: r.measure,
    oldValue: Number(r.old_value),
    newValue: Number(r.new_value),
    oldEdition: r.old_edition,
    edition: r.edition,
  }));
}

/** The measures with at least one official figure, and the levels each is published at. */
export async function getOfficialMeasures(db: Warehouse): Promise<{ measure: string; levels: string[] }[]> {
  const rows = await db.all<{ measure: string; levels: string }>(querySql.officialMeasures);
  return rows.map((r) => ({ measure: r.measure, levels: r.levels.split(',') }));
}
