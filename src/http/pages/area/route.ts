/**
 * Area pages, GET /areas/:level/:code (region to practice; England's is the National summary), and the CSV
 * of each of their charts, GET /areas/:level/:code/chart.csv?metric=… (the National summary's at
 * /areas/england/E92000001/chart.csv). Every parameter is validated (bad ones answer an NHS-styled 400,
 * unknown areas and metrics a 404, restricted figures 401 or sign-in for anonymous viewers).
 */
import type { FastifyInstance } from 'fastify';
import { ENGLAND_CODE, type AreaLevel } from '../../../domain/areas.ts';
import { DEFAULT_RANGE, pickRange } from '../../../domain/time-range.ts';
import type { PeerBand } from '../../../query/peers.ts';
import type { SeriesPoint, SummaryTile } from '../../../query/types.ts';
import { chartCsv, periodsOf, type ChartCsvPoint } from '../../../web/views/metric-panels.ts';
import {
  areaPath,
  PAGE_QUERY_SCHEMA,
  pageUrl,
  parsePageQuery,
  type PageQuery,
} from '../../../web/views/page-state.ts';
import { assertCanViewFigure } from '../../access.ts';
import {
  accessNotice,
  areaPageViewFor,
  openDataContext,
  openSort,
  openTilesAndSeries,
  requireOpenPage,
} from '../../open-data.ts';
import { AREA_PARAMS_SCHEMA } from '../../params.ts';
import { sendHtml } from '../../render.ts';
import type { RouteContext } from '../../route-context.ts';
import { csvFileName, sendCsv } from '../shared/csv-download.ts';
import { CHART_CSV_QUERY_SCHEMA, type ChartCsvQuery } from './state.ts';

export function registerAreaPage(app: FastifyInstance, ctx: RouteContext): void {
  const { queries } = ctx.deps;
  const openData = openDataContext(ctx);
  const byId = new Map(ctx.catalogue.map((m) => [m.id, m]));

  app.get(
    '/areas/:level/:code',
    {
      config: { access: 'figures', cache: true },
      schema: { params: AREA_PARAMS_SCHEMA, querystring: PAGE_QUERY_SCHEMA },
    },
    async (request, reply) => {
      const params = request.params as { level: AreaLevel; code: string };
      const settings = parsePageQuery(request.query as PageQuery);
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
      const html = ctx.renderer.page(
        'area/area.njk',
        {
          pageTitle: `${view.name}: NHS App use by ${view.grainWord}`,
          view,
          demo: view.demo,
          accessNotice: accessNotice(request.viewer, request.url),
        },
        view.path,
      );
      return sendHtml(reply, html);
    },
  );

  app.get(
    '/areas/:level/:code/chart.csv',
    {
      config: { access: 'figures', cache: true },
      schema: { params: AREA_PARAMS_SCHEMA, querystring: CHART_CSV_QUERY_SCHEMA },
    },
    async (request, reply) => {
      const params = request.params as { level: AreaLevel; code: string };
      const q = request.query as ChartCsvQuery;
      const grain = q.grain ?? 'month';
      const includePartial = q.partial === '1';
      const code = params.code.toUpperCase();
      const metric = byId.get(q.metric);
      if (!metric) return reply.callNotFound();
      if (params.level === 'england' && code !== ENGLAND_CODE) return reply.callNotFound();
      assertCanViewFigure(request, { metric, level: params.level, grain, catalogue: ctx.catalogue });
      // The same read model as the page the chart is on.
      let source: {
        area: { level: AreaLevel; code: string; name: string; onsCode?: string | null };
        tiles: SummaryTile[];
        series: Record<string, SeriesPoint[]>;
        bands: PeerBand[] | null;
      } | null = null;
      if (params.level === 'england') {
        const summary = await queries.nationalSummary({ grain, includePartial });
        source = {
          area: { level: 'england', code: ENGLAND_CODE, name: summary.areaName, onsCode: ENGLAND_CODE },
          tiles: summary.tiles,
          series: summary.series,
          bands: null,
        };
      } else {
        const page = await queries.areaPage({ level: params.level, code, grain, includePartial });
        if (page) {
          source = {
            area: page.area,
            tiles: page.tiles,
            series: page.series,
            bands: page.peerBands?.[metric.id] ?? null,
          };
        }
      }
      if (!source || !source.tiles.some((t) => t.metricId === metric.id)) return reply.callNotFound();
      // The periods the chart shows: its range ends with the last period of the page it is on.
      const lastPeriod = periodsOf(source.series).last;
      let points: ChartCsvPoint[] = pickRange(
        grain,
        q.range ?? DEFAULT_RANGE,
        source.series[metric.id] ?? [],
        lastPeriod,
      );
      let bands = source.bands;
      if (!request.viewer.signedIn) {
        // What visitors see on the page: open figures, with disclosure control when configured.
        const open = openTilesAndSeries(openData, params.level, grain, source.tiles, source.series);
        const shown = new Map((open.series[metric.id] ?? []).map((p) => [p.periodStart, p]));
        const hidden = open.suppressed.get(metric.id) ?? new Set<string>();
        points = points.map((p) =>
          hidden.has(p.periodStart) ? { ...p, suppressed: true } : (shown.get(p.periodStart) ?? p),
        );
        if (openData.disclosure) bands = null;
      }
      const csv = chartCsv({ area: source.area, metric, grain, points, bands });
      return sendCsv(reply, csvFileName(['nhs-app', params.level, code, metric.id, grain]), csv);
    },
  );
}
