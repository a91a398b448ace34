/** About, GET /about: caveats, refresh schedule and history, complete periods, sources, change log. Public. */
import type { FastifyInstance } from 'fastify';
import { getBuildHistory, type BuildLogEntry } from '../../../query/build-history.ts';
import { getLatestRefreshProblem } from '../../../query/refresh-history.ts';
import { demoView } from '../../../web/views/metric-panels.ts';
import { runView } from '../../refresh-routes.ts';
import { sendHtml } from '../../render.ts';
import type { RouteContext } from '../../route-context.ts';
import { buildAboutView } from './view.ts';

const BUILD_HISTORY_ROWS = 10;

export function registerAboutPage(app: FastifyInstance, ctx: RouteContext): void {
  app.get('/about', { config: { access: 'public', cache: true } }, async (request, reply) => {
    const status = await ctx.deps.queries.dataStatus();
    let builds: BuildLogEntry[] | null;
    try {
      builds = await getBuildHistory(ctx.deps.db, BUILD_HISTORY_ROWS);
    } catch (err) {
      request.log.warn({ err }, 'could not read the build history');
      builds = null;
    }
    const view = buildAboutView({ status, refreshSchedule: ctx.deps.config.refreshSchedule, builds });
    // The latest refresh, when it went wrong: what failed, which file, line and reason (issue 10).
    const refreshProblem = await getLatestRefreshProblem(ctx.deps.state ?? ctx.deps.db)
      .then((r) => (r ? runView(r) : null))
      .catch(() => null);
    return sendHtml(
      reply,
      ctx.renderer.page(
        'about/about.njk',
        { pageTitle: 'About NHS App Analytics', view, refreshProblem, demo: demoView(status) },
        '/about',
      ),
    );
  });
}
