/**
 * `npm run build` output runs, laid out as the Docker image lays it out. The build stage's COPY sources are
 * copied into a temporary folder and `npm run build` runs there; the runtime stage's COPY sources and the
 * built dist/ are copied into another, with no src/ and no tsx (node_modules stands in for `npm ci
 * --omit=dev`). There the compiled CLI lists the metrics, the bin script runs it, the image's CMD serves
 * pages (templates, static files, SQL and migrations found from dist/) and its HEALTHCHECK passes.
 * The repository's own dist/ is never touched: other tests may be running the bin script meanwhile.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  all,
  copyFromContext,
  destinationIn,
  envOf,
  execForm,
  parseCopy,
  readDockerfile,
  REPO,
  workdirOf,
  type Stage,
} from './dockerfile.ts';

const stages = readDockerfile();
const buildStage = stages.find((s) => s.name === 'build')!;
const runtimeStage = stages.at(-1)!;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nhsaa-build-'));
const buildRoot = path.join(tmp, 'build-stage');
const runtimeRoot = path.join(tmp, 'runtime-stage');
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Lays out a stage's COPY instructions under `root` (the image's file system); returns its WORKDIR there. */
function layOut(stage: Stage, root: string, fromStage: (name: string, source: string) => string): string {
  const workdir = workdirOf(stage);
  for (const instruction of all(stage, 'COPY')) {
    const copy = parseCopy(instruction.args);
    const intoFolder = copy.sources.length > 1 || copy.dest.endsWith('/');
    for (const source of copy.sources) {
      const dest = destinationIn(
        root,
        workdir,
        intoFolder ? path.posix.join(copy.dest, path.basename(source)) : copy.dest,
      );
      if (copy.from) fs.cpSync(fromStage(copy.from, source), dest, { recursive: true });
      else copyFromContext(path.posix.normalize(source), dest);
    }
  }
  const app = destinationIn(root, workdir, '.');
  // Stands for `RUN npm ci`: the repository's installed packages.
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(app, 'node_modules'), 'dir');
  return app;
}

function run(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort();
}

let buildApp: string;
let app: string;

beforeAll(() => {
  buildApp = layOut(buildStage, buildRoot, () => {
    throw new Error('the build stage copies from no other stage');
  });
  const built = run(buildApp, ['scripts/build.js']);
  if (built.code !== 0) throw new Error(`npm run build failed:\n${built.stdout}\n${built.stderr}`);
  app = layOut(runtimeStage, runtimeRoot, (name, source) => {
    expect(name).toBe('build');
    return destinationIn(buildRoot, '/', source);
  });
}, 300_000);

