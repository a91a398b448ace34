/**
 * Area pages, GET /areas/:level/:code (region to practice; England's is the National summary), and the CSV
 * of each of their charts, GET /areas/:level/:code/chart.csv?metric=… (the National summary's at
 * /areas/england/E92000001/chart.csv). Every parameter is validated (bad ones answer an NHS-styled 400,
 * unknown areas and metrics a 404, restricted figures 401 or sign-in for anonymous viewers).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ENGLAND_CODE, type AreaLevel } from '../../../domain/areas.ts';
import type { Grain } from '../../../domain/metric-definition.ts';
import { DEFAULT_RANGE, pickRange } from '../../../domain/time-range.ts';
import type { PeerBand } from '../../../query/types.ts';
import type { SeriesPoint, SummaryTile } from '../../../query/types.ts';
import {
  chartCsv,
  periodsOf,
  slug as metricSlug,
  type ChartCsvPoint,
  type ChartView,
} from '../../../web/views/metric-panels.ts';
import { standaloneChartSvg } from '../../../web/views/chart-file.ts';
import {
  areaPath,
  PAGE_QUERY_SCHEMA,
  pageUrl,
  parsePageQuery,
  type PageQuery,
} from '../../../web/views/page-state.ts';
import type { HiddenFigures } from '../../../query/figures.ts';
import { accessNotice, areaPageViewFor, nationalSummaryViewFor, openSort } from '../../open-data.ts';
import { rankingLinkMetrics } from '../ranking/view.ts';
import { periodCountIds } from '../../../query/before-after.ts';
import { AREA_PARAMS_SCHEMA } from '../../params.ts';
import { sendHtml } from '../../render.ts';
import type { RouteContext } from '../../route-context.ts';
import { csvFileName, downloadFileName, sendCsv } from '../shared/csv-download.ts';
import { CHART_CSV_QUERY_SCHEMA, CHART_SVG_QUERY_SCHEMA, type ChartCsvQuery } from './state.ts';

export function registerAreaPage(app: FastifyInstance, ctx: RouteContext): void {
  const ranking = rankingLinkMetrics(ctx.catalogue);
  const byId = new Map(ctx.catalogue.map((m) => [m.id, m]));
  const periodCounts = periodCountIds(ctx.catalogue);

  /**
   * A chart download's metric, once its area and metric are known and this viewer may see it at this level and
   * grain (refused otherwise); undefined: answer 404 (an unknown metric, or England under another code).
   */
  const chartMetric = (request: FastifyRequest, metricId: string, grain: Grain) => {
    const { level, code } = request.params as { level: AreaLevel; code: string };
    const metric = byId.get(metricId);
    if (!metric || (level === 'england' && code.toUpperCase() !== ENGLAND_CODE)) return undefined;
    request.figures.access.require(metric, level, grain);
    return metric;
  };

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
      request.figures.access.requirePage(params.level, grain);
      const code = params.code.toUpperCase();
      if (params.level === 'england') {
        // England's page is the National summary.
        if (code !== ENGLAND_CODE) return reply.callNotFound();
        return reply.redirect(pageUrl({ ...settings, path: '/', sort: null, compare: undefined }), 301);
      }
      if (code !== params.code) {
        // One address per area: codes are upper case.
        return reply.redirect(pageUrl({ ...settings, path: areaPath(params.level, code) }), 301);
      }
      const page = await request.figures.areaPage({ level: params.level, code, grain, includePartial });
      if (!page) return reply.callNotFound();
      const sort = openSort(settings.sort, page.children);
      const view = areaPageViewFor(page, sort, settings.compare, { ...settings, periodCounts }, ranking);
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
      const metric = chartMetric(request, q.metric, grain);
      if (!metric) return reply.callNotFound();
      // The same read model as the page the chart is on, as this viewer sees it.
      let source: {
        area: { level: AreaLevel; code: string; name: string; onsCode?: string | null };
        tiles: SummaryTile[];
        series: Record<string, SeriesPoint[]>;
        bands: PeerBand[] | null;
        hidden: HiddenFigures | null;
      } | null = null;
      if (params.level === 'england') {
        const { figures: summary, hidden } = await request.figures.nationalSummary({ grain, includePartial });
        source = {
          area: { level: 'england', code: ENGLAND_CODE, name: summary.areaName, onsCode: ENGLAND_CODE },
          tiles: summary.tiles,
          series: summary.series,
          bands: null,
          hidden,
        };
      } else {
        const page = await request.figures.areaPage({ level: params.level, code, grain, includePartial });
        if (page) {
          source = {
            area: page.figures.area,
            tiles: page.figures.tiles,
            series: page.figures.series,
            bands: page.figures.peerBands?.[metric.id] ?? null,
            hidden: page.hidden,
          };
        }
      }
      if (!source || !source.tiles.some((t) => t.metricId === metric.id)) return reply.callNotFound();
      const { series, hidden } = source;
      // The periods the chart shows: its range ends with the last period of the page it is on, and periods
      // whose count was suppressed are rows of "*".
      const shown = new Map((series[metric.id] ?? []).map((p) => [p.periodStart, p]));
      const suppressed = hidden?.suppressed.get(metric.id);
      const all: ChartCsvPoint[] = suppressed
        ? (hidden!.periods[metric.id] ?? []).map(
            (p) => shown.get(p.periodStart) ?? { ...p, value: 0, suppressed: true },
          )
        : (series[metric.id] ?? []);
      const lastPeriod = hidden ? hidden.lastPeriod : periodsOf(series).last;
      const points = pickRange(grain, q.range ?? DEFAULT_RANGE, all, lastPeriod);
      const bands = source.bands;
      const csv = chartCsv({ area: source.area, metric, grain, points, bands });
      return sendCsv(reply, csvFileName(['nhs-app', params.level, code, metric.id, grain]), csv);
    },
  );

  app.get(
    '/areas/:level/:code/chart.svg',
    {
      config: { access: 'figures', cache: true },
      schema: { params: AREA_PARAMS_SCHEMA, querystring: CHART_SVG_QUERY_SCHEMA },
    },
    async (request, reply) => {
      const params = request.params as { level: AreaLevel; code: string };
      const q = request.query as PageQuery & { metric: string };
      const settings = parsePageQuery(q);
      const { grain, includePartial } = settings;
      const code = params.code.toUpperCase();
      const metric = chartMetric(request, q.metric, grain);
      if (!metric) return reply.callNotFound();
      // The chart exactly as its page draws it for this viewer and these settings.
      let found: {
        charts: ChartView[];
        areaName: string;
        refreshedText: string | null;
        demo: boolean;
      } | null = null;
      if (params.level === 'england') {
        const summary = await request.figures.nationalSummary({ grain, includePartial });
        // The regions' table is not part of a chart: not read.
        const noRegions = { figures: null, hidden: null };
        const view = nationalSummaryViewFor(summary, noRegions, null, { ...settings, periodCounts });
        found = { ...view, demo: view.demo !== null };
      } else {
        const page = await request.figures.areaPage({ level: params.level, code, grain, includePartial });
        if (page) {
          const view = areaPageViewFor(page, null, settings.compare, { ...settings, periodCounts }, ranking);
          found = { ...view, areaName: view.name, demo: view.demo !== null };
        }
      }
      const chart = found?.charts.find((c) => c.id === `chart-${metricSlug(metric.id)}`);
      if (!found || !chart) return reply.callNotFound();
      const pagePath = params.level === 'england' ? '/' : areaPath(params.level, code);
      const svg = standaloneChartSvg({
        chart,
        areaName: found.areaName,
        refreshedText: found.refreshedText ? `Data refreshed ${found.refreshedText}` : null,
        demo: found.demo,
        // PUBLIC_URL's origin where configured, else the path alone: a forged Host header never names the source.
        pageUrl: `${ctx.deps.config.auth.publicUrl?.replace(/\/$/, '') ?? ''}${pageUrl({ ...settings, sort: null, path: pagePath })}`,
      });
      return reply
        .header('Cache-Control', 'no-cache')
        .header(
          'Content-Disposition',
          `attachment; filename="${downloadFileName(['nhs-app', params.level, code, metric.id, grain], 'svg')}"`,
        )
        .type('image/svg+xml; charset=utf-8')
        .send(svg);
    },
  );
}
