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
    // Two cores: DuckDB already uses both, so running many heavy files at once only thrashes.
    maxWorkers: 2,
  },
});
