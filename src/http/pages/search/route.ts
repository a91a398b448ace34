/** Area search, GET /search?q=: by name, ODS or ONS code, practice postcode or place name (issue 14.1). */
import type { FastifyInstance } from 'fastify';
import { normaliseSearch } from '../../../query/search.ts';
import { areaPath } from '../../../web/views/page-state.ts';
import { sendHtml } from '../../render.ts';
import type { RouteContext } from '../../route-context.ts';
import { buildSearchView, searchProblem } from './view.ts';

const searchQuerySchema = {
  type: 'object',
  properties: { q: { type: 'string', description: 'must be given once' } },
} as const;

export function registerSearchPage(app: FastifyInstance, ctx: RouteContext): void {
  const { queries } = ctx.deps;
  app.get(
    '/search',
    { config: { access: 'public' }, schema: { querystring: searchQuerySchema } },
    async (request, reply) => {
      const raw = (request.query as { q?: string }).q;
      const asked = raw !== undefined;
      const query = normaliseSearch(raw ?? '');
      const problem = searchProblem(query);
      const found = problem ? null : await queries.searchAreas({ query });
      // An exact ODS or ONS code goes straight to its area's page (issue 14.1).
      const exact = found?.results.filter((r) => r.exactCode) ?? [];
      if (exact.length === 1) return reply.redirect(areaPath(exact[0]!.level, exact[0]!.code), 303);
      const view = buildSearchView(query, asked, found);
      let pageTitle = 'Search for an area';
      if (view.error) pageTitle = `Error: ${pageTitle}`;
      else if (view.resultsHeading) pageTitle = `${view.resultsHeading}: ${pageTitle}`;
      const html = ctx.renderer.page('search/search.njk', { pageTitle, view }, '/search');
      // An empty search is the page's starting point; a search too long to run is a bad request.
      const status = asked && problem && query !== '' ? 400 : 200;
      return sendHtml(reply, html, { status });
    },
  );
}
