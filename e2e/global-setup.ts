/**
 * Vitest global set-up: a folder shared by this run's test files, where the first file that needs the demo
 * warehouse builds it once and the others copy it (see demo-warehouse.ts). Building costs ~45 s, so doing
 * it once per run instead of once per file keeps `npm test` within its time budget.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    demoCacheDir: string;
  }
}

export default function setup(project: TestProject): () => void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'demo-cache-'));
  project.provide('demoCacheDir', dir);
  return () => fs.rmSync(dir, { recursive: true, force: true });
}
