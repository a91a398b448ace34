/**
 * The refresh while serving (issue 10 item 2), admins only:
 *
 * - GET  /admin/refresh             the refresh in progress, "Refresh now", every run with its files, and the
 *                                   build history
 * - POST /admin/refresh             "Refresh now" (form with the CSRF token); redirects back with a notice
 * - POST /api/v1/admin/refresh      the same for scripts in an admin's browser session (X-CSRF-Token header);
 *                                   API tokens are refused, as on every state-changing request (issue 16):
 *                                   scripts without a session use `nhs-app-analytics refresh` instead
 *
 * The service itself (src/app/refresh.ts) arrives as `deps.refresh`; without it (tests of other routes) the
 * POST routes answer 503. After every run the response cache is emptied, so pages and ETags move to the new
 * data version at once (and About shows a failed run).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { authFor } from '../auth/service.ts';
import type { RefreshRequestAnswer, RefreshTrigger } from '../domain/refresh.ts';
import { getBuildHistory, type BuildLogEntry } from '../query/build-history.ts';
import { getRefreshRuns, type RefreshFileEntry, type RefreshRunEntry } from '../query/refresh-history.ts';
import { getDataStatus } from '../query/status.ts';
import { formatDate, formatDateTime, formatNumber } from '../web/format.ts';
import type { RouteContext } from './route-context.ts';

export const ADMIN_REFRESH_API = '/api/v1/admin/refresh';

const TRIGGER_TEXT: Record<RefreshTrigger, string> = {
  schedule: 'Schedule',
  admin: 'Admin (Refresh now)',
  cli: 'Command line',
};

const STATUS_TEXT: Record<RefreshRunEntry['status'], string> = {
  running: 'Running',
  succeeded: 'Succeeded',
  'files-rejected': 'Done, with rejected files',
  failed: 'Failed: last good data kept',
  interrupted: 'Interrupted',
};

const OUTCOME_TEXT: Record<RefreshFileEntry['outcome'], string> = {
  loaded: 'Loaded',
  'already-loaded': 'Already loaded',
  rejected: 'Rejected',
  waiting: 'Waiting (still being written)',
};

const NOTICE_TEXT: Record<RefreshRequestAnswer['status'], string> = {
  started: 'A refresh has started. Pages keep showing the current figures until it finishes.',
  queued: 'A refresh is already running; another will start as soon as it finishes.',
  'already-queued': 'A refresh is already running and another is already waiting to start.',
};

const pageQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    requested: {
      type: 'string',
      enum: ['started', 'queued', 'already-queued'],
      description: 'the answer to "Refresh now"',
    },
  },
} as const;

const formBodySchema = {
  type: 'object',
  properties: { _csrf: { type: 'string', maxLength: 200 } },
} as const;

const when = (iso: string | null) => (iso ? formatDateTime(iso) : '–');

/** A run's periods in words: "2026-08-03 to 2026-11-01", one period, or none. */
export function periodsText(first: string | null, last: string | null): string {
  if (!first) return 'None';
  return first === last || !last ? first : `${first} to ${last}`;
}

/** One file of a run in words, for the admin page and About. */
export function fileText(f: RefreshFileEntry): string {
  const where =
    f.line !== null || f.field !== null
      ? ` (${[f.line !== null ? `line ${f.line}` : null, f.field !== null ? `field ${f.field}` : null]
          .filter(Boolean)
          .join(', ')})`
      : '';
  switch (f.outcome) {
    case 'loaded':
      return `${formatNumber(f.rowsLoaded)} rows loaded${
        f.rowsRejected > 0
          ? `, ${formatNumber(f.rowsRejected)} rows rejected, first${where}: ${f.reason}`
          : ''
      }`;
    case 'rejected':
      return `${f.reason ?? 'rejected'}${where}`;
    default:
      return f.reason ?? '';
  }
}

