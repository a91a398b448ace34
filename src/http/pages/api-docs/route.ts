/**
 * API documentation (issue 14.6): /api/docs, rendered on the server from the OpenAPI document (works without
 * JavaScript), and /api/docs/explorer, Swagger UI (swagger-ui-dist, a maintained library) served from this
 * site — no third-party origin, within the Content-Security-Policy. The explorer's files are read and
 * compressed on first use so that starting the app (and every test that does) stays fast.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { REPO_ROOT } from '../../../config.ts';
import { acceptsGzip, STATIC_DIR } from '../../assets.ts';
import { openApiDocument, OPENAPI_URL } from '../../api/routes.ts';
import { sendHtml } from '../../render.ts';
import type { RouteContext } from '../../route-context.ts';
import { buildApiDocsView } from './view.ts';

const SWAGGER_DIST = path.join(REPO_ROOT, 'node_modules', 'swagger-ui-dist');

const EXPLORER_FILES: Record<string, { file: string; type: string }> = {
  '/static/swagger-ui/swagger-ui-bundle.js': {
    file: path.join(SWAGGER_DIST, 'swagger-ui-bundle.js'),
    type: 'text/javascript; charset=utf-8',
  },
  '/static/swagger-ui/swagger-ui.css': {
    file: path.join(SWAGGER_DIST, 'swagger-ui.css'),
    type: 'text/css; charset=utf-8',
  },
  '/static/api-explorer.js': {
    file: path.join(STATIC_DIR, 'api-explorer.js'),
    type: 'text/javascript; charset=utf-8',
  },
};

interface LoadedFile {
  body: Buffer;
  gzip: Buffer;
  etag: string;
}

const loaded = new Map<string, LoadedFile>();

function load(urlPath: string): LoadedFile {
  const hit = loaded.get(urlPath);
  if (hit) return hit;
  const text = fs
    .readFileSync(EXPLORER_FILES[urlPath]!.file, 'utf8')
    // The source maps are not served.
    .replace(/\n?\/[*/][#@] sourceMappingURL=[^\n]*\s*$/, '\n');
  const body = Buffer.from(text, 'utf8');
  const file = {
    body,
    gzip: gzipSync(body, { level: 6 }),
    etag: `"${createHash('sha256').update(body).digest('hex').slice(0, 16)}"`,
  };
  loaded.set(urlPath, file);
  return file;
}

/** Where examples on the page send calls: the configured public address, else the address asked for. */
function baseUrl(ctx: RouteContext, request: FastifyRequest): string {
  const configured = ctx.deps.config.auth.publicUrl;
  if (configured) return configured.replace(/\/$/, '');
  return `${request.protocol}://${request.host}`;
}

export function registerApiDocsRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { renderer } = ctx;
  const document = openApiDocument();

  app.get('/api/docs', { config: { access: 'public', cache: true } }, async (request, reply) => {
    const view = buildApiDocsView(document, baseUrl(ctx, request), OPENAPI_URL);
    return sendHtml(
      reply,
      renderer.page('api-docs/api-docs.njk', { pageTitle: 'API documentation', view }, '/api/docs'),
    );
  });

  app.get('/api/docs/explorer', { config: { access: 'public', cache: true } }, async (_request, reply) =>
    sendHtml(
      reply,
      renderer.page(
        'api-docs/api-explorer.njk',
        { pageTitle: 'API explorer', openApiUrl: OPENAPI_URL },
        '/api/docs/explorer',
      ),
    ),
  );

  for (const [urlPath, { type }] of Object.entries(EXPLORER_FILES)) {
    app.get(
      urlPath,
      { config: { access: 'public' } },
      async (request: FastifyRequest, reply: FastifyReply) => {
        const file = load(urlPath);
        reply
          .header('Cache-Control', 'public, max-age=86400')
          .header('ETag', file.etag)
          .header('Vary', 'Accept-Encoding')
          .type(type);
        if (request.headers['if-none-match'] === file.etag) return reply.code(304).send();
        if (acceptsGzip(request)) return reply.header('Content-Encoding', 'gzip').send(file.gzip);
        return reply.send(file.body);
      },
    );
  }
}
