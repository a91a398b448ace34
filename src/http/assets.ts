/**
 * The few text assets every page links (nhsuk-frontend's prebuilt CSS and JS, our CSS and start-up script),
 * held in memory with a gzip copy and a content hash. Pages link them as `path?v=hash`, which is cached for a
 * year; the bare path stays valid (short cache, ETag) for anything that links it without the hash.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CODE_ROOT, REPO_ROOT } from '../config.ts';

export const NHSUK_DIST = path.join(REPO_ROOT, 'node_modules', 'nhsuk-frontend', 'dist');
export const NHSUK_ASSETS = path.join(NHSUK_DIST, 'nhsuk', 'assets');
export const STATIC_DIR = path.join(CODE_ROOT, 'web', 'static');

interface Asset {
  urlPath: string;
  type: string;
  body: Buffer;
  gzip: Buffer;
  hash: string;
  etag: string;
}

/** Versioned URLs for templates. */
export interface AssetUrls {
  nhsukCss: string;
  nhsukJs: string;
  appCss: string;
  appJs: string;
}

export interface AssetRegistry {
  urls: AssetUrls;
  register(app: FastifyInstance): void;
}

const LONG_CACHE = 'public, max-age=31536000, immutable';
const SHORT_CACHE = 'public, max-age=300';

function makeAsset(urlPath: string, type: string, body: Buffer): Asset {
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
  return { urlPath, type, body, gzip: gzipSync(body, { level: 9 }), hash, etag: `"${hash}"` };
}

function read(file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new Error(
      `Missing web asset ${file} (is nhsuk-frontend installed? run npm ci): ${(err as Error).message}`,
    );
  }
}

/** Strips the source-map comment: the .map files are not served. */
function withoutSourceMap(body: Buffer): Buffer {
  return Buffer.from(
    body.toString('utf8').replace(/\n?\/[*/][#@] sourceMappingURL=[^\n]*\s*$/, '\n'),
    'utf8',
  );
}

/**
 * Drops the @font-face rules that load the Frutiger web font from assets.nhs.uk: our CSP allows no
 * third-party origins (and a self-hosted dashboard should not send its visitors to another site), and the
 * font is licensed for NHS services on nhs.uk. The nhsuk font stack then falls back to Arial.
 */
export function withoutRemoteFonts(css: Buffer): Buffer {
  return Buffer.from(css.toString('utf8').replace(/@font-face\{[^}]*url\(https?:[^}]*\}/g, ''), 'utf8');
}

export function acceptsGzip(request: FastifyRequest): boolean {
  const header = request.headers['accept-encoding'];
  if (typeof header !== 'string') return false;
  return header.split(',').some((part) => {
    const [coding, ...params] = part.trim().toLowerCase().split(';');
    if (coding !== 'gzip' && coding !== '*') return false;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

export function loadAssets(): AssetRegistry {
  const nhsukCss = makeAsset(
    '/assets/nhsuk-frontend.min.css',
    'text/css; charset=utf-8',
    withoutRemoteFonts(withoutSourceMap(read(path.join(NHSUK_DIST, 'nhsuk', 'nhsuk-frontend.min.css')))),
  );
  const nhsukJs = makeAsset(
    '/assets/nhsuk-frontend.min.js',
    'text/javascript; charset=utf-8',
    withoutSourceMap(read(path.join(NHSUK_DIST, 'nhsuk', 'nhsuk-frontend.min.js'))),
  );
  const appCss = makeAsset(
    '/static/app.css',
    'text/css; charset=utf-8',
    read(path.join(STATIC_DIR, 'app.css')),
  );
  // The start-up script imports nhsuk-frontend's module: point it at the versioned URL so both cache long.
  const appJsSource = read(path.join(STATIC_DIR, 'app.js'))
    .toString('utf8')
    .replace("'/assets/nhsuk-frontend.min.js'", `'${nhsukJs.urlPath}?v=${nhsukJs.hash}'`);
  const appJs = makeAsset(
    '/static/app.js',
    'text/javascript; charset=utf-8',
    Buffer.from(appJsSource, 'utf8'),
  );
  const all = [nhsukCss, nhsukJs, appCss, appJs];
  const url = (a: Asset) => `${a.urlPath}?v=${a.hash}`;

  return {
    urls: { nhsukCss: url(nhsukCss), nhsukJs: url(nhsukJs), appCss: url(appCss), appJs: url(appJs) },
    register(app: FastifyInstance) {
      for (const asset of all) {
        app.get(asset.urlPath, (request: FastifyRequest, reply: FastifyReply) => {
          const v = (request.query as Record<string, unknown>).v;
          reply
            .header('Cache-Control', v === asset.hash ? LONG_CACHE : SHORT_CACHE)
            .header('ETag', asset.etag)
            .header('Vary', 'Accept-Encoding')
            .type(asset.type);
          const inm = request.headers['if-none-match'];
          if (
            typeof inm === 'string' &&
            inm.split(',').some((t) => t.trim().replace(/^W\//, '') === asset.etag)
          ) {
            return reply.code(304).send();
          }
          if (acceptsGzip(request)) {
            return reply.header('Content-Encoding', 'gzip').send(asset.gzip);
          }
          return reply.send(asset.body);
        });
      }
    },
  };
}
