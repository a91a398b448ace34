/** The list of areas, GET /areas: England's regions as a sortable table, each linking to its page. */
import type { FastifyInstance } from 'fastify';
import { ENGLAND_CODE } from '../../../domain/areas.ts';
import { childrenTableView } from '../../../web/views/area-children.ts';
import { demoView } from '../../../web/views/metric-panels.ts';
import { PAGE_QUERY_SCHEMA, pageUrl, parsePageQuery, type PageQuery } from '../../../web/views/page-state.ts';
import { childrenViewFor, openSort } from '../../open-data.ts';
import { sendHtml } from '../../render.ts';
import type { RouteContext } from '../../route-context.ts';

export function registerAreasPage(app: FastifyInstance, ctx: RouteContext): void {
  app.get(
    '/areas',
    { config: { access: 'figures', cache: true }, schema: { querystring: PAGE_QUERY_SCHEMA } },
    async (request, reply) => {
      const settings = parsePageQuery(request.query as PageQuery);
      const { grain } = settings;
      // Visitors who are not signed in: open figures only (the figure reader, src/query/figures.ts).
      const regions = await request.figures.areaChildren({ level: 'england', code: ENGLAND_CODE, grain });
      const sort = openSort(settings.sort, regions.hidden);
      const status = await request.figures.dataStatus();
      const state = { ...settings, path: '/areas', sort };
      const view = {
        children: regions.figures
          ? childrenViewFor(childrenTableView(regions.figures, state), regions.hidden)
          : null,
        nationalHref: pageUrl({ ...settings, path: '/', sort: null }),
        demo: demoView(status),
      };
      const html = ctx.renderer.page(
        'areas/areas.njk',
        { pageTitle: 'Areas', view, demo: view.demo },
        '/areas',
      );
      return sendHtml(reply, html);
    },
  );
}
