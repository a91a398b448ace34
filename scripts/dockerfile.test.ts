/**
 * The Dockerfile's invariants that could break without anyone noticing, since Docker does not run here:
 * two stages on Node 20, a non-root user, the port, the health check, the data volume, and COPY sources that
 * exist and are not left out of the build context. scripts/build.test.ts builds the image's layout and runs
 * its CMD and HEALTHCHECK.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  all,
  dockerIgnore,
  envOf,
  execForm,
  parseCopy,
  parseDockerfile,
  readDockerfile,
  REPO,
  workdirOf,
} from './dockerfile.ts';

const stages = readDockerfile();
const runtime = stages.at(-1)!;
const build = stages.find((s) => s.name === 'build');

describe('Dockerfile', () => {
  it('builds in a stage with dev dependencies and runs on Node 20 with production dependencies only', () => {
    expect(build).toBeDefined();
    const buildRuns = all(build!, 'RUN').map((r) => r.args);
    expect(buildRuns).toContainEqual(expect.stringMatching(/^npm ci\b(?!.*--omit=dev)/));
    expect(buildRuns).toContainEqual(expect.stringMatching(/\bnpm run build\b/));
    for (const stage of stages) expect(stage.image).toMatch(/^node:20[.-]/);
    expect(runtime).not.toBe(build);
    expect(all(runtime, 'RUN').map((r) => r.args)).toContainEqual(
      expect.stringMatching(/^npm ci --omit=dev\b/),
    );
    // The runtime stage takes nothing from src/: only what the build produced.
    const runtimeCopies = all(runtime, 'COPY').map((c) => parseCopy(c.args));
    expect(runtimeCopies.flatMap((c) => (c.from ? [] : c.sources))).not.toContainEqual(
      expect.stringMatching(/^\.?\/?src\b/),
    );
    expect(runtimeCopies).toContainEqual({ from: 'build', sources: ['/app/dist'], dest: './dist' });
  });

  it('runs as a non-root user from before its command', () => {
    const users = all(runtime, 'USER');
    expect(users.length).toBeGreaterThan(0);
    const user = users.at(-1)!;
    expect(user.args).not.toMatch(/^(root|0)(:|$)/);
    const cmd = all(runtime, 'CMD').at(-1)!;
    expect(user.line).toBeLessThan(cmd.line);
  });

  it('serves port 3000 on every interface and keeps DATA_DIR on a volume', () => {
    const env = envOf(runtime);
    expect(env.PORT).toBe('3000');
    expect(env.HOST).toBe('0.0.0.0');
    expect(env.DATA_DIR).toBe('/data');
    expect(all(runtime, 'EXPOSE').map((e) => e.args)).toContain('3000');
    const volumes = all(runtime, 'VOLUME').flatMap((v) =>
      v.args.startsWith('[') ? execForm(v.args) : v.args.split(/\s+/),
    );
    expect(volumes).toContain('/data');
  });

  it('checks health with node (no curl in the slim image) against /healthz', () => {
    const checks = all(runtime, 'HEALTHCHECK');
    expect(checks).toHaveLength(1);
    const m = /^((?:--\S+\s+)*)CMD\s+(\[.*\])$/.exec(checks[0]!.args);
    expect(m, 'HEALTHCHECK [OPTIONS] CMD ["node", …]').not.toBeNull();
    const command = execForm(m![2]!);
    expect(command[0]).toBe('node');
    expect(command.join(' ')).toContain('/healthz');
    expect(m![1]).toMatch(/--start-period=\d+s/);
  });

  it('runs the compiled CLI (not TypeScript, not tsx) in exec form', () => {
    const command = execForm(all(runtime, 'CMD').at(-1)!.args);
    expect(command.slice(0, 2)).toEqual(['node', 'dist/cli/main.js']);
    expect(command).toContain('serve');
    expect(command).not.toContain('--demo');
    expect(workdirOf(runtime)).toBe('/app');
    // The file exists after `npm run build`: scripts/build.test.ts runs this CMD.
  });

  it('copies only paths that exist in the repository and are in the build context', () => {
    const ignored = dockerIgnore();
    for (const stage of stages) {
      for (const instruction of all(stage, 'COPY')) {
        const copy = parseCopy(instruction.args);
        if (copy.from) {
          expect(stages.map((s) => s.name)).toContain(copy.from);
          continue;
        }
        for (const source of copy.sources) {
          const where = `Dockerfile line ${instruction.line}: COPY ${source}`;
          expect(fs.existsSync(path.join(REPO, source)), `${where} does not exist`).toBe(true);
          expect(ignored(path.normalize(source)), `${where} is left out by .dockerignore`).toBe(false);
        }
      }
    }
  });

  it('leaves local state, build output and secrets out of the build context', () => {
    const ignored = dockerIgnore();
    for (const p of ['node_modules', 'dist', '.data', '.git', '.env', 'x.duckdb', 'src/a/b.test.ts']) {
      expect(ignored(p), p).toBe(true);
    }
    for (const p of [
      'src/cli/main.ts',
      'metrics/appointments_booked.yaml',
      'data/reference/README.md',
      'package.json',
    ]) {
      expect(ignored(p), p).toBe(false);
    }
  });

  it('reads continuation lines, stage names and exec forms', () => {
    const parsed = parseDockerfile(
      [
        '# syntax=docker/dockerfile:1',
        'FROM node:20 AS build',
        'RUN a \\',
        '    # a comment inside',
        '    && b',
        'FROM node:20-slim',
        'COPY --from=build --chown=node:node /app/dist ./dist',
        'HEALTHCHECK --interval=5s CMD ["node", "-e", "1"]',
      ].join('\n'),
    );
    expect(parsed.map((s) => s.name)).toEqual(['build', undefined]);
    expect(parsed[0]!.instructions[0]).toEqual({ keyword: 'RUN', args: 'a && b', line: 3 });
    expect(parseCopy(parsed[1]!.instructions[0]!.args)).toEqual({
      from: 'build',
      sources: ['/app/dist'],
      dest: './dist',
    });
  });
});
