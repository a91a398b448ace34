/** The data dictionary, GET /dictionary, and one metric's entry, GET /dictionary/:metricId. Public. */
import type { FastifyInstance } from 'fastify';
import { METRIC_ID_SCHEMA } from '../../params.ts';
import { sendHtml } from '../../render.ts';
import type { RouteContext } from '../../route-context.ts';
import { buildDictionaryMetricView, buildDictionaryView } from './view.ts';

export function registerDictionaryPages(app: FastifyInstance, ctx: RouteContext): void {
  const { renderer } = ctx;
  const catalogue = [...ctx.catalogue];
  const byId = new Map(catalogue.map((m) => [m.id, m]));

  app.get('/dictionary', { config: { access: 'public', cache: true } }, async (_request, reply) => {
    const view = buildDictionaryView(catalogue);
    return sendHtml(
      reply,
      renderer.page('dictionary/dictionary.njk', { pageTitle: 'Data dictionary', view }, '/dictionary'),
    );
  });

  app.get(
    '/dictionary/:metricId',
    {
      config: { access: 'public', cache: true },
      schema: { params: { type: 'object', properties: { metricId: METRIC_ID_SCHEMA } } },
    },
    async (request, reply) => {
      const metric = byId.get((request.params as { metricId: string }).metricId);
      if (!metric) return reply.callNotFound();
      const view = buildDictionaryMetricView(metric, catalogue);
      return sendHtml(
        reply,
        renderer.page(
          'dictionary/dictionary-metric.njk',
          { pageTitle: `${metric.name}: data dictionary`, view },
          '/dictionary/',
        ),
      );
    },
  );
}
