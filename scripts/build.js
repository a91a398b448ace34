#!/usr/bin/env node
/**
 * `npm run build`: compiles src/ to dist/ with tsc (tsconfig.build.json), then copies every file under src/
 * that is not TypeScript (SQL, migrations, templates, static files) to the same place under dist/, where the
 * compiled code looks for it. Last, it writes dist/.build-stamp, dated when the build started: the bin script
 * compares it with the sources to tell a stale build (see bin/nhs-app-analytics.js).
 *
 * Usage: node scripts/build.js [--out-dir DIR]   (DIR defaults to dist/; the tests build into a folder of
 * their own so that they never replace a dist/ that another process is running.)
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import process from 'node:process';

const ROOT = path.resolve(import.meta.dirname, '..');
const SRC = path.join(ROOT, 'src');

/** Files under src/ that stay behind: TypeScript is compiled, never copied. */
function isCompiled(file) {
  return file.endsWith('.ts');
}

function outDirFrom(argv) {
  const i = argv.indexOf('--out-dir');
  if (i === -1) return path.join(ROOT, 'dist');
  const dir = argv[i + 1];
  if (!dir) throw new Error('--out-dir needs a folder');
  return path.resolve(dir);
}

function fail(message) {
  process.stderr.write(`build: ${message}\n`);
  process.exit(1);
}

const outDir = outDirFrom(process.argv.slice(2));
if (outDir === ROOT || outDir === SRC || ROOT.startsWith(outDir + path.sep)) {
  fail(`refusing to build into ${outDir}`);
}
const started = new Date();

fs.rmSync(outDir, { recursive: true, force: true });

let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  fail('typescript is not installed: the build needs the dev dependencies (npm ci, not npm ci --omit=dev)');
}
const compiled = spawnSync(
  process.execPath,
  [tsc, '-p', path.join(ROOT, 'tsconfig.build.json'), '--outDir', outDir],
  { stdio: 'inherit', cwd: ROOT },
);
if (compiled.status !== 0) fail(`tsc failed (exit ${compiled.status ?? compiled.signal})`);

let copied = 0;
for (const entry of fs.readdirSync(SRC, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || isCompiled(entry.name)) continue;
  const from = path.join(entry.parentPath, entry.name);
  const to = path.join(outDir, path.relative(SRC, from));
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.copyFileSync(from, to);
  copied++;
}

const stamp = path.join(outDir, '.build-stamp');
fs.writeFileSync(stamp, `${started.toISOString()}\n`);
fs.utimesSync(stamp, started, started);
process.stdout.write(
  `build: compiled src/ to ${path.relative(ROOT, outDir) || outDir}, copied ${copied} files\n`,
);
