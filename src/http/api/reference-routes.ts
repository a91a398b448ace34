/** Reference routes of the API: the metric catalogue and the areas (open to everyone). */
import { childLevel, UNKNOWN_CODE, type AreaLevel } from '../../domain/areas.ts';
import { isOpenMetric, OPEN_DATA_GRAINS, OPEN_DATA_LEVELS } from '../../domain/access.ts';
import { AGGREGATIONS, type MetricDefinition } from '../../domain/metric-definition.ts';
import { getAreaChain } from '../../query/area-chain.ts';
import { normaliseSearch } from '../../query/search.ts';
import { closedAreas, type ClosedArea } from '../../query/closed-areas.ts';
import { answer, badRequest, notFound, odsCodeOf, type ApiRoute } from './common.ts';
import {
  AREA_CODE_SCHEMA,
  AREA_REF,
  bool,
  CHILD_LEVEL_SCHEMA,
  FORMAT_SCHEMA,
  GRAIN_SCHEMA,
  LEVEL_SCHEMA,
  METRIC_ID_SCHEMA,
  num,
  numOrNull,
  object,
  PLACE_NAME_SCHEMA,
  query,
  str,
  strOrNull,
} from './schemas.ts';
import * as querySql from '../../warehouse/sql/query.ts';

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

/** What every area in these answers starts with: codes, names and level. */
const AREA_NAMES = {
  code: str,
  onsCode: strOrNull,
  name: str,
  placeName: PLACE_NAME_SCHEMA,
  level: LEVEL_SCHEMA,
};

export const AREA_ITEM_SCHEMA = object({
  ...AREA_NAMES,
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
    ...AREA_NAMES,
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
    object(
      {
        query: str,
        total: num,
        data: { type: 'array', items: SEARCH_ITEM_SCHEMA },
        didYouMean: {
          type: 'string',
          description:
            'only when nothing was found: the search with its misspelt words corrected from the words of the ' +
            'names searched ("Middlesborough" → "Middlesbrough"), which finds areas',
        },
      },
      ['didYouMean'],
    ),
  ],
};

export const AREA_RESPONSE = object({
  data: object({
    ...AREA_NAMES,
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
      items: object({ ...AREA_NAMES, isCurrent: bool }),
    },
  }),
});

export function metricJson(m: MetricDefinition, catalogue: readonly MetricDefinition[] = []) {
  const open = isOpenMetric(m, catalogue);
  const openGrains = open ? OPEN_DATA_GRAINS.filter((g) => m.grains.includes(g)) : [];
  return {
    id: m.id,
    name: m.name,
    shortName: m.short_name,
    description: m.description,
    calculation: m.calculation,
    unit: m.unit,
    aggregation: m.aggregation,
    window: m.window,
    numerator: m.numerator ?? null,
    denominator: m.denominator ?? null,
    multiplier: m.multiplier ?? null,
    grains: m.grains,
    lowestGeography: m.lowest_geography,
    source: m.source,
    caveats: m.caveats,
    polarity: m.polarity,
    disclosure: m.disclosure,
    miPublication: m.mi_publication,
    openData: openGrains.length > 0 ? { levels: [...OPEN_DATA_LEVELS], grains: openGrains } : null,
    theme: m.theme,
    legacyIds: m.legacy_ids,
    originalDictionaryName: m.original_dictionary_name ?? null,
  };
}

const METRIC_CSV_COLUMNS = [
  'id',
  'name',
  'shortName',
  'description',
  'calculation',
  'unit',
  'aggregation',
  'window',
  'numerator',
  'denominator',
  'multiplier',
  'grains',
  'lowestGeography',
  'source',
  'caveats',
  'polarity',
  'disclosure',
  'miPublication',
  'openLevels',
  'openGrains',
  'theme',
  'legacyIds',
  'originalDictionaryName',
];