export function runView(r: RefreshRunEntry) {
  const seconds =
    r.finishedAt !== null
      ? (new Date(r.finishedAt).getTime() - new Date(r.startedAt).getTime()) / 1000
      : null;
  return {
    id: r.runId,
    started: when(r.startedAt),
    finished: r.finishedAt ? when(r.finishedAt) : r.status === 'running' ? 'Running' : '–',
    seconds: seconds === null ? '–' : formatNumber(seconds, 1),
    trigger: TRIGGER_TEXT[r.trigger] ?? r.trigger,
    status: r.status,
    statusText: STATUS_TEXT[r.status] ?? r.status,
    problem: r.status === 'failed' || r.status === 'interrupted' || r.status === 'files-rejected',
    error: r.error,
    rowsLoaded: formatNumber(r.rowsLoaded),
    rowsRejected: formatNumber(r.rowsRejected),
    build: r.buildKind ? (r.buildKind === 'full' ? 'Full' : 'Incremental') : 'None needed',
    periods: r.buildKind ? periodsText(r.firstPeriod, r.lastPeriod) : 'None',
    dataVersion: r.dataVersion === null ? '–' : String(r.dataVersion),
    files: r.files.map((f) => ({
      name: f.name,
      kind: f.kind ?? 'not recognised',
      outcome: f.outcome,
      outcomeText: OUTCOME_TEXT[f.outcome] ?? f.outcome,
      detail: fileText(f),
      movedTo: f.movedTo,
    })),
  };
}

function buildView(b: BuildLogEntry) {
  return {
    id: b.buildId,
    started: when(b.startedAt),
    seconds: formatNumber((new Date(b.finishedAt).getTime() - new Date(b.startedAt).getTime()) / 1000, 1),
    kind: b.kind === 'full' ? 'Full' : 'Incremental',
    periods: periodsText(b.firstPeriod, b.lastPeriod),
    rows: formatNumber(b.rowsWritten),
    events: formatNumber(b.eventsTotal),
  };
}

function notAvailable(reply: FastifyReply, api: boolean) {
  const text = 'Refreshes are not run by this process.';
  return api
    ? reply
        .code(503)
        .header('Cache-Control', 'no-store')
        .send({ error: 'Service Unavailable', message: text })
    : reply.code(503).header('Cache-Control', 'no-store').type('text/plain; charset=utf-8').send(text);
}

