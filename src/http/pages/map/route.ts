/**
 * The Map page (issue 4): GET /map draws regions, ICBs or sub-ICB locations shaded by any metric for one
 * complete period, over a table of the same figures; GET /map.csv gives exactly those figures. Every setting
 * is a validated query parameter (bad ones answer an NHS-styled 400 naming the parameter, an unknown metric
 * 404). Anonymous viewers see open data only (monthly, regions and ICBs, metrics of the MI publication, list
 * sizes and rates of those metrics per patients aged 13+): anything else answers 401, and the form offers them
 * only what they can see. The default metric is a rate (areas differ in size), for visitors too.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { FigureAccess } from '../../../domain/figure-access.ts';
import { LEVEL_LABELS } from '../../../domain/areas.ts';
import { GRAINS, type Grain, type MetricDefinition } from '../../../domain/metric-definition.ts';
import { isIsoDate, periodStart as periodStartOf } from '../../../domain/periods.ts';
import { metricsShownOn } from '../../../domain/placements.ts';
import { loadBoundaries } from '../../../ingest/reference/boundaries.ts';
import { MAP_LEVELS, mapPeriods, metricAvailableAt, type MapLevel } from '../../../query/map-values.ts';
import { getDataStatus } from '../../../query/status.ts';
import { formatPeriod } from '../../../web/format.ts';
import {
  insetGeometry,
  MAP_INSETS,
  mapGeometry,
  STRUCTURES_FOR_LEVEL,
  zoomedGeometry,
  type InsetGeometry,
  type MapGeometry,
} from '../../../web/map/geometry.ts';
import { bestGeometry } from '../../../web/map/match.ts';
import { DEFAULT_MAP_LEVEL, DEFAULT_MAP_SORT, MAP_QUERY_SCHEMA, type MapQuery } from './state.ts';
import { buildMapView, mapCsv, type MapPageView } from './view.ts';
import { sendError } from '../../errors.ts';
import type { RouteContext } from '../../route-context.ts';
import { sendCsv } from '../shared/csv-download.ts';

/** A bad request with the parameter at fault (answered as an NHS-styled 400). */
class MapParameterError extends Error {
  constructor(readonly details: string) {
    super(details);
  }
}

class MapNotFoundError extends Error {}

const byDisplayOrder = (a: MetricDefinition, b: MetricDefinition) =>
  a.display_order - b.display_order || a.id.localeCompare(b.id);

/** What this viewer may choose from at a level (for the form). */
function viewerOptions(access: FigureAccess, catalogue: readonly MetricDefinition[], level: MapLevel) {
  const visible = (m: MetricDefinition, l: MapLevel, g: Grain) =>
    m.grains.includes(g) && metricAvailableAt(m, l) && access.canSee(m, l, g);
  const levels = MAP_LEVELS.filter((l) => catalogue.some((m) => GRAINS.some((g) => visible(m, l, g))));
  const grains = (['month', 'week'] as const).filter((g) => catalogue.some((m) => visible(m, level, g)));
  const metrics = catalogue.filter((m) => GRAINS.some((g) => visible(m, level, g))).sort(byDisplayOrder);
  return { levels, grains, metrics, visible };
}

interface Resolved {
  view: MapPageView;
  level: MapLevel;
  metric: MetricDefinition;
  grain: Grain;
  periodStart: string | null;
}

