/**
 * Official statistics in the API (issue 12): the NHS App Management Information publication as loaded.
 * GET /api/v1/official?measure=ID&level=england|region|icb[&code=C][&from=YYYY-MM][&to=YYYY-MM]
 *   [&edition=latest|YYYY-MM][&format=csv] — rows of month, level, code, name, measure, value, edition;
 * GET /api/v1/official/editions — the editions loaded. Open to everyone (published figures).
 */
import { ENGLAND_CODE } from '../../domain/areas.ts';
import { MI_MEASURES, miMeasureById } from '../../domain/mi-measures.ts';
import {
  getOfficialEditions,
  getOfficialRows,
  OFFICIAL_COLUMNS,
  OFFICIAL_LEVELS,
  type OfficialLevel,
} from '../../query/official.ts';
import type { FastifyRequest } from 'fastify';
import { RECONCILIATION_COLUMNS } from '../../query/reconciliation.ts';
import { DEMOGRAPHIC_COLUMNS, getDemographics } from '../../query/demographics.ts';
import type { ApiRoute } from './common.ts';
import { answer, badRequest, notFound } from './common.ts';
import {
  AREA_CODE_SCHEMA,
  FORMAT_SCHEMA,
  num,
  object,
  query,
  str,
  strOrNull,
  type JsonSchema,
} from './schemas.ts';
import * as querySql from '../../warehouse/sql/query.ts';

const MONTH_SCHEMA = {
  type: 'string',
  minLength: 7,
  maxLength: 7,
  pattern: '^[0-9]{4}-(0[1-9]|1[0-2])$',
  description: 'must be a month like 2025-08',
} as const;

export const OFFICIAL_QUERY: JsonSchema = query(
  {
    measure: {
      type: 'string',
      enum: MI_MEASURES.map((m) => m.measure),
      description: `must be a published measure: ${MI_MEASURES.map((m) => m.measure).join(', ')}`,
    },
    level: {
      type: 'string',
      enum: OFFICIAL_LEVELS,
      description: 'england, region (NHS England regions, derived from the ICB rows) or icb',
    },
    code: {
      ...AREA_CODE_SCHEMA,
      description: 'must be an ODS code of the level (UNKNOWN: usage not mapped to an ICB); default all',
    },
    from: { ...MONTH_SCHEMA, description: 'first month, like 2025-03' },
    to: { ...MONTH_SCHEMA, description: 'last month, like 2025-08' },
    edition: {
      type: 'string',
      pattern: '^(latest|[0-9]{4}-(0[1-9]|1[0-2]))$',
      description:
        'latest (default: each month from the latest edition covering it) or an edition like 2025-08',
    },
    format: FORMAT_SCHEMA,
  },
  ['measure', 'level'],
);

interface OfficialQuery {
  measure: string;
  level: OfficialLevel;
  code?: string;
  from?: string;
  to?: string;
  edition?: string;
}

/** The query of the official statistics routes, its months in order (400 otherwise). */
function officialQuery(request: FastifyRequest): OfficialQuery {
  const q = request.query as OfficialQuery;
  if (q.from && q.to && q.from > q.to) throw badRequest('querystring/from must not be after to');
  return q;
}

const ROW_SCHEMA = object({
  month: str,
  level: { type: 'string', enum: OFFICIAL_LEVELS },
  code: str,
  name: str,
  measure: str,
  value: num,
  edition: str,
});

export const OFFICIAL_RESPONSE = object({
  measure: str,
  label: str,
  level: { type: 'string', enum: OFFICIAL_LEVELS },
  code: strOrNull,
  edition: str,
  source: str,
  data: { type: 'array', items: ROW_SCHEMA },
});

/** The row the examples of the OpenAPI document start from. */
const EXAMPLE_ROW = {
  month: '2025-08',
  level: 'england',
  code: ENGLAND_CODE,
  name: 'England',
  measure: 'logins',
} as const;

export const OFFICIAL_SOURCE =
  'NHS App Management Information, NHS England (official statistics). Contains public sector information ' +
  'licensed under the Open Government Licence v3.0.';

