/**
 * JSON schemas of URL parameters that pages and the API share, so an area code or metric id is checked the
 * same way wherever it appears (bad values: a 400 naming the parameter).
 */
import { AREA_LEVELS } from '../domain/areas.ts';

/** An area code as used in URLs: ODS (QE1, 00L, U12345, A81001) or ONS (E54000028) codes. */
export const AREA_CODE_SCHEMA = {
  type: 'string',
  minLength: 1,
  maxLength: 12,
  pattern: '^[A-Za-z0-9]+$',
  description: 'must be an area code: 1 to 12 letters or digits (an ODS or ONS code)',
} as const;

/** A metric id as the data dictionary lists it. */
export const METRIC_ID_SCHEMA = {
  type: 'string',
  minLength: 1,
  maxLength: 64,
  pattern: '^[a-z][a-z0-9_]*$',
  description: 'must be a metric id (lower-case letters, digits and _), as listed in the data dictionary',
} as const;

/** The path of an area page: /areas/:level/:code. */
export const AREA_PARAMS_SCHEMA = {
  type: 'object',
  required: ['level', 'code'],
  properties: {
    level: { type: 'string', enum: AREA_LEVELS },
    code: AREA_CODE_SCHEMA,
  },
} as const;
