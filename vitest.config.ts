import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    globalSetup: ['e2e/global-setup.ts'],
    include: ['src/**/*.test.ts', 'e2e/**/*.test.ts', 'scripts/**/*.test.ts'],
    // Generous: the heaviest tests (incremental against full builds, 800 reference searches) took 60-110 s
    // on a slow machine with the other worker busy, and one passed 120 s there (2026-12-07).
    testTimeout: 300_000,
    hookTimeout: 300_000,
    pool: 'forks',
    // One process per worker runs file after file, each file's modules loaded once per worker rather than once
    // per file: 19.5 -> 13.1 min for the whole suite on a slow 2-core machine (2026-12-07), the import of the
    // app's module graph (DuckDB, Fastify, templates) having been a second or more per file. Test files keep
    // no state between them: each opens its own warehouse and app, and restores what it changes (TZ, env).
    isolate: false,
    // Two cores: DuckDB already uses both, so running many heavy files at once only thrashes.
    maxWorkers: 2,
  },
});
