/**
 * package.json `engines.node` promises only Node versions that every installed package accepts (issue 9 item
 * 6): a dependency upgrade whose own `engines` asks for more (or skips a release line, as nhsuk-frontend skips
 * 21, 23 and 24.0–24.10) fails here until `engines` follows. Every package under node_modules counts, dev
 * tooling included: building the image (`npm ci`, `npm run build`) needs it.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');
// semver is npm's own range logic (installed with eslint, typescript-eslint and others).
const semver = createRequire(path.join(ROOT, 'package.json'))('semver') as {
  subset(sub: string, dom: string): boolean;
  satisfies(version: string, range: string): boolean;
};
const declared = (
  JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    engines: { node: string };
  }
).engines.node;

/** Every installed package (nested node_modules included) with a string engines.node. */
function installed(dir: string, out = new Map<string, { name: string; range: string }>()) {
  if (!fs.existsSync(dir)) return out;
  for (const entry of fs.readdirSync(dir)) {
    if (entry.startsWith('.')) continue;
    const full = path.join(dir, entry);
    if (entry.startsWith('@')) {
      installed(full, out);
      continue;
    }
    const file = path.join(full, 'package.json');
    if (!fs.existsSync(file)) continue;
    const real = fs.realpathSync(full);
    if (out.has(real)) continue;
    const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as {
      name?: string;
      version?: string;
      engines?: { node?: unknown };
    };
    out.set(real, {
      name: `${pkg.name}@${pkg.version}`,
      range: typeof pkg.engines?.node === 'string' ? pkg.engines.node : '*',
    });
    installed(path.join(full, 'node_modules'), out);
  }
  return out;
}

describe('engines.node', () => {
  it('is accepted by the Node running the tests', () => {
    expect(semver.satisfies(process.versions.node, declared)).toBe(true);
  });

  it('promises no Node version an installed package refuses', () => {
    const packages = [...installed(path.join(ROOT, 'node_modules')).values()];
    expect(packages.length).toBeGreaterThan(200);
    const refusing = packages
      .filter((p) => !semver.subset(declared, p.range))
      .map((p) => `${p.name} (${p.range})`);
    expect(refusing, `engines.node "${declared}" includes versions these refuse`).toEqual([]);
  });
});
