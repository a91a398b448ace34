/**
 * The route map, docs/routes.md, generated from the routes the app registers (issue 9 item 3): `npm run
 * routes` writes it and src/http/route-map.test.ts fails when it is not what this generates. Per route:
 *
 * - method, path and access: as registered (`app.registeredRoutes`, collected in src/http/access.ts);
 * - the file: the one file under src/http that names the path as a literal where a route is declared
 *   (`app.get('/path'`, `url: '/path'`, `prefix: '/path/'`, `const X = '/path'`), found by reading the
 *   sources, so moving a route to another file moves its row;
 * - what it is: the route's schema summary where it has one (every /api/v1 route), else the description
 *   this file already gives it (written by hand in docs/routes.md and kept from then on).
 */
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../src/config.ts';
import type { RegisteredRoute } from '../src/http/access.ts';
import { buildInMemoryApp } from '../test/support/in-memory-app.ts';

export const ROUTE_MAP_PATH = path.join(REPO_ROOT, 'docs', 'routes.md');
const HTTP_DIR = path.join(REPO_ROOT, 'src', 'http');

const PREAMBLE = `# Route map

Every route the app registers, with the access it declares (\`config: { access }\`, \`src/http/access.ts\`:
public, figures — open figures for anyone, the rest after sign-in —, signed-in, admin) and the file that
registers it. **Generated**: \`npm run routes\` (\`scripts/route-map.ts\`) writes this file from the routes the
app registers, in the order it registers them, and \`src/http/route-map.test.ts\` fails when it is out of date.
The file is the one under \`src/http\` that declares the path; the description is the route's schema
\`summary\` where it has one (every \`/api/v1\` route), else the text in this table, which is kept: describe a
new page route by writing its description in its row and running \`npm run routes\` again. Fastify adds a
\`HEAD\` for each \`GET\`; those are not listed. Which pages show a given metric: \`nhs-app-analytics metrics
explain ID\`.

| Method | Path | Access | Registered in | What |
| ------ | ---- | ------ | ------------- | ---- |
`;

export interface SourceFile {
  /** Repository-relative, with forward slashes. */
  file: string;
  text: string;
}

/** The non-test TypeScript files under src/http, sorted. */
export function httpSources(dir = HTTP_DIR): SourceFile[] {
  const out: SourceFile[] = [];
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts'))
        out.push({
          file: path.relative(REPO_ROOT, full).split(path.sep).join('/'),
          text: fs.readFileSync(full, 'utf8'),
        });
    }
  };
  walk(dir);
  return out.sort((a, b) => a.file.localeCompare(b.file));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Where a path literal declares a route, most telling first: a registration, a route object, a constant. */
const DECLARATIONS = [
  '\\b(?:get|post|put|patch|delete|route)\\(\\s*',
  '\\b(?:url|prefix):\\s*',
  '\\bconst\\s+\\w+\\s*=\\s*',
];

/**
 * The file that registers a path: of the files under src/http naming it as a quoted literal, the only one;
 * else the only one naming it in the first kind of declaration (DECLARATIONS) any of them has. Throws when
 * that leaves none or several: then give the path one declaration, e.g. a constant in the registering file.
 */
export function registeringFile(url: string, sources: readonly SourceFile[]): string {
  // A wildcard route is a plugin's prefix (`prefix: '/assets/'`).
  const literal = escapeRegExp(url.endsWith('*') ? url.slice(0, -1) : url);
  const quoted = `(['"\`])${literal}\\1`;
  const named = sources.filter((s) => new RegExp(quoted).test(s.text));
  if (named.length === 1) return named[0]!.file;
  for (const declaration of DECLARATIONS) {
    const declaring = new RegExp(`${declaration}${quoted}`);
    const files = named.filter((s) => declaring.test(s.text)).map((s) => s.file);
    if (files.length === 1) return files[0]!;
    if (files.length > 1)
      throw new Error(`the path ${url} is declared in several files (${files.join(', ')})`);
  }
  throw new Error(
    named.length === 0
      ? `no file under src/http names the path ${url}`
      : `the path ${url} is named in ${named.map((s) => s.file).join(', ')} but declared in none`,
  );
}

/** The descriptions the route map gives now, by `METHOD path`. */
export function documentedDescriptions(markdown: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of markdown.split('\n')) {
    const m = /^\|\s*([A-Z]+)\s*\|\s*`([^`]+)`\s*\|[^|]*\|[^|]*\|(.*)\|\s*$/.exec(line);
    if (m) out.set(`${m[1]} ${m[2]}`, m[3]!.trim().replace(/\\\|/g, '|'));
  }
  return out;
}

/** "A metric over time" → "a metric over time", as the table's other rows read; "NHS …" stays. */
function sentenceFragment(summary: string): string {
  return /^[A-Z](?![A-Z])/.test(summary) ? summary[0]!.toLowerCase() + summary.slice(1) : summary;
}

export interface RouteMap {
  markdown: string;
  /** Routes without a description (no schema summary, no text in the table): `METHOD path`. */
  undescribed: string[];
}

export function routeMapMarkdown(
  routes: readonly Pick<RegisteredRoute, 'method' | 'url' | 'access' | 'summary'>[],
  sources: readonly SourceFile[],
  previous: string,
): RouteMap {
  const described = documentedDescriptions(previous);
  const undescribed: string[] = [];
  const rows = routes.map((r) => {
    const key = `${r.method} ${r.url}`;
    const what = r.summary ? sentenceFragment(r.summary) : (described.get(key) ?? '');
    if (what === '') undescribed.push(key);
    const file = registeringFile(r.url, sources);
    return `| ${r.method} | \`${r.url}\` | ${r.access} | \`${file}\` | ${what.replace(/\|/g, '\\|')} |`;
  });
  return { markdown: `${PREAMBLE}${rows.join('\n')}\n`, undescribed };
}

/** The route map of the app as built now, keeping the descriptions of the current docs/routes.md. */
export async function generateRouteMap(): Promise<RouteMap> {
  const { app, close } = await buildInMemoryApp();
  try {
    const previous = fs.existsSync(ROUTE_MAP_PATH) ? fs.readFileSync(ROUTE_MAP_PATH, 'utf8') : '';
    return routeMapMarkdown(app.registeredRoutes, httpSources(), previous);
  } finally {
    await close();
  }
}
