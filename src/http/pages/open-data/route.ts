/**
 * GET /open-data: every release of our own NHS App MI publication (`nhs-app-analytics publish`, issue 12f), newest
 * first, with its files and notes: an archive, nothing replaced. GET /open-data/:release/:file downloads one file
 * (only the files a release lists, from DATA_DIR/open-data/<release>/). Open to everyone.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { getOpenDataReleases } from '../../../query/open-data.ts';
import { formatPeriod } from '../../../web/format.ts';
import type { RouteContext } from '../../route-context.ts';

const RELEASE = { type: 'string', pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{1,4}$' } as const;
const FILE = { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,120}$' } as const;

export function registerOpenDataPages(app: FastifyInstance, ctx: RouteContext): void {
  // The same folder `publish` archives to (src/cli/publish-command.ts openDataDir).
  const dir = path.join(ctx.deps.config.dataDir, 'open-data');

  app.get('/open-data', { config: { access: 'public' } }, async (_request, reply) => {
    const releases = (await getOpenDataReleases(ctx.deps.db)).map((r) => ({
      ...r,
      monthText: formatPeriod('month', `${r.month}-01`),
      publishedText: r.publishedAt.slice(0, 16).replace('T', ' '),
      links: r.files.map((f) => ({ name: f, href: `/open-data/${r.releaseId}/${encodeURIComponent(f)}` })),
    }));
    const body = ctx.renderer.page(
      'open-data/open-data.njk',
      { pageTitle: 'Open data releases', releases },
      '/open-data',
    );
    return reply.header('Cache-Control', 'no-cache').type('text/html; charset=utf-8').send(body);
  });

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