describe('npm run build', () => {
  it('is the build script the Dockerfile runs', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(pkg.scripts.build).toBe('node scripts/build.js');
    expect(pkg.scripts.start).toMatch(/^node dist\/cli\/main\.js serve\b/);
    expect(pkg.scripts.prestart).toBe('npm run build');
  });

  it('compiles every source file but the tests, and copies every other file of src/ beside them', () => {
    const src = filesUnder(path.join(buildApp, 'src'));
    const dist = new Set(filesUnder(path.join(app, 'dist')));
    for (const file of src) {
      if (file.endsWith('.test.ts')) continue;
      if (file.endsWith('.d.ts')) continue;
      if (file.endsWith('.ts')) expect(dist.has(file.replace(/\.ts$/, '.js')), file).toBe(true);
      else expect(dist.has(file), file).toBe(true);
    }
    expect([...dist].filter((f) => /\.test\.js$|\.ts$/.test(f))).toEqual([]);
    expect(dist.has('.build-stamp')).toBe(true);
    for (const asset of ['warehouse/migrations', 'web/templates', 'web/static']) {
      expect(
        [...dist].some((f) => f.startsWith(`${asset}/`)),
        asset,
      ).toBe(true);
    }
  });

  it('rewrites relative imports to .js and imports only production dependencies', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const packages = new Set<string>();
    const dist = path.join(app, 'dist');
    // Compiled files (with a source map), not the browser's scripts copied from src/web/static.
    const compiled = filesUnder(dist).filter(
      (f) => f.endsWith('.js') && fs.existsSync(path.join(dist, `${f}.map`)),
    );
    expect(compiled).toContain('cli/main.js');
    for (const file of compiled) {
      const code = fs.readFileSync(path.join(dist, file), 'utf8');
      // TypeScript's own scanner: static and dynamic imports and require calls.
      const specifiers = ts.preProcessFile(code, true, true).importedFiles.map((f) => f.fileName);
      for (const s of specifiers) {
        if (s.startsWith('.')) {
          expect(s, `${file} imports ${s}`).toMatch(/\.js$/);
          expect(fs.existsSync(path.resolve(dist, path.dirname(file), s)), `${file} imports ${s}`).toBe(true);
        } else if (!s.startsWith('node:')) {
          const name = s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]!;
          expect(Object.keys(pkg.dependencies), `${file} imports ${s}`).toContain(name);
          packages.add(name);
        }
      }
    }
    // The scanner saw the imports (autocannon, a dev dependency, is resolved by name only when the benchmark
    // runs, which needs the dev dependencies).
    expect(packages).toContain('fastify');
    expect(packages).not.toContain('tsx');
  });

  it('runs: the compiled CLI lists the metric catalogue', () => {
    const r = run(app, ['dist/cli/main.js', 'metrics']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const ids = r.stdout
      .trim()
      .split('\n')
      .map((l) => l.split(/\s+/)[0]);
    const yaml = fs.readdirSync(path.join(REPO, 'metrics')).filter((f) => f.endsWith('.yaml'));
    expect(ids).toHaveLength(yaml.length);
    expect(ids).toContain('logins');
  });

  it('runs: the bin script runs the compiled CLI where there is no src/ (the image, a production install)', () => {
    expect(fs.existsSync(path.join(app, 'src'))).toBe(false);
    const r = run(app, ['bin/nhs-app-analytics.js', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: nhs-app-analytics <command>');
    expect(r.stderr).toBe('');
  });
});

describe('bin/nhs-app-analytics.js', () => {
  function checkout(name: string, withModules: boolean): string {
    const dir = path.join(tmp, name);
    fs.mkdirSync(path.join(dir, 'bin'), { recursive: true });
    fs.copyFileSync(path.join(REPO, 'bin/nhs-app-analytics.js'), path.join(dir, 'bin/nhs-app-analytics.js'));
    fs.copyFileSync(path.join(REPO, 'package.json'), path.join(dir, 'package.json'));
    if (withModules) fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    return dir;
  }

  it('says to run npm run build when dist/ is missing and tsx is not installed', () => {
    const dir = checkout('no-dist', false);
    const r = run(dir, ['bin/nhs-app-analytics.js', '--help']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Run `npm run build` first');
    expect(r.stdout).toBe('');
  });

  it('runs the sources through tsx, in a checkout with dev dependencies, when a source is newer than dist/', () => {
    const dir = checkout('stale', true);
    fs.cpSync(path.join(app, 'dist'), path.join(dir, 'dist'), { recursive: true });
    const source = path.join(dir, 'src/cli/main.ts');
    fs.mkdirSync(path.dirname(source), { recursive: true });
    fs.writeFileSync(source, "const from: string = 'source';\nconsole.log(`ran the ${from}`);\n");
    const later = new Date(fs.statSync(path.join(dir, 'dist/.build-stamp')).mtimeMs + 60_000);
    fs.utimesSync(source, later, later);
    expect(run(dir, ['bin/nhs-app-analytics.js']).stdout).toBe('ran the source\n');

    // Built after the last change: the compiled CLI runs.
    const earlier = new Date(fs.statSync(path.join(dir, 'dist/.build-stamp')).mtimeMs - 60_000);
    fs.utimesSync(source, earlier, earlier);
    const r = run(dir, ['bin/nhs-app-analytics.js', '--help']);
    expect(r.stdout).toContain('Usage: nhs-app-analytics <command>');
  });
});

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('the image', () => {
  let server: ChildProcess | undefined;
  afterAll(async () => {
    if (server && server.exitCode === null) {
      const exited = new Promise((resolve) => server!.once('exit', resolve));
      server.kill('SIGTERM');
      await exited;
    }
  });

  it("serves pages with its CMD and passes its HEALTHCHECK (run as the image's ENV says, on a free port)", async () => {
    const port = await freePort();
    const env = {
      ...process.env,
      ...envOf(runtimeStage),
      DATA_DIR: path.join(tmp, 'data'),
      // Not every interface on a shared test machine.
      HOST: '127.0.0.1',
      PORT: String(port),
    };
    const [command, ...args] = execForm(all(runtimeStage, 'CMD').at(-1)!.args);
    expect(command).toBe('node');
    let output = '';
    server = spawn(process.execPath, args, { cwd: app, env, stdio: ['ignore', 'pipe', 'pipe'] });
    server.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    server.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const base = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 120_000;
    for (;;) {
      if (server.exitCode !== null) throw new Error(`the server exited (${server.exitCode}):\n${output}`);
      if (Date.now() > deadline) throw new Error(`no answer from /healthz:\n${output}`);
      const ok = await fetch(`${base}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }

    const check = /CMD\s+(\[.*\])$/.exec(all(runtimeStage, 'HEALTHCHECK')[0]!.args)!;
    const [checkCommand, ...checkArgs] = execForm(check[1]!);
    expect(checkCommand).toBe('node');
    const healthy = spawnSync(process.execPath, checkArgs, {
      cwd: app,
      env,
      encoding: 'utf8',
      timeout: 10_000,
    });
    expect(healthy.status, healthy.stderr).toBe(0);
    // And it fails when nothing answers.
    const down = spawnSync(process.execPath, checkArgs, {
      cwd: app,
      env: { ...env, PORT: String(await freePort()) },
      encoding: 'utf8',
      timeout: 10_000,
    });
    expect(down.status).toBe(1);

    const page = await fetch(`${base}/about`);
    expect(page.status, output).toBe(200);
    const html = await page.text();
    expect(html).toContain('NHS App Analytics');
    const css = /href="(\/static\/app\.css\?v=[0-9a-f]+)"/.exec(html);
    expect(css, 'the page links its stylesheet').not.toBeNull();
    expect((await fetch(`${base}${css![1]}`)).status).toBe(200);
    const metrics = await fetch(`${base}/api/v1/metrics`);
    expect(metrics.status).toBe(200);
  }, 180_000);
});
