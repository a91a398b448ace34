/**
 * JSON schemas of the API: the query parameters every route validates with (Fastify/Ajv) and the responses
 * it serialises with. The OpenAPI document (openapi.ts) is generated from these same objects, so the
 * description cannot drift from what the routes accept and send.
 */
import { AREA_LEVELS, CHILD_LEVELS } from '../../domain/areas.ts';
import { AGGREGATIONS, GRAINS } from '../../domain/metric-definition.ts';
import { VERDICTS } from '../../domain/statistics.ts';
import { CSV_LAYOUTS } from '../../domain/csv.ts';
import { AREA_CODE_SCHEMA } from '../params.ts';

export { AREA_CODE_SCHEMA };

export type JsonSchema = Record<string, unknown>;

export const METRIC_ID_SCHEMA = {
  type: 'string',
  minLength: 1,
  maxLength: 64,
  pattern: '^[a-z][a-z0-9_]*$',
  description: 'must be a metric id: lower-case letters, digits and _ (see /api/v1/metrics)',
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

export const GRAIN_SCHEMA = {
  type: 'string',
  enum: GRAINS,
  description: 'week (Monday to Sunday) or calendar month, in UK time; default month',
} as const;

export const STRUCTURE_SCHEMA = {
  type: 'string',
  enum: ['current', 'as-recorded'],
  description: "areas on today's structure (default) or as recorded at the time",
} as const;

export const PARTIAL_SCHEMA = {
  type: 'string',
  enum: ['0', '1', 'false', 'true'],
  description: 'include the partial period still being loaded (marked complete: false); default no',
} as const;

export const FORMAT_SCHEMA = {
  type: 'string',
  enum: ['json', 'csv'],
  description: 'json (default) or csv (a header row, RFC 4180 quoting, as an attachment)',
} as const;

export const LAYOUT_SCHEMA = {
  type: 'string',
  enum: CSV_LAYOUTS,
  description:
    'with format=csv: long (default, a row per area and period) or wide (a row per area, a column per ' +
    'period headed by its start date YYYY-MM-DD; empty cell where there is no figure). Every figure CSV ' +
    'starts with area_code, area_name, area_place_name, area_level, area_ons_code',
} as const;

/** `level` (default England) and `code` of the one area a figure route answers for. */
export const AREA_PROPERTIES: Record<string, JsonSchema> = {
  level: { ...LEVEL_SCHEMA, description: 'default england' },
  code: {
    ...AREA_CODE_SCHEMA,
    description: 'must be an area code: 1 to 12 letters or digits (required below England)',
  },
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

function query(properties: Record<string, JsonSchema>, required: string[] = []): JsonSchema {
  return { type: 'object', additionalProperties: false, required, properties };
}

export const METRICS_QUERY = query({ format: FORMAT_SCHEMA });

export const METRIC_PARAMS = {
  type: 'object',
  required: ['id'],
  properties: { id: METRIC_ID_SCHEMA },
} as const;

export const METRIC_QUERY = query({});

export const AREAS_QUERY = query({
  level: { ...CHILD_LEVEL_SCHEMA, description: 'the level to list (required unless q is given)' },
  parent: {
    ...AREA_CODE_SCHEMA,
    description: 'must be an area code: 1 to 12 letters or digits (an ODS or ONS code)',
  },
  include: {
    type: 'string',
    enum: ['closed'],
    description:
      'closed: also list the areas that have closed (marked closed: true, with closedAt and successor)',
  },
  q: {
    type: 'string',
    minLength: 1,
    maxLength: 100,
    description: 'must be a search of 1 to 100 characters (name, ODS or ONS code, practice postcode)',
  },
  format: FORMAT_SCHEMA,
});

export const AREA_PARAMS = {
  type: 'object',
  required: ['level', 'code'],
  properties: { level: LEVEL_SCHEMA, code: AREA_CODE_SCHEMA },
} as const;

export const AREA_QUERY = query({ format: FORMAT_SCHEMA });

export const SERIES_QUERY = query(
  {
    metric: METRIC_ID_SCHEMA,
    ...AREA_PROPERTIES,
    grain: GRAIN_SCHEMA,
    ...PERIOD_RANGE_PROPERTIES,
    structure: STRUCTURE_SCHEMA,
    partial: PARTIAL_SCHEMA,
    format: FORMAT_SCHEMA,
    layout: LAYOUT_SCHEMA,
  },
  ['metric'],
);

export const SERIES_AREAS_QUERY = query(
  {
    metric: METRIC_ID_SCHEMA,
    level: {
      ...CHILD_LEVEL_SCHEMA,
      description: 'the level of the areas (region, icb, sub_icb, pcn, practice)',
    },
    parent: {
      ...AREA_CODE_SCHEMA,
      description:
        'must be an area code: 1 to 12 letters or digits (ODS or ONS) of an area above level; only the areas ' +
        'within it (default: every area of the level)',
    },
    grain: GRAIN_SCHEMA,
    ...PERIOD_RANGE_PROPERTIES,
    partial: PARTIAL_SCHEMA,
    format: FORMAT_SCHEMA,
    layout: LAYOUT_SCHEMA,
  },
  ['metric', 'level'],
);

export const BREAKDOWN_QUERY = query(
  {
    metric: METRIC_ID_SCHEMA,
    level: { ...LEVEL_SCHEMA, description: 'the parent area’s level; default england' },
    code: {
      ...AREA_CODE_SCHEMA,
      description: 'must be an area code: 1 to 12 letters or digits (required below England)',
    },
    grain: GRAIN_SCHEMA,
    period: {
      ...DATE_SCHEMA,
      description:
        'must be a date like 2026-04-01 (any day of the week or month; default the latest complete one)',
    },
    structure: STRUCTURE_SCHEMA,
    format: FORMAT_SCHEMA,
  },
  ['metric'],
);

export const SUMMARY_QUERY = query({
  level: { ...LEVEL_SCHEMA, description: 'default england (the National summary)' },
  code: {
    ...AREA_CODE_SCHEMA,
    description: 'must be an area code: 1 to 12 letters or digits (required below England)',
  },
  grain: GRAIN_SCHEMA,
  partial: PARTIAL_SCHEMA,
  format: FORMAT_SCHEMA,
});

export const PEERS_QUERY = query(
  {
    metric: {
      ...METRIC_ID_SCHEMA,
      description:
        'must be a metric id (see /api/v1/metrics), or COUNT_per_1000 for the rate derived from a count',
    },
    level: CHILD_LEVEL_SCHEMA,
    code: AREA_CODE_SCHEMA,
    grain: GRAIN_SCHEMA,
    period: {
      ...DATE_SCHEMA,
      description: 'must be a date like 2026-04-01 (default the latest complete period)',
    },
    structure: STRUCTURE_SCHEMA,
    format: FORMAT_SCHEMA,
  },
  ['metric', 'level', 'code'],
);

export const OPENAPI_QUERY = query({});

// ---- Responses ----

const num = { type: 'number' } as const;
const numOrNull = { type: ['number', 'null'] } as const;
const str = { type: 'string' } as const;
const strOrNull = { type: ['string', 'null'] } as const;
const bool = { type: 'boolean' } as const;

function object(properties: Record<string, JsonSchema>, optional: string[] = []): JsonSchema {
  return {
    type: 'object',
    additionalProperties: false,
    required: Object.keys(properties).filter((k) => !optional.includes(k)),
    properties,
  };
}

export const ERROR_SCHEMA = object({ error: str, message: str });

/** The place name of a sub-ICB location (docs/adr/0028); `name` stays NHS England's own name. */
const PLACE_NAME_DESCRIPTION =
  'sub-ICB locations: the place name from the CCG it succeeded (e.g. "Leeds" for NHS West Yorkshire ICB - 15F; ' +
  'data/reference/sub-icb-place-names.csv); null for other areas';

const AREA_REF = object(
  {
    level: LEVEL_SCHEMA,
    code: str,
    name: str,
    placeName: { ...strOrNull, description: PLACE_NAME_DESCRIPTION },
    isCurrent: bool,
  },
  ['placeName'],
);

export const METRIC_SCHEMA = object(
  {
    id: str,
    name: str,
    shortName: str,
    description: str,
    calculation: str,
    unit: {
      type: 'string',
      enum: ['events', 'users', 'patients', 'downloads', 'percent', 'per_1000', 'practices'],
    },
    aggregation: { type: 'string', enum: AGGREGATIONS },
    window: { type: 'string', enum: ['period', 'rolling_12_months'] },
    numerator: strOrNull,
    denominator: strOrNull,
    multiplier: numOrNull,
    grains: { type: 'array', items: GRAIN_SCHEMA },
    lowestGeography: LEVEL_SCHEMA,
    source: str,
    caveats: { type: 'array', items: str },
    polarity: { type: 'string', enum: ['higher_is_better', 'lower_is_better', 'neutral'] },
    disclosure: str,
    miPublication: bool,
    openData: {
      description: 'Which figures of this metric are open data (no sign-in); null when none are',
      anyOf: [
        { type: 'null' },
        object({
          levels: { type: 'array', items: LEVEL_SCHEMA },
          grains: { type: 'array', items: GRAIN_SCHEMA },
        }),
      ],
    },
    theme: str,
    legacyIds: { type: 'array', items: str },
    originalDictionaryName: strOrNull,
  },
  [],
);

export const METRICS_RESPONSE = object({ data: { type: 'array', items: METRIC_SCHEMA } });
export const METRIC_RESPONSE = object({ data: METRIC_SCHEMA });

export const AREA_ITEM_SCHEMA = object({
  code: str,
  onsCode: strOrNull,
  name: str,
  placeName: { ...strOrNull, description: PLACE_NAME_DESCRIPTION },
  level: LEVEL_SCHEMA,
  parent: { anyOf: [{ type: 'null' }, object({ code: str, level: LEVEL_SCHEMA })] },
  closed: bool,
  closedAt: strOrNull,
  successor: {
    anyOf: [{ type: 'null' }, object({ code: str, name: str, placeName: strOrNull, level: LEVEL_SCHEMA })],
  },
  unknown: bool,
});

export const SEARCH_ITEM_SCHEMA = object(
  {
    code: str,
    onsCode: strOrNull,
    name: str,
    placeName: { ...strOrNull, description: PLACE_NAME_DESCRIPTION },
    level: LEVEL_SCHEMA,
    isCurrent: bool,
    postcode: strOrNull,
    exactCode: bool,
    parent: {
      anyOf: [{ type: 'null' }, object({ code: str, level: LEVEL_SCHEMA, name: str, placeName: strOrNull })],
    },
    contains: {
      type: 'array',
      items: str,
      description:
        'ICBs and regions found by the sub-ICB locations they hold: the place names of those that matched',
    },
  },
  ['contains'],
);

export const AREAS_RESPONSE = {
  description: 'A list of areas at a level, or (with q) the areas matching a search, best first',
  anyOf: [
    object({ data: { type: 'array', items: AREA_ITEM_SCHEMA } }),
    object({ query: str, total: num, data: { type: 'array', items: SEARCH_ITEM_SCHEMA } }),
  ],
};

export const AREA_RESPONSE = object({
  data: object({
    code: str,
    onsCode: strOrNull,
    name: str,
    placeName: { ...strOrNull, description: PLACE_NAME_DESCRIPTION },
    level: LEVEL_SCHEMA,
    isCurrent: bool,
    postcode: strOrNull,
    supplierName: strOrNull,
    firstExtract: strOrNull,
    lastExtract: strOrNull,
    parent: { anyOf: [{ type: 'null' }, AREA_REF] },
    ancestors: { type: 'array', items: AREA_REF },
    childLevel: { anyOf: [{ type: 'null' }, LEVEL_SCHEMA] },
    children: {
      type: 'array',
      items: object({
        code: str,
        onsCode: strOrNull,
        name: str,
        placeName: { ...strOrNull, description: PLACE_NAME_DESCRIPTION },
        level: LEVEL_SCHEMA,
        isCurrent: bool,
      }),
    },
  }),
});

/** The comparison verdict against a benchmark (docs/adr/0022). */
export const VERDICT_SCHEMA = {
  type: 'string',
  enum: VERDICTS,
  description:
    "the 95% interval against the benchmark's value (Fingertips): better/similar/worse by the metric's " +
    'polarity, higher/similar/lower without one; not-compared when no interval or benchmark exists',
} as const;

/** 95% and 99.8% confidence limits: Wilson for percentages, Byar for rates per 1,000 (docs/adr/0022). */
const CONFIDENCE_FIELDS = {
  lowerCi95: { ...numOrNull, description: 'lower 95% confidence limit (rates and percentages)' },
  upperCi95: { ...numOrNull, description: 'upper 95% confidence limit (rates and percentages)' },
  lowerCi998: { ...numOrNull, description: 'lower 99.8% confidence limit' },
  upperCi998: { ...numOrNull, description: 'upper 99.8% confidence limit' },
};
const CONFIDENCE_KEYS = ['lowerCi95', 'upperCi95', 'lowerCi998', 'upperCi998'];

const POINT_SCHEMA = object(
  {
    periodStart: { ...str, description: 'first day of the week (Monday) or month, UK time' },
    value: num,
    complete: bool,
    changePct: {
      ...numOrNull,
      description: '% change on the previous point; null when that is missing or 0',
    },
    numerator: num,
    denominator: num,
    coverage: numOrNull,
    ...CONFIDENCE_FIELDS,
    comparedWithEngland: VERDICT_SCHEMA,
  },
  ['numerator', 'denominator', 'coverage', ...CONFIDENCE_KEYS, 'comparedWithEngland'],
);

export const SERIES_RESPONSE = object({
  metric: str,
  unit: str,
  area: AREA_REF,
  grain: GRAIN_SCHEMA,
  structure: STRUCTURE_SCHEMA,
  data: { type: 'array', items: POINT_SCHEMA },
});

export const SERIES_AREAS_RESPONSE = object({
  metric: str,
  unit: str,
  level: LEVEL_SCHEMA,
  parent: { anyOf: [{ type: 'null' }, AREA_REF] },
  grain: GRAIN_SCHEMA,
  structure: STRUCTURE_SCHEMA,
  periods: { type: 'array', items: object({ periodStart: str, complete: bool }) },
  data: {
    type: 'array',
    items: object({
      area: object({ level: LEVEL_SCHEMA, code: str, name: str, onsCode: strOrNull, isCurrent: bool }),
      data: {
        type: 'array',
        items: object(
          {
            periodStart: str,
            value: numOrNull,
            complete: bool,
            numerator: numOrNull,
            denominator: numOrNull,
            coverage: numOrNull,
          },
          ['numerator', 'denominator', 'coverage'],
        ),
      },
    }),
  },
});

export const BREAKDOWN_RESPONSE = object({
  metric: str,
  unit: str,
  parent: AREA_REF,
  childLevel: LEVEL_SCHEMA,
  grain: GRAIN_SCHEMA,
  periodStart: strOrNull,
  structure: STRUCTURE_SCHEMA,
  data: {
    type: 'array',
    items: object(
      {
        level: LEVEL_SCHEMA,
        code: str,
        name: str,
        placeName: { ...strOrNull, description: PLACE_NAME_DESCRIPTION },
        onsCode: strOrNull,
        isCurrent: bool,
        value: numOrNull,
        shareOfParent: { ...numOrNull, description: 'counts only: the child’s share of the parent’s figure' },
        numerator: numOrNull,
        denominator: numOrNull,
        coverage: numOrNull,
      },
      ['shareOfParent', 'numerator', 'denominator', 'coverage'],
    ),
  },
});

const TILE_POINT = {
  anyOf: [
    { type: 'null' },
    object(
      {
        periodStart: str,
        value: num,
        complete: bool,
        numerator: num,
        denominator: num,
        coverage: numOrNull,
        ...CONFIDENCE_FIELDS,
      },
      ['numerator', 'denominator', 'coverage', ...CONFIDENCE_KEYS],
    ),
  ],
};

export const SUMMARY_RESPONSE = object({
  area: AREA_REF,
  grain: GRAIN_SCHEMA,
  includePartial: bool,
  refreshedAt: strOrNull,
  latestCompletePeriod: strOrNull,
  demo: bool,
  hiddenTiles: { type: 'integer', description: 'tiles left out because they need sign-in' },
  data: {
    type: 'array',
    items: object(
      {
        metricId: str,
        name: str,
        shortName: str,
        unit: str,
        polarity: str,
        latest: TILE_POINT,
        previous: TILE_POINT,
        changePct: numOrNull,
        comparedWithEngland: VERDICT_SCHEMA,
        comparison: {
          anyOf: [
            { type: 'null' },
            object({
              metricId: str,
              name: str,
              unit: str,
              derived: bool,
              periodStart: str,
              figures: {
                type: 'array',
                items: object({
                  role: { type: 'string', enum: ['area', 'parent', 'england'] },
                  level: LEVEL_SCHEMA,
                  code: str,
                  name: str,
                  value: numOrNull,
                  coverage: numOrNull,
                  ...CONFIDENCE_FIELDS,
                }),
              },
              comparedWithEngland: VERDICT_SCHEMA,
              comparedWithParent: VERDICT_SCHEMA,
            }),
          ],
        },
      },
      ['comparison', 'comparedWithEngland'],
    ),
  },
});

export const PEERS_RESPONSE = object({
  metric: str,
  unit: str,
  area: AREA_REF,
  grain: GRAIN_SCHEMA,
  periodStart: strOrNull,
  structure: STRUCTURE_SCHEMA,
  count: { type: 'integer' },
  value: numOrNull,
  rank: { type: ['integer', 'null'], description: '1 for the highest figure; ties share a rank' },
  percentileRank: { ...numOrNull, description: '0 lowest to 100 highest: share of the other areas below' },
  deciles: { type: 'array', items: num, description: 'p0, p10 … p100 of the areas’ figures' },
});

export const OPENAPI_RESPONSE = { type: 'object', additionalProperties: true } as const;