function metricCsvRow(m: MetricDefinition, catalogue: readonly MetricDefinition[]) {
  const j = metricJson(m, catalogue);
  return {
    ...j,
    grains: j.grains.join(' '),
    caveats: j.caveats.join(' | '),
    legacyIds: j.legacyIds.join(' '),
    openLevels: j.openData?.levels.join(' ') ?? null,
    openGrains: j.openData?.grains.join(' ') ?? null,
  };
}

const EXAMPLE_METRIC = {
  id: 'logins',
  name: 'NHS App logins',
  shortName: 'Logins',
  description: 'The number of times people logged in to the NHS App in the period.',
  calculation: 'Count of login events in the period.',
  unit: 'events',
  aggregation: 'event_count',
  window: 'period',
  numerator: null,
  denominator: null,
  multiplier: null,
  grains: ['week', 'month'],
  lowestGeography: 'practice',
  source: 'events',
  caveats: ['A login is a session, not a person.'],
  polarity: 'higher_is_better',
  disclosure: 'suppress_small_counts',
  miPublication: true,
  openData: { levels: ['england', 'region', 'icb'], grains: ['month'] },
  theme: 'logins',
  legacyIds: ['M149'],
  originalDictionaryName: 'NHS App Logins',
};

export const metricsRoute: ApiRoute = {
  url: '/api/v1/metrics',
  operationId: 'listMetrics',
  summary: 'The metric catalogue',
  description:
    'Every metric with its definition, calculation, unit, grains, lowest geography, caveats, source and ' +
    'whether it is part of the NHS App Management Information publication (and so open data).',
  tag: 'Reference',
  access: 'public',
  csv: true,
  cache: true,
  querystring: METRICS_QUERY,
  response: METRICS_RESPONSE,
  example: { data: [EXAMPLE_METRIC] },
  handler: (ctx) => async (request, reply) =>
    answer(request, reply, {
      open: true,
      json: { data: ctx.catalogue.map((m) => metricJson(m, ctx.catalogue)) },
      csv: {
        columns: METRIC_CSV_COLUMNS,
        rows: ctx.catalogue.map((m) => metricCsvRow(m, ctx.catalogue)),
        filename: ['metrics'],
      },
    }),
};

export const metricRoute: ApiRoute = {
  url: '/api/v1/metrics/:id',
  operationId: 'getMetric',
  summary: 'One metric',
  description: 'One metric of the catalogue; 404 for an unknown id.',
  tag: 'Reference',
  access: 'public',
  csv: false,
  cache: true,
  params: METRIC_PARAMS,
  querystring: METRIC_QUERY,
  response: METRIC_RESPONSE,
  example: { data: EXAMPLE_METRIC },
  handler: (ctx) => async (request, reply) => {
    const { id } = request.params as { id: string };
    const metric = ctx.catalogue.find((m) => m.id === id);
    if (!metric) throw notFound(`params/id: there is no metric with the id ${id} (see /api/v1/metrics)`);
    return answer(request, reply, { open: true, json: { data: metricJson(metric, ctx.catalogue) } });
  },
};

const AREA_CSV_COLUMNS = [
  'code',
  'onsCode',
  'name',
  'placeName',
  'level',
  'parentCode',
  'parentLevel',
  'closed',
  'closedAt',
  'successorCode',
  'unknown',
];
const SEARCH_CSV_COLUMNS = [
  'code',
  'onsCode',
  'name',
  'placeName',
  'level',
  'isCurrent',
  'postcode',
  'exactCode',
  'parentCode',
  'parentLevel',
  'parentName',
];

