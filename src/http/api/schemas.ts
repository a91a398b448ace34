/**
 * The JSON-schema building blocks every API route validates its parameters and serialises its answer with
 * (Fastify/Ajv): the scalar and object helpers, the parameters several routes share and the parts of answers
 * several resources send. Each resource module (src/http/api/*-routes.ts) builds its own query and response
 * schemas from these; the OpenAPI document (openapi.ts) is generated from those same objects, so the
 * description cannot drift from what the routes accept and send.
 */
import { AREA_LEVELS, CHILD_LEVELS } from '../../domain/areas.ts';
import { GRAINS } from '../../domain/metric-definition.ts';
import { VERDICTS } from '../../domain/statistics.ts';
import { CSV_LAYOUTS } from '../../domain/csv.ts';
import { AREA_CODE_SCHEMA } from '../params.ts';

export { AREA_CODE_SCHEMA };

export type JsonSchema = Record<string, unknown>;

export const num = { type: 'number' } as const;
export const numOrNull = { type: ['number', 'null'] } as const;
export const int = { type: 'integer' } as const;
export const intOrNull = { type: ['integer', 'null'] } as const;
export const str = { type: 'string' } as const;
export const strOrNull = { type: ['string', 'null'] } as const;
export const bool = { type: 'boolean' } as const;

/** A query string of these parameters and no others. */
export function query(properties: Record<string, JsonSchema>, required: string[] = []): JsonSchema {
  return { type: 'object', additionalProperties: false, required, properties };
}

/** An object of exactly these properties, all required but the `optional` ones. */
export function object(properties: Record<string, JsonSchema>, optional: string[] = []): JsonSchema {
  return {
    type: 'object',
    additionalProperties: false,
    required: Object.keys(properties).filter((k) => !optional.includes(k)),
    properties,
  };
}

/** A string that is one of `values`. */
export function choice<const T extends readonly string[]>(values: T, description: string) {
  return { type: 'string', enum: values, description } as const;
}

// ---- Parameters ----

export const METRIC_ID_SCHEMA = {
  type: 'string',
  minLength: 1,
  maxLength: 64,
  pattern: '^[a-z][a-z0-9_]*$',
  description: 'must be a metric id: lower-case letters, digits and _ (see /api/v1/metrics)',
} as const;

/** `metric` where a rate derived from a count may be asked for (peers, ranking). */
export const PEER_METRIC_SCHEMA = {
  ...METRIC_ID_SCHEMA,
  description:
    'must be a metric id (see /api/v1/metrics), or COUNT_per_1000 for the rate derived from a count',
} as const;

export const LEVEL_SCHEMA = { type: 'string', enum: AREA_LEVELS } as const;
export const CHILD_LEVEL_SCHEMA = { type: 'string', enum: CHILD_LEVELS } as const;

export const DATE_SCHEMA = {
  type: 'string',
  minLength: 10,
  maxLength: 10,
  pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$',
  description: 'must be a date like 2026-04-01',
} as const;

export const GRAIN_SCHEMA = choice(
  GRAINS,
  'week (Monday to Sunday) or calendar month, in UK time; default month',
);

export const STRUCTURE_SCHEMA = choice(
  ['current', 'as-recorded'],
  "areas on today's structure (default) or as recorded at the time",
);

export const PARTIAL_SCHEMA = choice(
  ['0', '1', 'false', 'true'],
  'include the partial period still being loaded (marked complete: false); default no',
);

export const FORMAT_SCHEMA = choice(
  ['json', 'csv'],
  'json (default) or csv (a header row, RFC 4180 quoting, as an attachment)',
);

export const LAYOUT_SCHEMA = choice(
  CSV_LAYOUTS,
  'with format=csv: long (default, a row per area and period) or wide (a row per area, a column per ' +
    'period headed by its start date YYYY-MM-DD; empty cell where there is no figure). Every figure CSV ' +
    'starts with area_code, area_name, area_place_name, area_level, area_ons_code',
);

/** `code` of an area a figure route answers for, England's by default. */
export const AREA_CODE_PARAM = {
  ...AREA_CODE_SCHEMA,
  description: 'must be an area code: 1 to 12 letters or digits (required below England)',
};

/** `level` (default England) and `code` of the one area a figure route answers for. */
export const AREA_PROPERTIES: Record<string, JsonSchema> = {
  level: { ...LEVEL_SCHEMA, description: 'default england' },
  code: AREA_CODE_PARAM,
};

/** `from` and `to`: dates whose periods are the first and last of a series. */
export const PERIOD_RANGE_PROPERTIES: Record<string, JsonSchema> = {
  from: {
    ...DATE_SCHEMA,
    description: 'must be a date like 2026-04-01 (first period: the one containing it)',
  },
  to: {
    ...DATE_SCHEMA,
    description: 'must be a date like 2026-04-01 (last period: the one containing it)',
  },
};

// ---- Answers ----

/** Every 4xx answer of the API (src/http/errors.ts sendError). */
export const ERROR_SCHEMA = object({ error: str, message: str });

/** The place name of a sub-ICB location (docs/adr/0028); `name` stays NHS England's own name. */
export const PLACE_NAME_DESCRIPTION =
  'sub-ICB locations: the place name from the CCG it succeeded (e.g. "Leeds" for NHS West Yorkshire ICB - 15F; ' +
  'data/reference/sub-icb-place-names.csv); null for other areas';

export const PLACE_NAME_SCHEMA = { ...strOrNull, description: PLACE_NAME_DESCRIPTION };

export const AREA_REF = object(
  { level: LEVEL_SCHEMA, code: str, name: str, placeName: PLACE_NAME_SCHEMA, isCurrent: bool },
  ['placeName'],
);

/** The comparison verdict against a benchmark (docs/adr/0022). */
export const VERDICT_SCHEMA = {
  type: 'string',
  enum: VERDICTS,
  description:
    "the 95% interval against the benchmark's value (Fingertips): better/similar/worse by the metric's " +
    'polarity, higher/similar/lower without one; not-compared when no interval or benchmark exists',
} as const;

/** 95% and 99.8% confidence limits: Wilson for percentages, Byar for rates per 1,000 (docs/adr/0022). */
export const CONFIDENCE_FIELDS = {
  lowerCi95: { ...numOrNull, description: 'lower 95% confidence limit (rates and percentages)' },
  upperCi95: { ...numOrNull, description: 'upper 95% confidence limit (rates and percentages)' },
  lowerCi998: { ...numOrNull, description: 'lower 99.8% confidence limit' },
  upperCi998: { ...numOrNull, description: 'upper 99.8% confidence limit' },
};
export const CONFIDENCE_KEYS = ['lowerCi95', 'upperCi95', 'lowerCi998', 'upperCi998'];
