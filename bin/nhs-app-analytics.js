#!/usr/bin/env node
/**
 * The nhs-app-analytics command. It runs the compiled CLI, dist/cli/main.js (made by `npm run build`).
 *
 * In a development checkout (src/ present and tsx installed as a dev dependency) it runs the TypeScript
 * sources through tsx instead whenever dist/ is missing or older than a file under src/, so that a stale
 * build is never run by mistake: tests and `npm run cli` need no build step. Without tsx (a production
 * install, `npm ci --omit=dev`, or the Docker image) it runs dist/ and says so when dist/ is missing.
 */
import fs from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { pathToFileURL } from 'node:url';

const ROOT = path.resolve(import.meta.dirname, '..');
const COMPILED = path.join(ROOT, 'dist', 'cli', 'main.js');
const STAMP = path.join(ROOT, 'dist', '.build-stamp');
const SRC = path.join(ROOT, 'src');
const SOURCE = path.join(SRC, 'cli', 'main.ts');

function mtime(file) {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

/** True when some file under src/ changed after the build started (a few ms for the few hundred files). */
function newerThan(ms) {
  for (const entry of fs.readdirSync(SRC, { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && (mtime(path.join(entry.parentPath, entry.name)) ?? 0) > ms) return true;
  }
  return false;
}

async function loadTsx() {
  try {
    return await import('tsx/esm/api');
  } catch (err) {
    if (err?.code === 'ERR_MODULE_NOT_FOUND') return undefined;
    throw err;
  }
}

// A dist/ without its stamp (compiled by hand) counts as older than any source.
const built = mtime(COMPILED) !== undefined ? (mtime(STAMP) ?? 0) : undefined;
const hasSource = mtime(SOURCE) !== undefined;
const current = built !== undefined && !(hasSource && newerThan(built));

if (current) {
  await import(pathToFileURL(COMPILED).href);
} else {
  const tsx = hasSource ? await loadTsx() : undefined;
  if (tsx) {
    tsx.register();
    await import(pathToFileURL(SOURCE).href);
  } else if (built !== undefined) {
    process.stderr.write('nhs-app-analytics: dist/ is older than src/; run `npm run build` to update it.\n');
    await import(pathToFileURL(COMPILED).href);
  } else {
    process.stderr.write(
      'nhs-app-analytics: the compiled CLI (dist/cli/main.js) is missing. Run `npm run build` first\n' +
        '(it needs the dev dependencies: npm ci), or use `npm start`, which builds and then serves the demo.\n',
    );
    process.exitCode = 1;
  }
}
