import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Layers (docs/architecture.md): each folder of src/ may import only the folders below it. Written as
 * ESLint's own no-restricted-imports, one block per folder, so a lower layer importing a higher one fails
 * `npm test` (scripts/layers.test.ts proves the rule bites). Imports are relative paths, and reaching
 * another folder of src/ always names it (`../http/app.ts`, `../../query/types.ts`), so a glob matching
 * any path through an http folder catches every import of src/http.
 */
const FOLDERS = [
  'domain',
  'warehouse',
  'ingest',
  'metrics',
  'query',
  'figures',
  'demo',
  'app-state',
  'auth',
  'web',
  'http',
  'app',
  'bench',
  'cli',
];

/** What each folder may import besides itself (and node or npm packages); docs/architecture.md's table. */
export const MAY_IMPORT = {
  domain: [],
  warehouse: ['domain'],
  // The three sides of the warehouse are siblings: ingest loads it, metrics builds the cube, query reads it.
  ingest: ['domain', 'warehouse'],
  metrics: ['domain', 'warehouse'],
  query: ['domain', 'warehouse'],
  // The published figures (snapshot files, PostgreSQL): copies what the warehouse holds, reads no SQL files.
  figures: ['domain', 'warehouse'],
  demo: ['domain', 'warehouse'],
  // Users, sessions, tokens, audit, refresh history (embedded DuckDB file or PostgreSQL, docs/adr/0025).
  'app-state': ['domain', 'warehouse'],
  auth: ['domain', 'warehouse', 'ingest', 'metrics', 'query', 'app-state'],
  // Views and charts render what query answers: no warehouse, no files, no requests.
  web: ['domain', 'query'],
  http: ['domain', 'warehouse', 'ingest', 'metrics', 'query', 'figures', 'app-state', 'auth', 'web'],
  app: [
    'domain',
    'warehouse',
    'ingest',
    'metrics',
    'query',
    'figures',
    'demo',
    'app-state',
    'auth',
    'web',
    'http',
  ],
  bench: [
    'domain',
    'warehouse',
    'ingest',
    'metrics',
    'query',
    'figures',
    'demo',
    'app-state',
    'auth',
    'web',
    'http',
    'app',
  ],
  cli: [
    'domain',
    'warehouse',
    'ingest',
    'metrics',
    'query',
    'figures',
    'demo',
    'app-state',
    'auth',
    'web',
    'http',
    'app',
    'bench',
  ],
};

/** Production code never imports tests or test support, under any of the names they have had. */
const TEST_SUPPORT = {
  group: [
    '**/test/**',
    '**/e2e/**',
    '**/*.test.ts',
    '**/*.fixture.ts',
    '**/*.testkit.ts',
    '**/test-*.ts',
    '**/testing.ts',
  ],
  message: 'Production code must not import tests or test support (test/support/).',
};

/**
 * src/config.ts reads the environment for the whole app (with the settings parsers of auth and domain), so below http
 * only its asset roots (REPO_ROOT, CODE_ROOT: where the shipped files are) may be imported; domain may not
 * import it at all.
 */
function configRule(folder) {
  const regex = '^(\\.\\./)+config\\.ts$';
  if (folder === 'domain') return [{ regex, message: 'src/domain is pure: it does not read settings.' }];
  if (folder === 'http' || MAY_IMPORT[folder].includes('http')) return [];
  return [
    {
      regex,
      allowImportNames: ['REPO_ROOT', 'CODE_ROOT'],
      message: `src/${folder} may take only REPO_ROOT and CODE_ROOT from src/config.ts (settings are passed in).`,
    },
  ];
}

/**
 * Figures reach people through the figure reader (src/query/figures.ts, ADR 0043), which applies the
 * open-data rule and disclosure control for its viewer: above query nobody applies them again. Whether a
 * metric is open at all (isOpenMetric, for the dictionary) and the "*" text stay free to use.
 */
const FIGURE_RULES = {
  regex: '/domain/(access|disclosure)\\.ts$',
  importNames: ['canViewFigure', 'isOpenFigure', 'discloseCount', 'disclosureApplies'],
  message:
    'Read figures through the figure reader (request.figures, src/query/figures.ts; ADR 0043): it applies the open-data rule and disclosure control, so nothing above src/query applies them itself.',
};
const READER_ABOVE = ['http', 'app', 'cli', 'bench', 'web', 'auth'];

function layerBlock(folder) {
  const higher = FOLDERS.filter((f) => f !== folder && !MAY_IMPORT[folder].includes(f));
  const allowed = MAY_IMPORT[folder].length ? MAY_IMPORT[folder].join(', ') : 'nothing else in src';
  const patterns = [TEST_SUPPORT, ...configRule(folder)];
  if (READER_ABOVE.includes(folder)) patterns.push(FIGURE_RULES);
  if (higher.length) {
    patterns.unshift({
      group: higher.map((f) => `**/${f}/**`),
      message: `Layers (docs/architecture.md): src/${folder} may import only ${allowed}.`,
    });
  }
  return {
    files: [`src/${folder}/**/*.ts`],
    ignores: ['**/*.test.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns }] },
  };
}

/**
 * A page's view model, URL state and their helpers (every file of src/http/pages/<page>/ and pages/shared/
 * but route.ts and the route table, index.ts) are pure like src/web: they may import domain, query and web, their own
 * folder, pages/shared, another page's view or state (links to a page are written by that page's state) and
 * the shared parameter schemas (src/http/params.ts), never the rest of http (routes, access, rendering), the warehouse or anything else below (docs/adr/0037).
 */
const PAGE_VIEW_ALLOWED = ['domain', 'query', 'web'];
function pageViewBlock() {
  const message =
    "Pages as slices (docs/adr/0037): a page's view and state may import only domain, query, web, " +
    "pages/shared and other pages' views and states, not routes or the rest of http.";
  return {
    files: ['src/http/pages/*/*.ts'],
    ignores: ['**/*.test.ts', '**/route.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: FOLDERS.filter((f) => !PAGE_VIEW_ALLOWED.includes(f)).map((f) => `**/${f}/**`),
              message,
            },
            // From src/http/pages/<page>/: two levels up is src/http (of which only the shared parameter
            // schemas, params.ts), three levels up is src.
            { regex: '^\\.\\./\\.\\./(?!\\.\\./|params\\.ts$)', message },
            { regex: '(^|/)route\\.ts$', message },
            TEST_SUPPORT,
            FIGURE_RULES,
            ...configRule('web'),
          ],
        },
      ],
    },
  };
}

export default tseslint.config(
  { ignores: ['node_modules/**', 'data/**', '.data/**', 'coverage/**', 'dist/**', 'tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
      eqeqeq: ['error', 'always'],
    },
  },
  {
    files: ['src/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [TEST_SUPPORT] }] },
  },
  ...FOLDERS.map(layerBlock),
  pageViewBlock(),
);
