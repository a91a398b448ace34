/**
 * The URL state of an area's partner services, organ donation and GP system supplier pages
 * (/areas/:level/:code/partners, /organ-donation, /suppliers): their query-string schema (grain and a from/to
 * range; unknown parameters are ignored, as shared links pick up tracking parameters) and their paths.
 */
import type { AreaLevel } from '../../../domain/areas.ts';
import { GRAINS, type Grain } from '../../../domain/metric-definition.ts';

const DATE_OR_BLANK = {
  type: 'string',
  maxLength: 10,
  pattern: '^([0-9]{4}-[0-9]{2}-[0-9]{2})?$',
  description: 'must be a date as YYYY-MM-DD',
} as const;

/** The pages' settings; unknown parameters are ignored (shared links pick up tracking parameters). */
export const SUBPAGE_QUERY = {
  type: 'object',
  properties: {
    grain: { type: 'string', enum: GRAINS },
    from: DATE_OR_BLANK,
    to: DATE_OR_BLANK,
  },
} as const;

/** The pages' query string as SUBPAGE_QUERY validates it. */
export interface SubpageQuery {
  grain?: Grain;
  from?: string;
  to?: string;
}

export type AreaSubpage = 'partners' | 'organ-donation' | 'suppliers';

export const SUBPAGE_TITLES: Record<AreaSubpage, string> = {
  partners: 'Partner services',
  'organ-donation': 'Organ donation',
  suppliers: 'GP system suppliers',
};

/** An area's page of this kind: /areas/icb/QWO/partners (England: /areas/england/E92000001/partners). */
export function subpagePath(area: { level: AreaLevel; code: string }, page: AreaSubpage): string {
  return `/areas/${area.level}/${encodeURIComponent(area.code)}/${page}`;
}