async function resolve(ctx: RouteContext, request: FastifyRequest): Promise<Resolved> {
  const q = request.query as MapQuery;
  const catalogue = ctx.catalogue;
  const level = q.level ?? DEFAULT_MAP_LEVEL;
  const grain = q.grain ?? 'month';
  const figures = request.figures;
  const opts = viewerOptions(figures.access, catalogue, level);

  let metric: MetricDefinition | undefined;
  if (q.metric !== undefined) {
    metric = catalogue.find((m) => m.id === q.metric);
    if (!metric) throw new MapNotFoundError();
  } else {
    // Shown first when none is asked for (shown_on map_default): rates compare areas of different sizes fairly.
    const candidates = [...metricsShownOn(catalogue, 'map_default'), ...[...catalogue].sort(byDisplayOrder)];
    metric =
      candidates.find((m) => opts.visible(m, level, grain)) ??
      candidates.find((m) => m.grains.includes(grain) && metricAvailableAt(m, level));
    if (!metric) throw new MapParameterError(`metric: no figure can be shown for ${level} by ${grain}`);
  }
  if (!metricAvailableAt(metric, level)) {
    throw new MapParameterError(
      `metric: ${metric.id} has no figures for ${LEVEL_LABELS[level].plural} (its lowest level is ${LEVEL_LABELS[metric.lowest_geography].singular})`,
    );
  }
  if (!metric.grains.includes(grain)) {
    throw new MapParameterError(
      `grain: ${metric.id} has no ${grain === 'week' ? 'weekly' : 'monthly'} figures`,
    );
  }
  figures.access.require(metric, level, grain);

  const status = await getDataStatus(ctx.deps.db);
  const periods = mapPeriods(metric, catalogue, grain, status);
  let periodStart: string | null = periods[periods.length - 1] ?? null;
  if (q.period !== undefined) {
    const date = q.period.length === 7 ? `${q.period}-01` : q.period;
    if (!isIsoDate(date)) throw new MapParameterError('period: must be a calendar date as YYYY-MM-DD');
    const start = periodStartOf(grain, date);
    if (!periods.includes(start)) {
      const range =
        periods.length > 0
          ? `: choose one from ${formatPeriod(grain, periods[0]!)} to ${formatPeriod(grain, periods[periods.length - 1]!)}`
          : '';
      throw new MapParameterError(
        `period: there are no complete ${grain === 'week' ? 'weekly' : 'monthly'} figures of ${metric.id} for that ${grain}${range}`,
      );
    }
    periodStart = start;
  }

  const values =
    periodStart === null ? null : await figures.mapValues(status, { metric, level, grain, periodStart });
  const withFigures =
    periodStart === null
      ? null
      : await figures.metricsWithFigures({
          level,
          grain,
          from: periodStart,
          to: periodStart,
        });
  const england =
    periodStart === null ? null : await figures.englandMapValue(status, { metric, grain, periodStart });
  let geometries: MapGeometry[] = await Promise.all(
    STRUCTURES_FOR_LEVEL[level].map((s) => mapGeometry(level, s, loadBoundaries)),
  );
  const region = q.region ? q.region.toUpperCase() : null;
  let insets: InsetGeometry[] = [];
  if (region && values) {
    const inRegion = values.rows.filter((r) => r.regionCode === region);
    if (inRegion.length === 0) {
      const known = [...new Set(values.rows.map((r) => r.regionCode).filter((c) => c))].sort();
      throw new MapParameterError(
        `region: ${region} is not an NHS England region; choose one of ${known.join(', ')}`,
      );
    }
    // The boundary file that draws the region's areas best, zoomed to their shapes.
    const best = bestGeometry(inRegion, geometries);
    geometries = best
      ? [
          await zoomedGeometry(
            level,
            best.geometry.structure,
            loadBoundaries,
            best.match.matched.map((m) => m.shape.code),
          ),
        ]
      : [];
  } else if (level !== 'region') {
    const all = await Promise.all(
      geometries.flatMap((g) => MAP_INSETS.map((i) => insetGeometry(level, g.structure, loadBoundaries, i))),
    );
    insets = all.filter((i): i is InsetGeometry => i !== null);
  }
  const sortKey = q.sort ?? (q.dir ? DEFAULT_MAP_SORT.key : undefined);
  const sort =
    sortKey === undefined
      ? DEFAULT_MAP_SORT
      : { key: sortKey, dir: q.dir ?? (sortKey === 'value' ? ('desc' as const) : ('asc' as const)) };
  const view = buildMapView({
    state: { level, metric, grain, periodStart, classes: q.classes ?? 'quantile', sort, region },
    options: {
      levels: opts.levels.includes(level) ? opts.levels : [...opts.levels, level],
      metrics: opts.metrics.includes(metric) ? opts.metrics : [...opts.metrics, metric],
      grains: opts.grains.includes(grain) ? opts.grains : [...opts.grains, grain],
      periods,
      withFigures,
    },
    values,
    geometries,
    insets,
    england,
    status,
    signedIn: request.viewer.signedIn,
  });
  return { view, level, metric, grain, periodStart };
}

function handleErrors(ctx: RouteContext, request: FastifyRequest, reply: FastifyReply, err: unknown) {
  if (err instanceof MapParameterError)
    return sendError(ctx.renderer, request, reply, 400, 'The request was not valid.', err.details);
  if (err instanceof MapNotFoundError) return reply.callNotFound();
  throw err;
}

export function registerMapPage(app: FastifyInstance, ctx: RouteContext): void {
  // Project and simplify every level's boundaries once, when the server starts listening (not in
  // in-process tests, which build them on first use).
  app.addHook('onListen', async () => {
    const all = MAP_LEVELS.flatMap((l) =>
      STRUCTURES_FOR_LEVEL[l].flatMap((s) => [
        mapGeometry(l, s, loadBoundaries),
        ...(l === 'region' ? [] : MAP_INSETS.map((i) => insetGeometry(l, s, loadBoundaries, i))),
      ]),
    );
    Promise.all(all).catch((err: unknown) => app.log.warn({ err }, 'could not prepare the map boundaries'));
  });

  app.get(
    '/map',
    { config: { access: 'figures', cache: true }, schema: { querystring: MAP_QUERY_SCHEMA } },
    async (request, reply) => {
      let resolved: Resolved;
      try {
        resolved = await resolve(ctx, request);
      } catch (err) {
        return handleErrors(ctx, request, reply, err);
      }
      const { view } = resolved;
      const html = ctx.renderer.page(
        'map/map.njk',
        {
          pageTitle: `Map of ${view.metricName} by area${view.zoom ? ` in ${view.zoom.name}` : ''}${view.periodText ? `, ${view.periodText}` : ''}`,
          view,
          demo: view.demo,
        },
        '/map',
      );
      return reply.header('Cache-Control', 'no-cache').type('text/html; charset=utf-8').send(html);
    },
  );

  app.get(
    '/map.csv',
    { config: { access: 'figures', cache: true }, schema: { querystring: MAP_QUERY_SCHEMA } },
    async (request, reply) => {
      let resolved: Resolved;
      try {
        resolved = await resolve(ctx, request);
      } catch (err) {
        return handleErrors(ctx, request, reply, err);
      }
      const { view, level, metric, grain, periodStart } = resolved;
      const zoom = view.zoom ? `_${view.zoom.code}` : '';
      const name = `nhs-app-map_${level}${zoom}_${metric.id}_${grain}_${periodStart ?? 'none'}.csv`;
      return sendCsv(reply, name, mapCsv(view));
    },
  );
}
