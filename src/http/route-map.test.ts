/**
 * docs/routes.md is generated from the routes the app registers (scripts/route-map.ts, `npm run routes`;
 * issue 9 items 3 and 7): a route added, removed, moved to another file or given another access without the
 * route map being regenerated fails here, and so does a route without a description.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  documentedDescriptions,
  generateRouteMap,
  registeringFile,
  routeMapMarkdown,
  ROUTE_MAP_PATH,
  type SourceFile,
} from '../../scripts/route-map.ts';

describe('the route map (docs/routes.md)', () => {
  it('is what npm run routes generates from the app, every route described', async () => {
    const { markdown, undescribed } = await generateRouteMap();
    expect(markdown.split('\n').filter((l) => /^\| (GET|POST) \| `/.test(l)).length).toBeGreaterThan(50);
    expect(fs.readFileSync(ROUTE_MAP_PATH, 'utf8'), 'docs/routes.md is out of date: run npm run routes').toBe(
      markdown,
    );
    expect(undescribed, 'describe these routes in docs/routes.md, then run npm run routes').toEqual([]);
  });
});

describe('the route map generator', () => {
  const sources: SourceFile[] = [
    { file: 'src/http/a.ts', text: "app.get('/a', opts, handler);\nreply.redirect('/b');" },
    { file: 'src/http/b.ts', text: "export const B_PATH = '/b';\nreply.redirect('/a');" },
    {
      file: 'src/http/api/c.ts',
      text: "export const cRoute = { url: '/api/v1/c' };\nconst docs = { url: '/' };",
    },
    {
      file: 'src/http/d.ts',
      text: "app.get(\n  '/',\n  opts,\n);\nvoid app.register(plugin, { prefix: '/assets/' });",
    },
  ];

  it('finds the file that declares a path, wherever else it is named', () => {
    expect(registeringFile('/a', sources)).toBe('src/http/a.ts');
    expect(registeringFile('/b', sources)).toBe('src/http/b.ts');
    expect(registeringFile('/api/v1/c', sources)).toBe('src/http/api/c.ts');
    expect(registeringFile('/', sources)).toBe('src/http/d.ts');
    expect(registeringFile('/assets/*', sources)).toBe('src/http/d.ts');
  });

  it('refuses a path no file or several files declare', () => {
    expect(() => registeringFile('/nowhere', sources)).toThrow(/no file under src\/http names the path/);
    const twice = [...sources, { file: 'src/http/e.ts', text: "app.post('/a', handler);" }];
    expect(() => registeringFile('/a', twice)).toThrow(
      /declared in several files \(src\/http\/a.ts, src\/http\/e.ts\)/,
    );
  });

  it('takes a route’s schema summary, else keeps the description the table gives it', () => {
    const previous =
      '| GET | `/a` | public | `src/http/old.ts` | page a \\| first |\n| GET | `/b` | admin | `x` | gone |\n';
    expect(documentedDescriptions(previous).get('GET /a')).toBe('page a | first');
    const { markdown, undescribed } = routeMapMarkdown(
      [
        { method: 'GET', url: '/a', access: 'public' },
        { method: 'GET', url: '/api/v1/c', access: 'figures', summary: 'A metric over time' },
        { method: 'POST', url: '/b', access: 'signed-in', summary: 'NHS things' },
        { method: 'GET', url: '/', access: 'figures' },
      ],
      sources,
      previous,
    );
    expect(markdown.split('\n').filter((l) => l.startsWith('| GET') || l.startsWith('| POST'))).toEqual([
      '| GET | `/a` | public | `src/http/a.ts` | page a \\| first |',
      '| GET | `/api/v1/c` | figures | `src/http/api/c.ts` | a metric over time |',
      '| POST | `/b` | signed-in | `src/http/b.ts` | NHS things |',
      '| GET | `/` | figures | `src/http/d.ts` |  |',
    ]);
    expect(undescribed).toEqual(['GET /']);
  });
});
