/**
 * GET /open-data: every release of our own NHS App MI publication (`nhs-app-analytics publish`, issue 12f), newest
 * first, with its files and notes: an archive, nothing replaced. GET /open-data/:release/:file downloads one file
 * (only the files a release lists, from DATA_DIR/open-data/<release>/). Open to everyone.
 * POST /open-data/publish (admins, CSRF): asks the server that runs the refreshes to publish a month, as
 * `nhs-app-analytics publish` does while the server runs (ADR 0069); /open-data?requested=YYYY-MM then says how it
 * went.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { authFor } from '../../../auth/service.ts';
import { addMonths, londonToday } from '../../../domain/periods.ts';
import type { PublishAnswer } from '../../../domain/refresh.ts';
import { getOpenDataReleases } from '../../../query/open-data.ts';
import { formatPeriod } from '../../../web/format.ts';
import { demoView } from '../../../web/views/metric-panels.ts';
import type { RouteContext } from '../../route-context.ts';

const RELEASE = { type: 'string', pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{1,4}$' } as const;
const FILE = { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,120}$' } as const;
const MONTH = {
  type: 'string',
  pattern: '^[0-9]{4}-(0[1-9]|1[0-2])$',
  description: 'must be a month like 2026-11',
} as const;

/** How many months back the publish form offers. */
const PUBLISH_MONTHS = 24;

const monthText = (month: string) => formatPeriod('month', `${month}-01`);

/** What the page says of a request to publish `month`: on its way, published, or refused and why. */
function publishStatus(
  month: string | undefined,
  answer: PublishAnswer | null,
): { ok: boolean | null; text: string } | null {
  if (!month) return null;
  if (answer === null)
    return {
      ok: null,
      text: `Publishing ${monthText(month)} has been asked for. It usually takes under a minute: check again to see it listed below.`,
    };
  return answer.ok
    ? {
        ok: true,
        text: `Published ${monthText(month)} as release ${answer.releaseId}: its files are listed below.`,
      }
    : { ok: false, text: `${monthText(month)} was not published: ${answer.error}` };
}

export function registerOpenDataPages(app: FastifyInstance, ctx: RouteContext): void {
  // The same folder `publish` archives to (src/cli/publish-command.ts openDataDir).
  const dir = path.join(ctx.deps.config.dataDir, 'open-data');

  const auth = authFor(ctx.deps);
  const refresh = ctx.deps.refresh ?? null;
  const canPublish = refresh?.requestPublish !== undefined;

  app.get(
    '/open-data',
    {
      config: { access: 'public' },
      schema: {
        querystring: { type: 'object', additionalProperties: false, properties: { requested: MONTH } },
      },
    },
    async (request, reply) => {
      const requested = (request.query as { requested?: string }).requested;
      // Admins publish a month from here: the months before this one, newest first (the server refuses one
      // that is not complete, and says why).
      let publish = null;
      if (canPublish && request.viewer.role === 'admin') {
        const thisMonth = `${londonToday(ctx.deps.clock).slice(0, 7)}-01`;
        const months = Array.from({ length: PUBLISH_MONTHS }, (_, i) =>
          addMonths(thisMonth, -1 - i).slice(0, 7),
        );
        const answer = requested ? (refresh!.publishAnswer?.(requested) ?? null) : null;
        publish = {
          csrfToken: await auth.csrfToken(request, reply),
          months: months.map((m) => ({
            value: m,
            text: monthText(m),
            selected: m === requested,
          })),
          status: publishStatus(requested, answer),
          checkHref: `/open-data?requested=${requested ?? ''}`,
        };
      }
      const releases = (await getOpenDataReleases(ctx.deps.db)).map((r) => ({
        ...r,
        monthText: monthText(r.month),
        publishedText: r.publishedAt.slice(0, 16).replace('T', ' '),
        links: r.files.map((f) => ({ name: f, href: `/open-data/${r.releaseId}/${encodeURIComponent(f)}` })),
      }));
      const body = ctx.renderer.page(
        'open-data/open-data.njk',
        {
          pageTitle: 'Open data releases',
          releases,
          publish,
          // Releases published from this warehouse's figures are synthetic when it holds demo data.
          demo: demoView(await ctx.deps.queries.dataStatus()),
        },
        '/open-data',
      );
      // An admin's page holds a form token and a request's progress: never kept by a shared cache.
      return reply
        .header('Cache-Control', publish ? 'no-store' : 'no-cache')
        .type('text/html; charset=utf-8')
        .send(body);
    },
  );

  app.post(
    '/open-data/publish',
    {
      config: { access: 'admin' },
      schema: {
        body: {
          type: 'object',
          required: ['month'],
          properties: { month: MONTH, _csrf: { type: 'string', maxLength: 200 } },
        },
      },
    },
    async (request, reply) => {
      if (!refresh?.requestPublish) return reply.callNotFound();
      const { month } = request.body as { month: string };
      refresh.requestPublish(month);
      await auth.audit(request, {
        action: 'publish.request',
        target: `month:${month}`,
        outcome: 'success',
        detail: null,
      });
      return reply.header('Cache-Control', 'no-store').redirect(`/open-data?requested=${month}`, 303);
    },
  );

  app.get(
    '/open-data/:release/:file',
    {
      config: { access: 'public' },
      schema: {
        params: {
          type: 'object',
          properties: { release: RELEASE, file: FILE },
          required: ['release', 'file'],
        },
      },
    },
    async (request, reply) => {
      const { release, file } = request.params as { release: string; file: string };
      const r = (await getOpenDataReleases(ctx.deps.db)).find((x) => x.releaseId === release);
      if (!r || !r.files.includes(file)) return reply.callNotFound();
      const full = path.join(dir, release, file);
      if (!fs.existsSync(full)) return reply.callNotFound();
      const type = file.endsWith('.xlsx')
        ? 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
        : 'text/csv; charset=utf-8';
      return reply
        .header('Cache-Control', 'public, max-age=300')
        .header('Content-Disposition', `attachment; filename="${file}"`)
        .type(type)
        .send(fs.readFileSync(full));
    },
  );
}
