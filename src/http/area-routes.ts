/**
 * Area pages and search: GET /areas, /areas/:level/:code and /search. Server-rendered, no JavaScript
 * needed; every parameter is validated (bad ones answer an NHS-styled 400, unknown areas a 404).
 */
import type { FastifyInstance } from 'fastify';
import { AREA_LEVELS, ENGLAND_CODE, type AreaLevel } from '../domain/areas.ts';
import { normaliseSearch } from '../query/search.ts';
import { childrenTableView } from '../web/views/area-children.ts';
import {
  areaPath,
  PAGE_QUERY_PROPERTIES,
  pageUrl,
  parsePageQuery,
  type PageQuery,
} from '../web/views/page-state.ts';
import { demoView } from '../web/views/metric-panels.ts';
import { buildSearchView, searchProblem } from '../web/views/search.ts';
import type { PageQueries } from './deps.ts';
import {
  accessNotice,
  areaPageViewFor,
  openSort,
  regionsViewFor,
  requireOpenPage,
  type OpenDataContext,
} from './open-data.ts';
import type { Renderer } from './render.ts';

/** An area code as used in URLs: ODS (QE1, 00L, U12345, A81001) or ONS (E54000028) codes. */
export const AREA_CODE_SCHEMA = {
  type: 'string',
  minLength: 1,
  maxLength: 12,
  pattern: '^[A-Za-z0-9]+$',
  description: 'must be an area code: 1 to 12 letters or digits (an ODS or ONS code)',
} as const;

/**
 * Settings of pages that show figures (src/web/views/page-state.ts). Unknown parameters are ignored (shared
 * links pick up tracking parameters); known ones are checked.
 */
export const PAGE_QUERY_SCHEMA = { type: 'object', properties: PAGE_QUERY_PROPERTIES } as const;

export type { PageQuery } from '../web/views/page-state.ts';

const areaParamsSchema = {
  type: 'object',
  required: ['level', 'code'],
  properties: {
    level: { type: 'string', enum: AREA_LEVELS },
    code: AREA_CODE_SCHEMA,
  },
} as const;

const searchQuerySchema = {
  type: 'object',
  properties: { q: { type: 'string', description: 'must be given once' } },
} as const;

/** The page's settings from its validated query string. */
export const pageSettings = parsePageQuery;

export function registerAreaRoutes(
  app: FastifyInstance,
  queries: PageQueries,
  renderer: Renderer,
  openData: OpenDataContext,
): void {
  app.get(
    '/areas',
    { config: { access: 'figures', cache: true }, schema: { querystring: PAGE_QUERY_SCHEMA } },
    async (request, reply) => {
      const settings = pageSettings(request.query as PageQuery);
      const { grain } = settings;
      // Visitors who are not signed in: open figures only (src/http/open-data.ts).
      requireOpenPage(request.viewer, 'region', grain);
      const sort = openSort(request.viewer, settings.sort);
      const regions = await queries.areaChildren({ level: 'england', code: ENGLAND_CODE, grain });
      const status = await queries.dataStatus();
      const state = { ...settings, path: '/areas', sort };
      const view = {
        children: regionsViewFor(openData, request.viewer, regions, (c) => childrenTableView(c, state)),
        nationalHref: pageUrl({ ...settings, path: '/', sort: null }),
        demo: demoView(status),
      };
      const html = renderer.page('areas.njk', { pageTitle: 'Areas', view, demo: view.demo }, '/areas');
      return reply.header('Cache-Control', 'no-cache').type('text/html; charset=utf-8').send(html);
    },
  );

  app.get(
    '/areas/:level/:code',
    {
      config: { access: 'figures', cache: true },
      schema: { params: areaParamsSchema, querystring: PAGE_QUERY_SCHEMA },
    },
    async (request, reply) => {
      const params = request.params as { level: AreaLevel; code: string };
      const settings = pageSettings(request.query as PageQuery);
      const { grain, includePartial } = settings;
      // Sub-ICB, PCN and practice pages and weekly figures need sign-in; redirects keep their settings.
      requireOpenPage(request.viewer, params.level, grain);
      const sort = openSort(request.viewer, settings.sort);
      const code = params.code.toUpperCase();
      if (params.level === 'england') {
        // England's page is the National summary.
        if (code !== ENGLAND_CODE) return reply.callNotFound();
        return reply.redirect(pageUrl({ ...settings, path: '/', sort: null, compare: undefined }), 301);
      }
      if (code !== params.code) {
        // One address per area: codes are upper case.
        return reply.redirect(pageUrl({ ...settings, path: areaPath(params.level, code), sort }), 301);
      }
      const page = await queries.areaPage({ level: params.level, code, grain, includePartial });
      if (!page) return reply.callNotFound();
      const view = areaPageViewFor(openData, request.viewer, page, sort, settings.compare, settings);
      const html = renderer.page(
        'area.njk',
        {
          pageTitle: `${view.name}: NHS App use by ${view.grainWord}`,
          view,
          demo: view.demo,
          accessNotice: accessNotice(request.viewer, request.url),
        },
        view.path,
      );
      return reply.header('Cache-Control', 'no-cache').type('text/html; charset=utf-8').send(html);
    },
  );

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
      const html = renderer.page('search.njk', { pageTitle, view }, '/search');
      // An empty search is the page's starting point; a search too long to run is a bad request.
      const status = asked && problem && query !== '' ? 400 : 200;
      return reply
        .code(status)
        .header('Cache-Control', 'no-cache')
        .type('text/html; charset=utf-8')
        .send(html);
    },
  );
}
