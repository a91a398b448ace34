/**
 * The Official statistics page's URL state (GET /official): its query-string schema (the API's /api/v1/official
 * parameters, all optional here) and the query string its links and CSV links write.
 */
import { MI_MEASURES } from '../../../domain/mi-measures.ts';
import { OFFICIAL_LEVELS, type OfficialLevel } from '../../../query/official.ts';

const MONTH = {
  type: 'string',
  pattern: '^([0-9]{4}-(0[1-9]|1[0-2]))?$',
  description: 'must be a month like 2025-08',
};

export const OFFICIAL_PAGE_QUERY = {
  type: 'object',
  additionalProperties: false,
  properties: {
    measure: { type: 'string', enum: MI_MEASURES.map((m) => m.measure) },
    level: { type: 'string', enum: OFFICIAL_LEVELS },
    code: { type: 'string', pattern: '^[A-Za-z0-9]{0,12}$', description: 'must be an area code' },
    from: MONTH,
    to: MONTH,
  },
} as const;

export interface OfficialPageQuery {
  measure?: string;
  level?: OfficialLevel;
  code?: string;
  from?: string;
  to?: string;
}

/** A query string of the page (or the API) for a selection. */
export function officialQuery(s: {
  measure: string;
  level: string;
  code?: string;
  from?: string;
  to?: string;
}): string {
  const p = new URLSearchParams({ measure: s.measure, level: s.level });
  if (s.code) p.set('code', s.code);
  if (s.from) p.set('from', s.from);
  if (s.to) p.set('to', s.to);
  return p.toString();
}