export const officialRoute: ApiRoute = {
  url: '/api/v1/official',
  operationId: 'getOfficial',
  summary: 'Official statistics: the NHS App Management Information publication',
  description:
    'Published monthly figures of one measure for England, NHS England regions (the sum of their ICB rows; ' +
    'usage not mapped to an ICB as UNKNOWN) or ICBs, from the latest edition covering each month, or as one ' +
    'edition published them. A month without a figure has no row (never 0).',
  tag: 'Figures',
  access: 'public',
  csv: true,
  cache: false,
  querystring: OFFICIAL_QUERY,
  response: OFFICIAL_RESPONSE,
  example: {
    measure: 'logins',
    label: 'NHS App logins',
    level: 'england',
    code: null,
    edition: 'latest',
    source: OFFICIAL_SOURCE,
    data: [
      {
        ...EXAMPLE_ROW,
        value: 54342814,
        edition: '2025-08',
      },
    ],
  },
  handler: (ctx) => async (request, reply) => {
    const q = officialQuery(request);
    const measure = miMeasureById(q.measure)!;
    if (measure.nationalOnly && q.level !== 'england')
      throw badRequest(`querystring/level: ${measure.measure} is published for England only`);
    const db = ctx.deps.db;
    let code = q.code?.toUpperCase();
    if (q.level === 'england') {
      if (code !== undefined && code !== ENGLAND_CODE)
        throw badRequest(`querystring/code must be ${ENGLAND_CODE} (or left out) for England`);
      code = undefined;
    } else if (
      code !== undefined &&
      !(await db.scalar<boolean>(querySql.officialCodeExists, [q.level, code]))
    ) {
      throw notFound(`no official figures for ${q.level} ${code}`);
    }
    const edition = q.edition ?? 'latest';
    if (edition !== 'latest') {
      const editions = await getOfficialEditions(db);
      if (!editions.some((e) => e.edition === edition))
        throw notFound(`no edition ${edition} loaded (see /api/v1/official/editions)`);
    }
    const data = await getOfficialRows(db, {
      measure: measure.measure,
      level: q.level,
      code,
      from: q.from,
      to: q.to,
      edition,
    });
    return answer(request, reply, {
      open: true,
      json: {
        measure: measure.measure,
        label: measure.label,
        level: q.level,
        code: code ?? null,
        edition,
        source: OFFICIAL_SOURCE,
        data,
      },
      csv: {
        columns: OFFICIAL_COLUMNS,
        rows: data,
        filename: [
          'official',
          measure.measure,
          q.level,
          code,
          q.from,
          q.to,
          edition === 'latest' ? null : edition,
        ],
      },
    });
  },
};

const EDITION_SCHEMA = object({
  edition: str,
  publishedOn: strOrNull,
  title: strOrNull,
  firstMonth: str,
  lastMonth: str,
  files: { type: 'array', items: object({ file: str, kind: str }) },
});

export const officialEditionsRoute: ApiRoute = {
  url: '/api/v1/official/editions',
  operationId: 'getOfficialEditions',
  summary: 'The editions of the NHS App Management Information publication loaded',
  description:
    'Each edition (the last month it covers), its publication date and title when the file gives them, the ' +
    'months it covers and the files it was loaded from; newest first. Every edition loaded is kept.',
  tag: 'Reference',
  access: 'public',
  csv: false,
  cache: false,
  querystring: query({}),
  response: object({ data: { type: 'array', items: EDITION_SCHEMA } }),
  example: {
    data: [
      {
        edition: '2025-08',
        publishedOn: '2025-09-26',
        title: 'March 2025 to August 2025',
        firstMonth: '2025-03',
        lastMonth: '2025-08',
        files: [{ file: 'nhs-app-mi_august-2025.xlsx', kind: 'workbook' }],
      },
    ],
  },
  handler: (ctx) => async (request, reply) => {
    const data = await getOfficialEditions(ctx.deps.db);
    return answer(request, reply, { open: true, json: { data } });
  },
};

const RECONCILIATION_ROW = object({
  month: str,
  level: { type: 'string', enum: OFFICIAL_LEVELS },
  code: str,
  name: str,
  measure: str,
  official: num,
  computed: { type: ['number', 'null'] },
  difference: { type: ['number', 'null'] },
  pctDifference: { type: ['number', 'null'] },
  edition: str,
  officialStructure: str,
  computedStructure: { type: 'string', enum: ['current', 'as-recorded'] },
});

export const RECONCILIATION_QUERY: JsonSchema = {
  ...OFFICIAL_QUERY,
  properties: Object.fromEntries(
    Object.entries(OFFICIAL_QUERY.properties as Record<string, JsonSchema>).filter(([k]) => k !== 'edition'),
  ),
};

