/**
 * An area's partner services, organ donation and GP system supplier pages (issue 14 item 4, docs/adr/0030):
 * GET /areas/:level/:code/partners, /organ-donation and /suppliers, for any level (England is
 * /areas/england/E92000001/…), by week or month over the loaded range or a GET form's from/to. They read through
 * the same functions as /api/v1/partners, /organ-donation and /suppliers (src/http/api/partner-routes.ts), so
 * access, disclosure and rounding are the API's. None of their figures is open data today, so the routes need
 * sign-in (visitors are sent to sign in), and take part in the figure routes' load control (`figureLoad`). Bad parameters answer an NHS-styled 400 naming the parameter, an
 * unknown area a 404.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AreaLevel } from '../../../domain/areas.ts';
import { getAreaChain } from '../../../query/area-chain.ts';
import type { AreaRef } from '../../../query/types.ts';
import { buildOrganDonationView, buildPartnersView, buildSuppliersView } from './view.ts';
import { SUBPAGE_QUERY, SUBPAGE_TITLES, subpagePath, type AreaSubpage, type SubpageQuery } from './state.ts';
import { ApiError } from '../../api/common.ts';
import type { AreaRangeQuery } from '../../api/area-range.ts';
import { organDonationForRequest } from '../../api/organ-donation-routes.ts';
import { partnersForRequest } from '../../api/partner-routes.ts';
import { suppliersForRequest } from '../../api/supplier-routes.ts';
import { AREA_PARAMS_SCHEMA } from '../../params.ts';
import { sendError } from '../../errors.ts';
import { sendHtml } from '../../render.ts';
import { demoView } from '../../../web/views/metric-panels.ts';
import type { RouteContext } from '../../route-context.ts';

export function registerPartnerPages(app: FastifyInstance, ctx: RouteContext): void {
  // The full path at each call, so a search for the route finds where it is registered (docs/routes.md).
  const page = (
    url: `/areas/:level/:code/${AreaSubpage}`,
    render: (
      request: FastifyRequest,
      q: AreaRangeQuery,
      ancestors: readonly AreaRef[],
    ) => Promise<{ template: string; view: object }>,
  ) => {
    const name = url.slice('/areas/:level/:code/'.length) as AreaSubpage;
    return app.get(
      url,
      {
        config: { access: 'signed-in', cache: true, figureLoad: true },
        schema: { params: AREA_PARAMS_SCHEMA, querystring: SUBPAGE_QUERY },
      },
      async (request: FastifyRequest, reply: FastifyReply) => {
        const params = request.params as { level: AreaLevel; code: string };
        const q = request.query as SubpageQuery;
        const code = params.code.toUpperCase();
        // One address per area: codes are upper case.
        if (code !== params.code) {
          const search = request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : '';
          return reply.redirect(`${subpagePath({ level: params.level, code }, name)}${search}`, 301);
        }
        try {
          // The trail above the area, as its own page shows it (none for England or an unknown area).
          const chain =
            params.level === 'england' ? null : await getAreaChain(ctx.deps.db, params.level, code);
          const { template, view } = await render(
            request,
            {
              level: params.level,
              code,
              grain: q.grain,
              // A blank date field of the form means "not given".
              from: q.from || undefined,
              to: q.to || undefined,
            },
            chain?.ancestors ?? [],
          );
          const areaName = (view as { areaName: string }).areaName;
          const html = ctx.renderer.page(
            template,
            {
              pageTitle: `${areaName}: ${SUBPAGE_TITLES[name]}`,
              view,
              demo: demoView(await ctx.deps.queries.dataStatus()),
            },
            subpagePath({ level: params.level, code }, name),
          );
          return sendHtml(reply, html);
        } catch (err) {
          if (!(err instanceof ApiError)) throw err;
          if (err.statusCode === 404) return reply.callNotFound();
          return sendError(
            ctx.renderer,
            request,
            reply,
            err.statusCode,
            'The request was not valid.',
            err.message.replace(/^querystring\//, ''),
          );
        }
      },
    );
  };

  page('/areas/:level/:code/partners', async (request, q, ancestors) => {
    const { range, sources } = await partnersForRequest(request, ctx, q);
    return { template: 'partners/partners.njk', view: buildPartnersView({ ...range, ancestors }, sources) };
  });
  page('/areas/:level/:code/organ-donation', async (request, q, ancestors) => {
    const od = await organDonationForRequest(request, ctx, q);
    const view = buildOrganDonationView({ ...od.range, ancestors }, od);
    return { template: 'partners/organ-donation.njk', view };
  });
  page('/areas/:level/:code/suppliers', async (request, q, ancestors) => {
    const s = await suppliersForRequest(request, ctx, q);
    return { template: 'partners/suppliers.njk', view: buildSuppliersView({ ...s.range, ancestors }, s) };
  });
}
