/**
 * The National summary, GET /: England's headline tiles, trends and regions. Visitors who are not signed in
 * see monthly open figures only (the figure reader, src/query/figures.ts).
 */
import type { FastifyInstance } from 'fastify';
import { ENGLAND_CODE } from '../../../domain/areas.ts';
import { PAGE_QUERY_SCHEMA, parsePageQuery, type PageQuery } from '../../../web/views/page-state.ts';
import { periodCountIds } from '../../../query/before-after.ts';
import { accessNotice, nationalSummaryViewFor, openSort } from '../../open-data.ts';
import { sendHtml } from '../../render.ts';
import type { RouteContext } from '../../route-context.ts';

export function registerNationalSummaryPage(app: FastifyInstance, ctx: RouteContext): void {
  const periodCounts = periodCountIds(ctx.catalogue);
  app.get(
    '/',
    { config: { access: 'figures', cache: true }, schema: { querystring: PAGE_QUERY_SCHEMA } },
    async (request, reply) => {
      const settings = parsePageQuery(request.query as PageQuery);
      const { grain, includePartial } = settings;
      const figures = request.figures;
      const summary = await figures.nationalSummary({ grain, includePartial });
      const regions = await figures.areaChildren({ level: 'england', code: ENGLAND_CODE, grain });
      const sort = openSort(settings.sort, regions.hidden);
      const view = nationalSummaryViewFor(summary, regions, sort, { ...settings, periodCounts });
      const html = ctx.renderer.page(
        'national-summary/national-summary.njk',
        {
          pageTitle: `National summary by ${view.grainWord}`,
          view,
          demo: view.demo,
          accessNotice: accessNotice(request.viewer, request.url),
        },
        '/',
      );
      return sendHtml(reply, html);
    },
  );
}
