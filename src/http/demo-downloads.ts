/**
 * Demo data stays labelled once it leaves the site. Pages carry a banner, but a downloaded CSV or workbook and
 * most API answers carry nothing of it. From a warehouse of synthetic demo data:
 * - any file sent as an attachment is named `synthetic-demo_…`, so a copy pasted into a report still says what
 *   it is;
 * - every API answer of computed figures carries `X-Demo-Data: synthetic`, which a script can check (the
 *   summary and before-and-after answers also say `demo: true` in their JSON).
 */
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from './deps.ts';

export const DEMO_FILE_PREFIX = 'synthetic-demo_';

/**
 * Answers that hold no figure computed from App activity, unmarked whatever the warehouse holds: metric
 * definitions, the NHS reference areas, NHS England's official statistics (real, OGL) and the API description.
 */
export const REAL_DATA_ROUTES: ReadonlySet<string> = new Set([
  '/api/v1/metrics',
  '/api/v1/metrics/:id',
  '/api/v1/areas',
  '/api/v1/areas/:level/:code',
  '/api/v1/official',
  '/api/v1/official/editions',
  '/api/v1/official/demographics',
  '/api/v1/openapi.json',
]);

/** The Content-Disposition with the demo prefix on its file name (once). */
export function demoDisposition(disposition: string): string {
  return disposition.replace(
    /filename="([^"]*)"/,
    (_, name: string) => `filename="${name.startsWith(DEMO_FILE_PREFIX) ? name : DEMO_FILE_PREFIX + name}"`,
  );
}

/** The header every API answer of computed figures carries on demo data. */
export const DEMO_HEADER = 'X-Demo-Data';

export function registerDemoDownloads(app: FastifyInstance, deps: AppDeps): void {
  app.addHook('onSend', async (request, reply, payload) => {
    const disposition = reply.getHeader('content-disposition');
    const file = typeof disposition === 'string' && disposition.startsWith('attachment');
    const route = request.routeOptions.url ?? '';
    if (!file && !route.startsWith('/api/v1/')) return payload;
    if (REAL_DATA_ROUTES.has(route) || reply.statusCode >= 400) return payload;
    // Read once per figures version (getDataStatus), so an answer pays nothing measurable.
    if (!(await deps.queries.dataStatus()).demo) return payload;
    if (file) reply.header('content-disposition', demoDisposition(disposition));
    if (route.startsWith('/api/v1/')) reply.header(DEMO_HEADER, 'synthetic');
    return payload;
  });
}
