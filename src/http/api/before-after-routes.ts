/**
 * GET /api/v1/before-after: the "Before and after a date" tables of the National summary and area pages
 * (src/query/before-after.ts; ADR 0063, ADR 0065), for scripts: each headline count per period over the
 * complete periods from a date against as many just before it, and below England against the rest of
 * England over the same periods.
 */
import type { Grain } from '../../domain/metric-definition.ts';
import { AREA_CSV_COLUMNS } from '../../domain/csv.ts';
import { roundChange, roundCount, roundTo } from '../../domain/rounding.ts';
import { latestCompletePeriod } from '../../query/area-page.ts';
import type { AroundDate } from '../../query/before-after.ts';
import {
  answer,
  areaFields,
  areaNotFound,
  dateParam,
  EXAMPLE_ICB,
  resolvedAreaParam,
  type ApiRoute,
  type FigureQuery,
} from './common.ts';
import {
  AREA_CODE_PARAM,
  AREA_REF,
  bool,
  DATE_SCHEMA,
  FORMAT_SCHEMA,
  GRAIN_SCHEMA,
  int,
  LEVEL_SCHEMA,
  num,
  numOrNull,
  object,
  query,
  str,
  strOrNull,
} from './schemas.ts';

export const BEFORE_AFTER_QUERY = query(
  {
    since: {
      ...DATE_SCHEMA,
      description:
        'must be a date like 2026-10-01 (a campaign’s start, say): the periods from it are compared with as ' +
        'many just before it; a date inside a period leaves that period out',
    },
    level: { ...LEVEL_SCHEMA, description: 'default england (the National summary)' },
    code: AREA_CODE_PARAM,
    grain: GRAIN_SCHEMA,
    format: FORMAT_SCHEMA,
  },
  ['since'],
);

const SIDE = object({
  from: { ...str, description: 'first day of the side’s first period' },
  to: { ...str, description: 'first day of the side’s last period' },
  total: num,
  average: { ...num, description: 'the total per period' },
});

const pct = (description: string) => ({ ...numOrNull, description });

export const BEFORE_AFTER_RESPONSE = object({
  area: AREA_REF,
  grain: GRAIN_SCHEMA,
  since: str,
  excludedPeriod: {
    ...strOrNull,
    description: 'the period the date falls in, left out of both sides; null when the date starts it',
  },
  refreshedAt: strOrNull,
  latestCompletePeriod: strOrNull,
  demo: bool,
  hiddenTiles: { type: 'integer', description: 'headline figures left out because they need sign-in' },
  data: {
    type: 'array',
    description: 'each headline count per period with a complete period on both sides; empty when none has',
    items: object({
      metricId: str,
      name: str,
      shortName: str,
      unit: str,
      periods: { ...int, description: 'periods on each side (at most 13 weeks or 12 months)' },
      before: SIDE,
      after: SIDE,
      changePct: pct('after on before, in per cent; null when before is 0'),
      lowerPct: pct('95% interval of the change (the totals as Poisson counts); null from a total of 0'),
      upperPct: pct('see lowerPct'),
      verdict: { type: 'string', enum: ['up', 'down', 'no-clear-change', 'not-compared'] },
      againstRestOfEngland: {
        description:
          'below England: the same periods in England less the area; null on England or without England’s ' +
          'figures for every period',
        anyOf: [
          { type: 'null' },
          object({
            before: { ...num, description: 'the rest of England’s total before' },
            after: num,
            changePct: pct('the rest of England’s change, in per cent'),
            differencePct: pct(
              'the area’s after ÷ before over the rest’s, less 1, in per cent; null from a total of 0',
            ),
            lowerPct: pct('95% interval of differencePct (four Poisson totals)'),
            upperPct: pct('see lowerPct'),
            verdict: { type: 'string', enum: ['above', 'below', 'no-clear-difference', 'not-compared'] },
          }),
        ],
      },
    }),
  },
});

const average = (v: number) => roundTo(v, 1);

function figure({ tile, compared: c, againstRest: r }: AroundDate) {
  const side = (s: AroundDate['compared']['before']) => ({
    from: s.from,
    to: s.to,
    total: roundCount(s.total),
    average: average(s.average),
  });
  return {
    metricId: tile.metricId,
    name: tile.name,
    shortName: tile.shortName,
    unit: tile.unit,
    periods: c.periods,
    before: side(c.before),
    after: side(c.after),
    changePct: roundChange(c.changePct),
    lowerPct: roundChange(c.lowerPct),
    upperPct: roundChange(c.upperPct),
    verdict: c.verdict,
    againstRestOfEngland: r
      ? {
          before: roundCount(r.restBefore),
          after: roundCount(r.restAfter),
          changePct: roundChange(r.restChangePct),
          differencePct: roundChange(r.relativePct),
          lowerPct: roundChange(r.lowerPct),
          upperPct: roundChange(r.upperPct),
          verdict: r.verdict,
        }
      : null,
  };
}

