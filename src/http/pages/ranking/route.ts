/**
 * The ranking page (issue 11 item 3): GET /rank?metric=…&level=…&within=LEVEL:CODE ranks the areas of one level
 * within an area on one metric (src/query/ranking.ts, the same read as GET /api/v1/ranking): a table sortable
 * by GET links, a GET form for the metric, level, grain, period and list-size threshold, the note on the
 * practices left out, and the CSV link. Works without JavaScript. Access as for every figure (open data for
 * visitors, 401 → sign-in otherwise); bad parameters answer an NHS-styled 400 naming the parameter, an unknown
 * metric or area a 404.
 */
import type { FastifyInstance } from 'fastify';
import { AREA_LEVELS, childLevel, type AreaLevel } from '../../../domain/areas.ts';
import { GRAINS, type Grain, type MetricDefinition } from '../../../domain/metric-definition.ts';
import { levelsBelow } from '../../../query/ranking.ts';
import { resolvePeerMetric } from '../../../query/peers.ts';
import { buildRankingView, RANKING_PAGE_SIZE, rankingLinkMetrics } from './view.ts';
import { pageCount } from '../../../web/views/pagination.ts';
import { RANKING_SORT_KEYS, type RankingPageQuery } from './state.ts';
import { ApiError } from '../../api/common.ts';
import { parseWithin, rankingForRequest, WITHIN_PATTERN } from '../../api/ranking-routes.ts';
import { sendError } from '../../errors.ts';
import { sendHtml } from '../../render.ts';
import { demoView } from '../../../web/views/metric-panels.ts';
import type { RouteContext } from '../../route-context.ts';

export const RANKING_PAGE_QUERY = {
  type: 'object',
  properties: {
    metric: {
      type: 'string',
      minLength: 1,
      maxLength: 64,
      pattern: '^[a-z][a-z0-9_]*$',
      description: 'must be a metric id: lower-case letters, digits and _',
    },
    level: { type: 'string', enum: AREA_LEVELS },
    within: {
      type: 'string',
      maxLength: 20,
      pattern: WITHIN_PATTERN,
      description: 'must be LEVEL:CODE (for example icb:QWO) or england',
    },
    grain: { type: 'string', enum: GRAINS },
    period: {
      type: 'string',
      pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$',
      description: 'must be a date as YYYY-MM-DD',
    },
    minListSize: {
      type: 'string',
      pattern: '^[0-9]{1,7}$',
      description: 'must be a whole number of patients, 0 or more',
    },
    sort: { type: 'string', enum: RANKING_SORT_KEYS },
    dir: { type: 'string', enum: ['asc', 'desc'] },
    page: { type: 'string', pattern: '^[1-9][0-9]{0,4}$', description: 'must be a page number, 1 or more' },
  },
} as const;

const byDisplayOrder = (a: MetricDefinition, b: MetricDefinition) =>
  a.display_order - b.display_order || a.id.localeCompare(b.id);

/** Whether a metric can be ranked at a level and grain (figures there, and a rate's numerator too). */
export function rankable(
  catalogue: readonly MetricDefinition[],
  m: MetricDefinition,
  level: AreaLevel,
  grain: Grain,
) {
  const resolved = resolvePeerMetric(m.id, [...catalogue]);
  if (!resolved || !m.grains.includes(grain)) return false;
  const lowest = (resolved.numerator ?? resolved.metric).lowest_geography;
  return AREA_LEVELS.indexOf(lowest) >= AREA_LEVELS.indexOf(level);
}

export function registerRankingPage(app: FastifyInstance, ctx: RouteContext): void {
  app.get(
    '/rank',
    { config: { access: 'figures', cache: true }, schema: { querystring: RANKING_PAGE_QUERY } },
    async (request, reply) => {
      const q = request.query as RankingPageQuery;
      const catalogue = ctx.catalogue;
      let within: { level: AreaLevel; code: string };
      try {
        within = parseWithin(q.within);
      } catch (err) {
        if (err instanceof ApiError)
          return sendError(
            ctx.renderer,
            request,
            reply,
            err.statusCode,
            'The request was not valid.',
            err.message,
          );
        throw err;
      }
      const level = q.level ?? childLevel(within.level) ?? 'practice';
      const grain = q.grain ?? 'month';
      const visible = (m: MetricDefinition, l: AreaLevel, g: Grain) =>
        rankable(catalogue, m, l, g) && request.figures.canRank(m.id, l, g);
      // The ranking links' metrics first (shown_on ranking_link), then logins, then the catalogue's order.
      const links = rankingLinkMetrics(catalogue);
      const metricId =
        q.metric ??
        [
          links.headline,
          links.second,
          'logins',
          ...[...catalogue].sort(byDisplayOrder).map((m) => m.id),
        ].find((id) => {
          const m = catalogue.find((c) => c.id === id);
          return m !== undefined && visible(m, level, grain);
        }) ??
        links.headline ??
        'logins';
      let result: Awaited<ReturnType<typeof rankingForRequest>>;
      try {
        result = await rankingForRequest(request, ctx, {
          metric: metricId,
          level,
          within: q.within,
          grain,
          period: q.period,
          minListSize: q.minListSize,
        });
      } catch (err) {
        if (err instanceof ApiError) {
          const details = err.message.replace(/^querystring\//, '');
          return sendError(
            ctx.renderer,
            request,
            reply,
            err.statusCode,
            'The request was not valid.',
            details,
          );
        }
        throw err;
      }
      const { ranking } = result;
      const metrics = catalogue.filter((m) => visible(m, level, grain)).sort(byDisplayOrder);
      if (!metrics.some((m) => m.id === ranking.metric.id)) metrics.unshift(ranking.metric);
      const levels = levelsBelow(within.level).filter((l) => catalogue.some((m) => visible(m, l, grain)));
      if (!levels.includes(level)) levels.push(level);
      const grains = GRAINS.filter((g) => catalogue.some((m) => visible(m, level, g)));
      const sort = q.sort ?? 'rank';
      const page = q.page === undefined ? 1 : Number(q.page);
      const pages = pageCount(ranking.rows.length, RANKING_PAGE_SIZE);
      if (page > pages)
        return sendError(
          ctx.renderer,
          request,
          reply,
          400,
          'The request was not valid.',
          `page: must be from 1 to ${pages} (the ranking has ${ranking.rows.length} rows, ${RANKING_PAGE_SIZE} a page)`,
        );
      const view = buildRankingView(
        ranking,
        {
          metricId: ranking.metric.id,
          level,
          within: { level: ranking.within.level, code: ranking.within.code },
          grain,
          period: q.period ? ranking.periodStart : null,
          minListSize: q.minListSize === undefined ? null : ranking.minListSize,
          sort,
          dir: q.dir ?? (sort === 'rank' || sort === 'name' ? 'asc' : 'desc'),
          page,
        },
        { metrics, levels, grains },
      );
      const html = ctx.renderer.page(
        'ranking/ranking.njk',
        { pageTitle: `${view.caption}: ranking`, view, demo: demoView(await ctx.deps.queries.dataStatus()) },
        '/rank',
      );
      return sendHtml(reply, html);
    },
  );
}
