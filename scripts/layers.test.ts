/**
 * The layer rule in eslint.config.js bites: ESLint's own API lints made-up files placed in the layers
 * (docs/architecture.md), so a lower layer importing a higher one, or production code importing test
 * support, is an error that fails `npm test`.
 */
import fs from 'node:fs';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint();

/** The no-restricted-imports messages for `code` linted as if it were the file `filePath`. */
async function layerErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? [])
    .filter((m) => m.ruleId === 'no-restricted-imports')
    .map((m) => `${m.severity === 2 ? 'error' : 'warning'}: ${m.message}`);
}

describe('layers (eslint.config.js)', () => {
  it('refuses a domain module importing the HTTP app', async () => {
    const errors = await layerErrors(
      'src/domain/example.ts',
      "import { buildApp } from '../http/app.ts';\nexport const app = buildApp;\n",
    );
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^error: .*Layers \(docs\/architecture\.md\): src\/domain may import only/);
  });

  it('lets a domain module import domain, and http import domain, auth, query and web', async () => {
    expect(
      await layerErrors(
        'src/domain/example.ts',
        "import { ENGLAND_CODE } from './areas.ts';\nexport const code = ENGLAND_CODE;\n",
      ),
    ).toEqual([]);
    expect(
      await layerErrors(
        'src/http/example.ts',
        [
          "export { ENGLAND_CODE } from '../domain/areas.ts';",
          "export { authFor } from '../auth/service.ts';",
          "export type { DataStatus } from '../query/types.ts';",
          "export { formatNumber } from '../web/format.ts';",
        ].join('\n') + '\n',
      ),
    ).toEqual([]);
  });

  it.each([
    ['src/auth/example.ts', "import type { AppDeps } from '../http/deps.ts';"],
    ['src/auth/example.ts', "import { ForbiddenError } from '../http/access.ts';"],
    ['src/web/map/example.ts', "import { loadBoundaries } from '../../ingest/reference/boundaries.ts';"],
    ['src/web/views/example.ts', "import type { Warehouse } from '../../warehouse/db.ts';"],
    ['src/query/example.ts', "import { loadCatalogue } from '../metrics/catalogue.ts';"],
    ['src/warehouse/example.ts', "import { getDataStatus } from '../query/status.ts';"],
    ['src/http/example.ts', "import { bootstrap } from '../app/bootstrap.ts';"],
    ['src/app/example.ts', "import { main } from '../cli/main.ts';"],
  ])('refuses %s: %s', async (filePath, line) => {
    const errors = await layerErrors(filePath, `${line}\nexport {};\n`);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^error: .*Layers/);
  });

  it.each([
    ['src/http/pages/map/view.ts', "import type { Warehouse } from '../../../warehouse/db.ts';"],
    [
      'src/http/pages/map/view.ts',
      "import { loadBoundaries } from '../../../ingest/reference/boundaries.ts';",
    ],
    ['src/http/pages/map/state.ts', "import { sendHtml } from '../../render.ts';"],
    ['src/http/pages/area/view.ts', "import { registerRankingPage } from '../ranking/route.ts';"],
    ['src/http/pages/area/practice-context.ts', "import { routeAccess } from '../../access.ts';"],
    ['src/http/pages/shared/example.ts', "import { openSort } from '../../open-data.ts';"],
  ])(
    'refuses a page view or state importing a route or what a route may (%s: %s)',
    async (filePath, line) => {
      const errors = await layerErrors(filePath, `${line}\nexport {};\n`);
      expect(errors).toEqual([expect.stringMatching(/^error: .*Pages as slices/)]);
    },
  );

  it.each([
    ['src/http/api/example.ts', "import { discloseCount } from '../../domain/disclosure.ts';"],
    ['src/http/pages/map/route.ts', "import { canViewFigure } from '../../../domain/access.ts';"],
    [
      'src/http/pages/data-table/view.ts',
      "import { disclosureApplies } from '../../../domain/disclosure.ts';",
    ],
    ['src/cli/example.ts', "import { isOpenFigure } from '../domain/access.ts';"],
    ['src/app/example.ts', "import { discloseCount } from '../domain/disclosure.ts';"],
  ])('refuses applying the access rules above the figure reader (%s: %s)', async (filePath, line) => {
    const errors = await layerErrors(filePath, `${line}\nexport {};\n`);
    expect(errors).toEqual([expect.stringMatching(/^error: .*figure reader/)]);
  });

  it('lets the figure reader and the domain use them, and anyone name whether a metric is open', async () => {
    expect(
      await layerErrors(
        'src/query/figures.ts',
        "export { discloseCount } from '../domain/disclosure.ts';\nexport { canViewFigure } from '../domain/access.ts';\n",
      ),
    ).toEqual([]);
    expect(
      await layerErrors(
        'src/http/pages/dictionary/view.ts',
        "export { isOpenMetric } from '../../../domain/access.ts';\nexport { SUPPRESSED_TEXT } from '../../../domain/disclosure.ts';\n",
      ),
    ).toEqual([]);
  });

  it('lets a page view import domain, query, web, pages/shared, other views and states, and params.ts', async () => {
    expect(
      await layerErrors(
        'src/http/pages/area/view.ts',
        [
          "export { ENGLAND_CODE } from '../../../domain/areas.ts';",
          "export type { AreaPage } from '../../../query/types.ts';",
          "export { formatNumber } from '../../../web/format.ts';",
          "export { rankingLinks } from '../ranking/view.ts';",
          "export { rankingUrl } from '../ranking/state.ts';",
          "export { csvFileName } from '../shared/csv-download.ts';",
          "export { chartCsvHref } from './state.ts';",
          "export { AREA_CODE_SCHEMA } from '../../params.ts';",
        ].join('\n') + '\n',
      ),
    ).toEqual([]);
    // A page's route is http: it may import the rest of http.
    expect(
      await layerErrors(
        'src/http/pages/map/route.ts',
        "export { sendHtml } from '../../render.ts';\nexport { routeAccess } from '../../access.ts';\n",
      ),
    ).toEqual([]);
  });

  it('refuses production code importing tests or test support', async () => {
    for (const [filePath, source] of [
      ['src/http/api/example.ts', '../../../test/support/api-warehouse.ts'],
      ['src/query/example.ts', './map-values.testkit.ts'],
      ['src/cli/example.ts', '../http/app.test.ts'],
      ['src/config.ts', '../e2e/demo-warehouse.ts'],
    ] as const) {
      const errors = await layerErrors(filePath, `import * as x from '${source}';\nexport { x };\n`);
      expect(errors, `${filePath} importing ${source}`).toEqual([
        expect.stringMatching(/^error: .*must not import tests or test support/),
      ]);
    }
  });

  it('lets tests import anything', async () => {
    expect(
      await layerErrors(
        'src/domain/example.test.ts',
        "import { buildApp } from '../http/app.ts';\nimport { x } from '../../test/support/api-warehouse.ts';\nexport { buildApp, x };\n",
      ),
    ).toEqual([]);
  });

  it('lets layers below http take only the asset roots from src/config.ts', async () => {
    expect(
      await layerErrors('src/metrics/example.ts', "export { REPO_ROOT } from '../config.ts';\n"),
    ).toEqual([]);
    const errors = await layerErrors(
      'src/metrics/example.ts',
      "export { loadConfig } from '../config.ts';\n",
    );
    expect(errors).toEqual([expect.stringMatching(/^error: .*only REPO_ROOT and CODE_ROOT/)]);
    expect(await layerErrors('src/domain/example.ts', "export { REPO_ROOT } from '../config.ts';\n")).toEqual(
      [expect.stringMatching(/^error: .*src\/domain is pure/)],
    );
  });

  it('is the one docs/architecture.md shows: its table lists exactly what each folder may import', async () => {
    const doc = fs.readFileSync(new URL('../docs/architecture.md', import.meta.url), 'utf8');
    const table: Record<string, string[]> = {};
    for (const line of doc.split('\n')) {
      const m = /^\|\s*`src\/([a-z-]+)`\s*\|[^|]*\|\s*([^|]*?)\s*\|$/.exec(line);
      if (m) table[m[1]!] = m[2] === 'nothing' ? [] : m[2]!.split(/,\s*/);
    }
    // eslint.config.js is plain JavaScript without types: imported by URL.
    const config = (await import(new URL('../eslint.config.js', import.meta.url).href)) as {
      MAY_IMPORT: Record<string, string[]>;
    };
    expect(table).toEqual(config.MAY_IMPORT);
  });
});