export const beforeAfterRoute: ApiRoute = {
  url: '/api/v1/before-after',
  operationId: 'getBeforeAfter',
  summary: 'Headline counts before and after a date, and against the rest of England',
  description:
    'Did a campaign move anything? Each headline count per period (not running totals, rolling 12 months ' +
    'or rates) over the complete weeks or months from `since` against as many just before it (up to 13 ' +
    'weeks or 12 months), with the change’s 95% interval and a verdict; below England, also against the ' +
    'rest of England (England less the area) over the same periods. The pages’ “Before and after a date” ' +
    'tables. Figures a viewer may not see are left out (counted in hiddenTiles); 401 when none is left.',
  tag: 'Figures',
  access: 'figures',
  csv: true,
  csvAreaColumns: true,
  cache: true,
  querystring: BEFORE_AFTER_QUERY,
  response: BEFORE_AFTER_RESPONSE,
  example: {
    area: EXAMPLE_ICB,
    grain: 'month',
    since: '2026-08-15',
    excludedPeriod: '2026-08-01',
    refreshedAt: '2026-11-18T07:45:00.000Z',
    latestCompletePeriod: '2026-10-01',
    demo: false,
    hiddenTiles: 0,
    data: [
      {
        metricId: 'prescriptions_ordered',
        name: 'Prescriptions ordered',
        shortName: 'Prescriptions ordered',
        unit: 'events',
        periods: 2,
        before: { from: '2026-06-01', to: '2026-07-01', total: 69800, average: 34900 },
        after: { from: '2026-09-01', to: '2026-10-01', total: 80000, average: 40000 },
        changePct: 14.61,
        lowerPct: 13.05,
        upperPct: 16.2,
        verdict: 'up',
        againstRestOfEngland: {
          before: 3420000,
          after: 3400000,
          changePct: -0.58,
          differencePct: 15.29,
          lowerPct: 13.72,
          upperPct: 16.9,
          verdict: 'above',
        },
      },
    ],
  },
  handler: (ctx) => async (request, reply) => {
    const q = request.query as FigureQuery & { since: string };
    const since = dateParam(q.since, 'since')!;
    const { level, code } = await resolvedAreaParam(ctx.deps.db, q);
    const grain: Grain = q.grain ?? 'month';
    const read = await request.figures.aroundDate({ level, code, grain, since });
    if (!read) throw areaNotFound(level, code);
    const { area, onsCode, status } = read;
    const data = read.figures.map(figure);
    return answer(request, reply, {
      open: read.shared,
      json: {
        area,
        grain,
        since,
        excludedPeriod: read.figures[0]?.compared.excluded ?? null,
        refreshedAt: status.refreshedAt,
        latestCompletePeriod: latestCompletePeriod(grain, status),
        demo: status.demo !== null,
        hiddenTiles: read.hiddenTiles,
        data,
      },
      csv: {
        columns: [
          ...AREA_CSV_COLUMNS,
          'metricId',
          'name',
          'unit',
          'since',
          'periods',
          'beforeFrom',
          'beforeTo',
          'beforeTotal',
          'beforeAverage',
          'afterFrom',
          'afterTo',
          'afterTotal',
          'afterAverage',
          'changePct',
          'lowerPct',
          'upperPct',
          'verdict',
          'restBefore',
          'restAfter',
          'restChangePct',
          'differencePct',
          'differenceLowerPct',
          'differenceUpperPct',
          'differenceVerdict',
        ],
        rows: data.map((d) => ({
          ...areaFields(area, onsCode),
          metricId: d.metricId,
          name: d.name,
          unit: d.unit,
          since,
          periods: d.periods,
          beforeFrom: d.before.from,
          beforeTo: d.before.to,
          beforeTotal: d.before.total,
          beforeAverage: d.before.average,
          afterFrom: d.after.from,
          afterTo: d.after.to,
          afterTotal: d.after.total,
          afterAverage: d.after.average,
          changePct: d.changePct,
          lowerPct: d.lowerPct,
          upperPct: d.upperPct,
          verdict: d.verdict,
          restBefore: d.againstRestOfEngland?.before,
          restAfter: d.againstRestOfEngland?.after,
          restChangePct: d.againstRestOfEngland?.changePct,
          differencePct: d.againstRestOfEngland?.differencePct,
          differenceLowerPct: d.againstRestOfEngland?.lowerPct,
          differenceUpperPct: d.againstRestOfEngland?.upperPct,
          differenceVerdict: d.againstRestOfEngland?.verdict,
        })),
        filename: ['before-after', level, level === 'england' ? null : code, grain, since],
      },
    });
  },
};