export const areasRoute: ApiRoute = {
  url: '/api/v1/areas',
  operationId: 'listAreas',
  summary: 'Areas: a level, the children of a parent, or a search',
  description:
    "Today's open areas of one level (with `include=closed` also the closed ones, marked `closed: true` with " +
    'the date of the first release without them and their successor; the Unknown pseudo-area, for activity with no ' +
    'recognised practice, is marked `unknown: true`), optionally only those under ' +
    '`parent` (any area above the level, by ODS or ONS code: `level=practice&parent=QWO` lists an ICB’s practices); or with `q`, the areas matching a search by name, ODS or ONS code or practice postcode ' +
    '(best first, at most 50; `level` then filters them). 404 for an unknown parent.',
  tag: 'Reference',
  access: 'public',
  csv: true,
  cache: true,
  querystring: AREAS_QUERY,
  response: AREAS_RESPONSE,
  example: {
    data: [
      {
        code: 'QMJ',
        onsCode: 'E54000028',
        name: 'NHS North Central London Integrated Care Board',
        placeName: null,
        level: 'icb',
        parent: { code: 'Y56', level: 'region' },
        closed: false,
        closedAt: null,
        successor: null,
        unknown: false,
      },
    ],
  },
  handler: (ctx) => async (request, reply) => {
    const q = request.query as {
      level?: Exclude<AreaLevel, 'england'>;
      parent?: string;
      q?: string;
      include?: 'closed';
    };
    if (q.q !== undefined) {
      if (q.parent !== undefined) throw badRequest('querystring must not have both q and parent');
      const text = normaliseSearch(q.q);
      if (text === '') throw badRequest('querystring/q must not be empty');
      const found = await ctx.deps.queries.searchAreas({ query: text });
      const results = found.results.filter((r) => q.level === undefined || r.level === q.level);
      const data = results.map((r) => ({
        code: r.code,
        onsCode: r.onsCode,
        name: r.name,
        placeName: r.placeName ?? null,
        level: r.level,
        isCurrent: r.isCurrent,
        postcode: r.postcode,
        exactCode: r.exactCode,
        parent: r.parent
          ? {
              code: r.parent.code,
              level: r.parent.level,
              name: r.parent.name,
              placeName: r.parent.placeName ?? null,
            }
          : null,
        ...(r.contains ? { contains: r.contains } : {}),
      }));
      return answer(request, reply, {
        open: true,
        json: {
          query: found.query,
          total: q.level === undefined ? found.total : data.length,
          data,
          ...(found.didYouMean ? { didYouMean: found.didYouMean } : {}),
        },
        csv: {
          columns: SEARCH_CSV_COLUMNS,
          rows: data.map(({ contains: _contains, ...r }) => ({
            ...r,
            parentCode: r.parent?.code,
            parentLevel: r.parent?.level,
            parentName: r.parent?.name,
          })),
          filename: ['areas-search'],
        },
      });
    }
    if (q.level === undefined) throw badRequest('querystring/level is required');
    const parentCode = q.parent?.toUpperCase();
    // Any ancestor, not only the direct parent (issue 11): practices of an ICB, PCNs of a region.
    const areas = await ctx.deps.queries.listAreas(
      parentCode === undefined ? { level: q.level } : { level: q.level, parent: parentCode },
    );
    if (areas === null) throw notFound(`querystring/parent: there is no area with the code ${parentCode}`);
    // Today's open areas by default; closed ones only on request, and always marked (issue 14.6).
    const withClosed = q.include === 'closed';
    const closed = withClosed ? await closedAreas(ctx.deps.db, q.level) : new Map<string, ClosedArea>();
    const data = areas
      .filter((a) => withClosed || a.isCurrent || a.code === UNKNOWN_CODE)
      .map((a) => {
        const end = closed.get(a.code);
        return {
          code: a.code,
          onsCode: a.onsCode,
          name: a.name,
          placeName: a.placeName,
          level: a.level,
          parent: a.parentCode && a.parentLevel ? { code: a.parentCode, level: a.parentLevel } : null,
          closed: !a.isCurrent,
          closedAt: a.isCurrent ? null : (end?.closedAt ?? null),
          successor: a.isCurrent || !end?.successor ? null : { ...end.successor, level: a.level },
          unknown: a.code === UNKNOWN_CODE,
        };
      });
    return answer(request, reply, {
      open: true,
      json: { data },
      csv: {
        columns: AREA_CSV_COLUMNS,
        rows: data.map((a) => ({
          ...a,
          parentCode: a.parent?.code,
          parentLevel: a.parent?.level,
          successorCode: a.successor?.code,
        })),
        filename: ['areas', q.level, parentCode],
      },
    });
  },
};

