/**
 * GET /official/demographics: who uses the NHS App, by age and by deprivation (NHS England's published FOI
 * figures), open to everyone. `month=YYYY-MM` picks the month (default the latest); a month not published is a
 * 404, a malformed one the NHS-styled 400.
 */
import type { FastifyInstance } from 'fastify';
import { getDemographics } from '../../../query/demographics.ts';
import { getOfficialRows } from '../../../query/official.ts';
import type { RouteContext } from '../../route-context.ts';
import { buildDemographicsView } from './view.ts';

export const DEMOGRAPHICS_PAGE_QUERY = {
  type: 'object',
  additionalProperties: false,
  properties: {
    month: {
      type: 'string',
      pattern: '^([0-9]{4}-(0[1-9]|1[0-2]))?$',
      description: 'must be a month like 2025-05',
    },
  },
} as const;

export function registerDemographicsPage(app: FastifyInstance, ctx: RouteContext): void {
  app.get(
    '/official/demographics',
    { config: { access: 'public' }, schema: { querystring: DEMOGRAPHICS_PAGE_QUERY } },
    async (request, reply) => {
      const asked = (request.query as { month?: string }).month || undefined;
      const answer = await getDemographics(ctx.deps.db);
      if (asked !== undefined && !answer.months.includes(asked)) return reply.callNotFound();
      const month = asked ?? answer.months[answer.months.length - 1];
      // England's figures of the month in the MI publication, which each breakdown should add up to.
      const official = async (measure: string) =>
        month
          ? ((await getOfficialRows(ctx.deps.db, { measure, level: 'england', from: month, to: month }))[0]
              ?.value ?? null)
          : null;
      const view = month
        ? buildDemographicsView({
            answer,
            month,
            official: { users: await official('unique_logins'), logins: await official('logins') },
          })
        : null;
      const body = ctx.renderer.page(
        'demographics/demographics.njk',
        { pageTitle: 'Who uses the NHS App: age and deprivation', view },
        '/official',
      );
      return reply.header('Cache-Control', 'no-cache').type('text/html; charset=utf-8').send(body);
    },
  );
}