export const officialReconciliationRoute: ApiRoute = {
  url: '/api/v1/official/reconciliation',
  operationId: 'getOfficialReconciliation',
  summary: 'Official statistics beside the figures computed from App activity',
  description:
    'For a measure the product also computes from events: each month and area the publication covers, the ' +
    'official value, the computed value (null when there is none), the difference (computed − official), the ' +
    '% difference (of the official value) and the structure each uses (editions before 2026-04 are compared ' +
    'with the as-recorded structure, later ones with the current one).',
  tag: 'Figures',
  access: 'public',
  csv: true,
  cache: false,
  querystring: RECONCILIATION_QUERY,
  response: object({
    measure: str,
    metricName: str,
    level: { type: 'string', enum: OFFICIAL_LEVELS },
    code: strOrNull,
    data: { type: 'array', items: RECONCILIATION_ROW },
  }),
  example: {
    measure: 'logins',
    metricName: 'NHS App logins',
    level: 'england',
    code: null,
    data: [
      {
        ...EXAMPLE_ROW,
        official: 54342814,
        computed: 54000000,
        difference: -342814,
        pctDifference: -0.63,
        edition: '2025-08',
        officialStructure: 'ICBs at the time of the edition',
        computedStructure: 'current',
      },
    ],
  },
  handler: () => async (request, reply) => {
    const q = officialQuery(request);
    const code = q.level === 'england' ? undefined : q.code?.toUpperCase();
    const result = await request.figures.reconciliation({ ...q, code });
    if (!result) throw notFound(`the service does not compute ${q.measure} from App activity`);
    return answer(request, reply, {
      open: !request.viewer.signedIn,
      json: {
        measure: q.measure,
        metricName: result.metric.name,
        level: q.level,
        code: code ?? null,
        data: result.rows,
      },
      csv: {
        columns: RECONCILIATION_COLUMNS,
        rows: result.rows,
        filename: ['official-vs-computed', q.measure, q.level, code, q.from, q.to],
      },
    });
  },
};

export const DEMOGRAPHICS_SOURCE =
  'NHS England, FOI-2507-2241508 "NHS App User Demographics" (England, March to May 2025); registered patients ' +
  'from Patients Registered at a GP Practice (single year of age). Contains public sector information licensed ' +
  'under the Open Government Licence v3.0.';

const DEMOGRAPHIC_ROW = object({
  month: str,
  breakdown: { type: 'string', enum: ['age', 'imd'] },
  group: str,
  logins: num,
  uniqueUsers: num,
  populationBand: strOrNull,
  patients: { type: ['number', 'null'] },
  bandUsersPer1000: { type: ['number', 'null'] },
  shareOfKnown: { type: ['number', 'null'] },
});

export const officialDemographicsRoute: ApiRoute = {
  url: '/api/v1/official/demographics',
  operationId: 'getOfficialDemographics',
  summary:
    'Who uses the NHS App: logins and users by age group and by deprivation, as NHS England published them',
  description:
    "NHS England's figures from an FOI response (FOI-2507-2241508): each month's logins and unique users in " +
    'England by age group (13 to 14 … 100+, Unknown) and by the IMD decile of the GP practice’s neighbourhood ' +
    '(1 most deprived … 10, Unknown). Ages carry England’s registered patients of the same ages (`patients`, ' +
    'the list-size release `patientsExtract`) and users per 1,000 of them (`bandUsersPer1000`; the list sizes ' +
    'stop at 95+, so 95 to 99 and 100+ share the rate of 95 and over). Deciles carry their share of the users ' +
    'with a known decile (`shareOfKnown`): deciles of practices’ neighbourhoods hold different numbers of ' +
    'patients, so a share is not a rate. Published figures, not computed from App activity.',
  tag: 'Figures',
  access: 'public',
  csv: true,
  cache: false,
  querystring: query({
    month: { ...MONTH_SCHEMA, description: 'one month, like 2025-05; default every month published' },
    format: FORMAT_SCHEMA,
  }),
  response: object({
    source: str,
    months: { type: 'array', items: str },
    patientsExtract: strOrNull,
    data: { type: 'array', items: DEMOGRAPHIC_ROW },
  }),
  example: {
    source: DEMOGRAPHICS_SOURCE,
    months: ['2025-03', '2025-04', '2025-05'],
    patientsExtract: '2026-08-01',
    data: [
      {
        month: '2025-05',
        breakdown: 'age',
        group: '60 to 64',
        logins: 5075592,
        uniqueUsers: 1140521,
        populationBand: '60 to 64',
        patients: 3897811,
        bandUsersPer1000: 292.6,
        shareOfKnown: null,
      },
    ],
  },
  handler: (ctx) => async (request, reply) => {
    const { month } = request.query as { month?: string };
    const answerData = await getDemographics(ctx.deps.db, month);
    if (month !== undefined && answerData.rows.length === 0)
      throw notFound(
        `no figures for ${month}: the months published are ${answerData.months.join(', ') || 'none'}`,
      );
    return answer(request, reply, {
      open: true,
      json: {
        source: DEMOGRAPHICS_SOURCE,
        months: answerData.months,
        patientsExtract: answerData.patientsExtract,
        data: answerData.rows,
      },
      csv: {
        columns: DEMOGRAPHIC_COLUMNS,
        rows: answerData.rows,
        filename: ['official', 'demographics', month],
      },
    });
  },
};