export const areaRoute: ApiRoute = {
  url: '/api/v1/areas/:level/:code',
  operationId: 'getArea',
  summary: 'One area with the areas above and below it',
  description:
    "One area on today's structure (closed areas keep their last details), the areas above it from " +
    'England down, and its children. CSV: one row per area, with its relation (ancestor, area, child).',
  tag: 'Reference',
  access: 'public',
  csv: true,
  cache: true,
  params: AREA_PARAMS,
  querystring: AREA_QUERY,
  response: AREA_RESPONSE,
  example: {
    data: {
      code: 'QMJ',
      onsCode: 'E54000028',
      name: 'NHS North Central London Integrated Care Board',
      placeName: null,
      level: 'icb',
      isCurrent: true,
      postcode: null,
      supplierName: null,
      firstExtract: '2026-01-01',
      lastExtract: '2026-08-01',
      parent: { level: 'region', code: 'Y56', name: 'London', isCurrent: true },
      ancestors: [
        { level: 'england', code: 'E92000001', name: 'England', isCurrent: true },
        { level: 'region', code: 'Y56', name: 'London', isCurrent: true },
      ],
      childLevel: 'sub_icb',
      children: [
        {
          code: '93C',
          onsCode: 'E38000240',
          name: 'NHS North Central London ICB - 93C',
          placeName: 'North Central London',
          level: 'sub_icb',
          isCurrent: true,
        },
      ],
    },
  },
  handler: (ctx) => async (request, reply) => {
    const params = request.params as { level: AreaLevel; code: string };
    const code = await odsCodeOf(ctx.deps.db, params.level, params.code.toUpperCase());
    const chain = await getAreaChain(ctx.deps.db, params.level, code);
    if (!chain) throw notFound(`params/code: there is no ${params.level} with the code ${code}`);
    const below = childLevel(params.level);
    const children = below
      ? (
          await ctx.deps.db.all<{
            code: string;
            ons_code: string | null;
            name: string;
            place_name: string | null;
            is_current: boolean;
          }>(querySql.listAreas, [below, code])
        )
          .filter((c) => c.code !== 'UNKNOWN')
          .map((c) => ({
            code: c.code,
            onsCode: c.ons_code,
            name: c.name,
            placeName: c.place_name,
            level: below,
            isCurrent: c.is_current,
          }))
      : [];
    const { area, ancestors } = chain;
    const parent = ancestors[ancestors.length - 1] ?? null;
    const data = {
      code: area.code,
      onsCode: area.onsCode,
      name: area.name,
      placeName: area.placeName ?? null,
      level: area.level,
      isCurrent: area.isCurrent,
      postcode: area.postcode,
      supplierName: area.supplierName,
      firstExtract: area.firstExtract,
      lastExtract: area.lastExtract,
      parent,
      ancestors,
      childLevel: below,
      children,
    };
    const row = (
      relation: string,
      a: { level: AreaLevel; code: string; name: string; placeName?: string | null; isCurrent: boolean },
    ) => ({
      relation,
      level: a.level,
      code: a.code,
      name: a.name,
      placeName: a.placeName ?? null,
      isCurrent: a.isCurrent,
    });
    return answer(request, reply, {
      open: true,
      json: { data },
      csv: {
        columns: ['relation', 'level', 'code', 'name', 'placeName', 'isCurrent'],
        rows: [
          ...ancestors.map((a) => row('ancestor', a)),
          row('area', area),
          ...children.map((c) => row('child', c)),
        ],
        filename: ['area', area.level, area.code],
      },
    });
  },
};