export function registerRefreshRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const auth = authFor(ctx.deps);
  const admin = { access: 'admin' as const };
  const refresh = ctx.deps.refresh ?? null;

  if (refresh) {
    // Every run (committed or failed) moves pages, the API and About on: the data version may have changed,
    // and About shows the latest failure.
    const off = refresh.onFinished(() => app.responseCache?.invalidate());
    // Graceful shutdown: stop the schedule and the inbox watch, and let a running refresh commit or roll back.
    app.addHook('onClose', async () => {
      off();
      await refresh.close();
    });
  }

  async function requestRun(request: FastifyRequest): Promise<RefreshRequestAnswer> {
    const answer = refresh!.request('admin');
    await auth.audit(request, {
      action: 'refresh.request',
      target: 'refresh',
      outcome: 'success',
      detail: answer.status,
    });
    request.log.info({ answer: answer.status }, 'refresh requested by an admin');
    return answer;
  }

  app.get(
    '/admin/refresh',
    { config: admin, schema: { querystring: pageQuerySchema } },
    async (request, reply) => {
      let runs: RefreshRunEntry[] = [];
      let builds: BuildLogEntry[] = [];
      let error: string | null = null;
      try {
        runs = await getRefreshRuns(ctx.deps.state ?? ctx.deps.db, 50);
        builds = await getBuildHistory(ctx.deps.db, 100);
      } catch (err) {
        request.log.warn({ err }, 'could not read the refresh history');
        error = 'The refresh history could not be read.';
      }
      const running = refresh?.running() ?? null;
      const next = refresh?.nextScheduled() ?? null;
      // What pages and the API answer from now: the published figures (deps.db), which a refresh that
      // changed nothing leaves as they were (ADR 0071). Not known while the first figures are being published.
      const status = await getDataStatus(ctx.deps.db).catch(() => null);
      const serving = status?.refreshedAt
        ? {
            builtAt: formatDateTime(status.refreshedAt),
            dataVersion: formatNumber(status.dataVersion),
            firstDay: status.firstDay ? formatDate(status.firstDay) : null,
            lastDay: status.lastDay ? formatDate(status.lastDay) : null,
          }
        : null;
      const requested = (request.query as { requested?: RefreshRequestAnswer['status'] }).requested;
      const latest = runs.find((r) => r.status !== 'running');
      const view = {
        error,
        available: refresh !== null,
        csrfToken: await auth.csrfToken(request, reply),
        notice: requested ? NOTICE_TEXT[requested] : null,
        running: running
          ? { trigger: TRIGGER_TEXT[running.trigger], started: when(running.startedAt) }
          : null,
        queued: refresh?.queued() ?? false,
        inbox: refresh?.inboxDir ?? null,
        schedule: refresh?.schedule ?? ctx.deps.config.refreshSchedule,
        next: next ? when(next.toISOString()) : null,
        latestProblem: latest && latest.status !== 'succeeded' ? runView(latest) : null,
        serving,
        servingKnown: status !== null,
        runs: runs.map(runView),
        builds: builds.map(buildView),
      };
      return reply
        .code(200)
        .header('Cache-Control', 'no-store')
        .type('text/html; charset=utf-8')
        .send(ctx.renderer.page('admin/refresh.njk', { pageTitle: 'Refresh', view }, '/admin'));
    },
  );

  app.post('/admin/refresh', { config: admin, schema: { body: formBodySchema } }, async (request, reply) => {
    if (!refresh) return notAvailable(reply, false);
    const answer = await requestRun(request);
    return reply
      .header('Cache-Control', 'no-store')
      .redirect(`/admin/refresh?requested=${answer.status}`, 303);
  });

  app.post(ADMIN_REFRESH_API, { config: admin }, async (request, reply) => {
    if (!refresh) return notAvailable(reply, true);
    const answer = await requestRun(request);
    const next = refresh.nextScheduled();
    return reply
      .code(202)
      .header('Cache-Control', 'no-store')
      .send({
        status: answer.status,
        running: answer.running,
        nextScheduled: next ? next.toISOString() : null,
        history: '/admin/refresh',
      });
  });
}

/** The OpenAPI description of POST /api/v1/admin/refresh (merged into the document by api/routes.ts). */
export const ADMIN_REFRESH_OPENAPI = {
  post: {
    operationId: 'requestRefresh',
    summary: 'Refresh now: load the inbox and rebuild the figures (admins, browser session only)',
    description:
      'Starts a refresh, or queues one behind the refresh in progress. Needs a signed-in admin browser ' +
      'session and its CSRF token in the X-CSRF-Token header; API tokens are refused (they only read ' +
      'figures). Scripts use the command `nhs-app-analytics refresh` instead. The run is shown at /admin/refresh.',
    tags: ['admin'],
    responses: {
      '202': {
        description: 'The refresh started or is queued',
        content: {
          'application/json': {
            schema: {
              type: 'object',
              required: ['status', 'running', 'nextScheduled', 'history'],
              properties: {
                status: { type: 'string', enum: ['started', 'queued', 'already-queued'] },
                running: {
                  type: ['object', 'null'],
                  properties: {
                    trigger: { type: 'string', enum: ['schedule', 'admin', 'cli'] },
                    startedAt: { type: 'string', format: 'date-time' },
                  },
                },
                nextScheduled: { type: ['string', 'null'], format: 'date-time' },
                history: { type: 'string' },
              },
            },
          },
        },
      },
      '401': { description: 'Not signed in' },
      '403': { description: 'Not an admin, an API token, or no valid CSRF token' },
      '503': { description: 'This process does not run refreshes' },
    },
  },
} as const;
