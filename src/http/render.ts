/**
 * Nunjucks set-up: the shared templates (layout, partials; src/web/templates) first, then the pages' own
 * (src/http/pages/<page>/<page>.njk, named `<page>/<page>.njk`; docs/adr/0037), then nhsuk-frontend's (so
 * `{% from "nhsuk/components/…" %}` works).
 * Autoescape is on: only values marked safe (trusted chart SVG) are inserted unescaped.
 */
import path from 'node:path';
import nunjucks from 'nunjucks';
import type { FastifyReply } from 'fastify';
import { currentAuthHeader } from '../auth/page-context.ts';
import { CODE_ROOT } from '../config.ts';
import { NHSUK_DIST, type AssetUrls } from './assets.ts';
import { figureRowsHtml } from '../web/views/figures-table.ts';

export const TEMPLATES_DIR = path.join(CODE_ROOT, 'web', 'templates');
/** Each page's folder holds its template: `area/area.njk` is src/http/pages/area/area.njk. */
export const PAGES_DIR = path.join(CODE_ROOT, 'http', 'pages');

export const SERVICE_NAME = 'NHS App Analytics';

export interface NavItem {
  text: string;
  href: string;
}

/** Header navigation. */
export const NAV_ITEMS: NavItem[] = [
  { text: 'National summary', href: '/' },
  { text: 'Areas', href: '/areas' },
  { text: 'Map', href: '/map' },
  { text: 'Data table', href: '/data' },
  { text: 'Official statistics', href: '/official' },
  { text: 'Data dictionary', href: '/dictionary' },
  { text: 'About', href: '/about' },
];

/** The `trim` filter, keeping a SafeString safe (as nunjucks's copySafeness does). */
export function fastTrim(value: unknown): unknown {
  if (value instanceof nunjucks.runtime.SafeString) {
    return new nunjucks.runtime.SafeString(value.toString().trim());
  }
  if (value === null || value === undefined) return value;
  return String(value).trim();
}

export interface Renderer {
  /**
   * Renders a page template; `currentPath` marks the current navigation item (or, for a page below one,
   * such as /areas/icb/QE1 below /areas, marks that item as active).
   */
  page(template: string, context: Record<string, unknown>, currentPath?: string): string;
}

export function createRenderer(assets: AssetUrls, options: { watch?: boolean } = {}): Renderer {
  const loader = new nunjucks.FileSystemLoader([TEMPLATES_DIR, PAGES_DIR, NHSUK_DIST], {
    noCache: Boolean(options.watch),
    watch: false,
  });
  const env = new nunjucks.Environment(loader, { autoescape: true, throwOnUndefined: false });
  // nunjucks's own trim filter (`replace(/^\s*|\s*$/g, '')`) is quadratic in runs of whitespace; the
  // nhsuk-frontend macros trim every block they wrap, so on pages with big tables it took most of the render
  // time (1.5 s of CPU over six National summary renders, measured). String#trim strips the same characters.
  env.addFilter('trim', fastTrim);
  // A chart table's rows, escaped as autoescape would (src/web/views/figures-table.ts).
  env.addFilter(
    'figureRows',
    (rows: { text: unknown }[][]) => new nunjucks.runtime.SafeString(figureRowsHtml(rows)),
  );
  env.addGlobal('serviceName', SERVICE_NAME);
  env.addGlobal('assets', assets);
  return {
    page(template, context, currentPath) {
      const navigation = NAV_ITEMS.map((item) => ({
        text: item.text,
        href: item.href,
        current: item.href === currentPath,
        active: item.href !== '/' && currentPath !== undefined && currentPath.startsWith(`${item.href}/`),
      }));
      // Signed in or not, for the header (src/auth/page-context.ts); a page may pass its own.
      return env.render(template, { authHeader: currentAuthHeader(), ...context, navigation });
    },
  };
}

/** Sends a rendered page: one way of answering HTML (status, caching, content type). */
export function sendHtml(
  reply: FastifyReply,
  body: string,
  options: { status?: number; cacheControl?: 'no-cache' | 'no-store' } = {},
): FastifyReply {
  return reply
    .code(options.status ?? 200)
    .header('Cache-Control', options.cacheControl ?? 'no-cache')
    .type('text/html; charset=utf-8')
    .send(body);
}
