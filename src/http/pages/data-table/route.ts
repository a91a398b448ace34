/**
 * The data table (issue 4), GET /data (and /data.csv, or /data?format=csv): figures for a selection of areas,
 * metrics and periods, a page at a time or the whole selection as CSV. Anonymous viewers get open figures
 * only. Every parameter is validated: bad values answer an NHS-styled 400 naming the parameter, unknown metrics
 * and areas 404, restricted figures 401 for anonymous viewers.
 */
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AREA_LEVELS, LEVEL_LABELS, type AreaLevel } from '../../../domain/areas.ts';
import { GRAINS, type Grain, type MetricDefinition } from '../../../domain/metric-definition.ts';
import { isIsoDate } from '../../../domain/periods.ts';
import { metricIdsShownOn } from '../../../domain/placements.ts';
import {
  findDataTableArea,
  selectionPeriods,
  metricAvailability,
  type DataTableRequest,
} from '../../../query/data-table.ts';
import { normaliseSearch, searchAreas } from '../../../query/search.ts';
import { loadedPeriods } from '../../../query/series.ts';
import {
  buildDataTableView,
  DATA_CSV_HEADER,
  dataCsvRow,
  dataWideCsvHeader,
  dataWideCsvLines,
  csvLine,
} from './view.ts';
import type { FigureReader } from '../../../query/figures.ts';
import { demoView } from '../../../web/views/metric-panels.ts';
import { csvFileName, sendCsv } from '../shared/csv-download.ts';
import { sendError } from '../../errors.ts';
import { sendHtml } from '../../render.ts';
import type { RouteContext } from '../../route-context.ts';
import {
  DATA_PAGE_SIZE,
  DATA_QUERY_SCHEMA,
  DEFAULT_DATA_LEVEL,
  levelForArea,
  type DataQuery,
  type DataSelection,
} from './state.ts';

/** Rows read per query while writing the CSV of a whole selection. */
const CSV_CHUNK_ROWS = 20_000;
/**
 * Rows read per query for the wide CSV: each query reads an area range over every period, scanning the
 * cube for all of them, so fewer, larger reads are cheaper (about 30 MB held at a time).
 */
export const WIDE_CSV_CHUNK_ROWS = 100_000;

