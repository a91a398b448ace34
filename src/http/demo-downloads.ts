/**
 * Demo data stays labelled once it leaves the site. Pages carry a banner and the API's JSON `demo: true`, but a
 * downloaded CSV or workbook carries neither: any file sent as an attachment from a warehouse of synthetic demo
 * data is named `synthetic-demo_…`, so a copy pasted into a report still says what it is.
 */
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from './deps.ts';

export const DEMO_FILE_PREFIX = 'synthetic-demo_';

/**
 * Downloads that hold no figure computed from App activity, named as they are whatever the warehouse holds:
 * metric definitions, the NHS reference areas and NHS England's official statistics (real, OGL).
 */
export const REAL_DATA_ROUTES: ReadonlySet<string> = new Set([
  '/api/v1/metrics',
  '/api/v1/metrics/:id',
  '/api/v1/areas',
  '/api/v1/areas/:level/:code',
  '/api/v1/official',
  '/api/v1/official/editions',
]);

/** The Content-Disposition with the demo prefix on its file name (once). */
export function demoDisposition(disposition: string): string {
  return disposition.replace(
    /filename="([^"]*)"/,
    (_, name: string) => `filename="${name.startsWith(DEMO_FILE_PREFIX) ? name : DEMO_FILE_PREFIX + name}"`,
  );
}

export function registerDemoDownloads(app: FastifyInstance, deps: AppDeps): void {
  app.addHook('onSend', async (request, reply, payload) => {
    const disposition = reply.getHeader('content-disposition');
    if (typeof disposition !== 'string' || !disposition.startsWith('attachment')) return payload;
    if (REAL_DATA_ROUTES.has(request.routeOptions.url ?? '')) return payload;
    // Read once per figures version (getDataStatus), so a download pays nothing measurable.
    if ((await deps.queries.dataStatus()).demo)
      reply.header('content-disposition', demoDisposition(disposition));
    return payload;
  });
}