export function registerDataTablePage(app: FastifyInstance, ctx: RouteContext): void {
  const { renderer } = ctx;
  const catalogue = [...ctx.catalogue];
  const byId = new Map(catalogue.map((m) => [m.id, m]));
  /** The metrics with figures for the data table's level, grain and periods (pickers mark the others). */
  const dataWithFigures = async (
    figures: FigureReader,
    req: { level: AreaLevel; grain: Grain; from?: string; to?: string; includePartial: boolean },
    status: Parameters<typeof loadedPeriods>[1],
  ) => {
    const periods = loadedPeriods(req.grain, status, req.includePartial, req.from, req.to);
    if (periods.length === 0) return null;
    return figures.metricsWithFigures({
      level: req.level,
      grain: req.grain,
      from: periods[0]!.periodStart,
      to: periods[periods.length - 1]!.periodStart,
    });
  };

  const badRequest = (request: FastifyRequest, reply: FastifyReply, details: string) =>
    sendError(renderer, request, reply, 400, 'The request was not valid.', details);

  // ---- Data table ---------------------------------------------------------------------------------
  /** The validated selection, or a reply already sent (400/401/404). */
  async function dataSelection(request: FastifyRequest, reply: FastifyReply) {
    const q = request.query as DataQuery;
    const grain: Grain = q.grain ?? 'month';
    for (const name of ['from', 'to'] as const) {
      const value = q[name];
      if (value && !isIsoDate(value))
        return { sent: badRequest(request, reply, `${name} must be a date written YYYY-MM-DD`) };
    }
    const from = q.from || null;
    const to = q.to || null;
    if (from && to && from > to) return { sent: badRequest(request, reply, 'from must be on or before to') };
    const defaultMetrics = metricIdsShownOn(catalogue, 'data_table_default');
    const ids = [...new Set(q.metric && q.metric.length > 0 ? q.metric : defaultMetrics)];
    const metrics: MetricDefinition[] = [];
    for (const id of ids) {
      const m = byId.get(id);
      if (!m) return { sent: reply.callNotFound() };
      metrics.push(m);
    }
    let area: { level: AreaLevel; code: string; name: string; isCurrent: boolean } | null = null;
    if (q.area) {
      area = await findDataTableArea(ctx.deps.db, q.area.toUpperCase());
      if (!area) return { sent: reply.callNotFound() };
    }
    let level = q.level ?? DEFAULT_DATA_LEVEL;
    if (area) {
      if (q.level === undefined) level = levelForArea(DEFAULT_DATA_LEVEL, area.level);
      else if (AREA_LEVELS.indexOf(level) < AREA_LEVELS.indexOf(area.level))
        return {
          sent: badRequest(
            request,
            reply,
            `level must be ${LEVEL_LABELS[area.level].singular.toLowerCase()} or a level below it, as the chosen area is one`,
          ),
        };
    }
    for (const metric of metrics) request.figures.access.require(metric, level, grain);
    const shown: MetricDefinition[] = [];
    const dropped: { metric: MetricDefinition; reason: string }[] = [];
    for (const m of metrics) {
      const reason = metricAvailability(m, level, grain);
      if (reason) dropped.push({ metric: m, reason });
      else shown.push(m);
    }
    const selection: DataSelection = {
      level,
      area: area && area.level !== 'england' ? area.code : null,
      metrics: ids,
      defaultMetrics,
      grain,
      from,
      to,
      includePartial: q.partial === '1',
      page: q.page ? Number(q.page) : 1,
    };
    const req: DataTableRequest = {
      level,
      area: area && area.level !== 'england' ? { level: area.level, code: area.code } : null,
      metrics: shown,
      grain,
      includePartial: selection.includePartial,
      ...(from ? { from } : {}),
      ...(to ? { to } : {}),
    };
    return { selection, req, area: area && area.level !== 'england' ? area : null, shown, dropped, query: q };
  }

  async function sendDataCsv(request: FastifyRequest, reply: FastifyReply) {
    const s = await dataSelection(request, reply);
    if ('sent' in s) return s.sent;
    const status = await ctx.deps.queries.dataStatus();
    const { req } = s;
    const grain = req.grain;
    const figures = request.figures;
    const wide = (request.query as DataQuery).layout === 'wide';
    // Both layouts stream a chunk of rows at a time (app.ts gzips as they go), so a whole-country selection
    // never sits in memory; the long one reads its first chunk before the answer starts. The wide one reads
    // an area range at a time (dataTableByArea), a row per area and metric (ADR 0032).
    const first = wide
      ? { total: 0, rows: [] }
      : await figures.dataTable(status, req, { limit: CSV_CHUNK_ROWS, offset: 0 });
    async function* longLines() {
      yield csvLine(DATA_CSV_HEADER);
      let rows = first.rows;
      let offset = 0;
      for (;;) {
        let chunk = '';
        for (const r of rows) chunk += dataCsvRow(r, grain, byId.get(r.metricId));
        if (chunk) yield chunk;
        offset += rows.length;
        if (rows.length < CSV_CHUNK_ROWS || offset >= first.total) return;
        rows = (await figures.dataTable(status, req, { limit: CSV_CHUNK_ROWS, offset })).rows;
      }
    }
    async function* wideLines() {
      const periods = selectionPeriods(status, req, catalogue).map((p) => p.periodStart);
      yield dataWideCsvHeader(periods);
      let chunk = '';
      for await (const areaRows of figures.dataTableByArea(status, req, WIDE_CSV_CHUNK_ROWS)) {
        chunk += dataWideCsvLines(areaRows, req.metrics, periods);
        if (chunk.length >= 64 * 1024) {
          yield chunk;
          chunk = '';
        }
      }
      if (chunk) yield chunk;
    }
    const name = csvFileName(
      [
        'nhs-app',
        s.selection.area ?? '',
        s.req.level,
        ...s.shown.map((m) => m.id),
        grain,
        wide ? 'wide' : '',
      ].filter(Boolean),
    );
    return sendCsv(reply, name, Readable.from(wide ? wideLines() : longLines()));
  }

  app.get(
    '/data',
    { config: { access: 'figures', cache: true }, schema: { querystring: DATA_QUERY_SCHEMA } },
    async (request, reply) => {
      if ((request.query as DataQuery).format === 'csv') return sendDataCsv(request, reply);
      const s = await dataSelection(request, reply);
      if ('sent' in s) return s.sent;
      const { viewer } = request;
      const status = await ctx.deps.queries.dataStatus();
      const page = await request.figures.dataTable(status, s.req, {
        limit: DATA_PAGE_SIZE,
        offset: (s.selection.page - 1) * DATA_PAGE_SIZE,
      });
      if (s.selection.page > 1 && page.rows.length === 0) return reply.callNotFound();
      const { access } = request.figures;
      const open = (level: AreaLevel, grain: Grain) => access.canSee({ mi_publication: true }, level, grain);
      const options = {
        levels: AREA_LEVELS.filter((l) => open(l, 'month')),
        grains: GRAINS.filter((g) => open('england', g)).sort((a) => (a === 'month' ? -1 : 1)),
        metrics: catalogue.filter((m) => access.canSee(m, 'england', 'month')),
        periods: loadedPeriods(s.req.grain, status, s.req.includePartial).map((p) => p.periodStart),
        withFigures: await dataWithFigures(request.figures, s.req, status),
      };
      let search = null;
      const text = normaliseSearch(s.query.q ?? '');
      if (text !== '') {
        const found = await searchAreas(ctx.deps.db, { query: text, limit: 20 });
        const visible = found.results.filter((r) => options.levels.includes(r.level));
        search = {
          query: text,
          results: visible,
          total: found.total,
          hidden: found.results.length - visible.length,
          didYouMean: found.didYouMean,
        };
      }
      const view = buildDataTableView({
        selection: s.selection,
        area: s.area,
        metrics: s.shown,
        dropped: s.dropped,
        options,
        total: page.total,
        rows: page.rows,
        search,
        signedIn: viewer.signedIn,
      });
      return sendHtml(
        reply,
        renderer.page(
          'data-table/data-table.njk',
          { pageTitle: `Data table: ${view.caption}`, view, demo: demoView(status) },
          '/data',
        ),
      );
    },
  );

  app.get(
    '/data.csv',
    { config: { access: 'figures', cache: true }, schema: { querystring: DATA_QUERY_SCHEMA } },
    sendDataCsv,
  );
}
