import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStateStore } from '../app-state/open.ts';
import * as store from '../auth/store.ts';
import { loadConfig } from '../config.ts';
import { UsageError } from './args.ts';
import { runUsers } from './users-command.ts';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'users-cli-'));
const config = loadConfig({ DATA_DIR: dataDir });
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

async function run(args: string[], values: Record<string, boolean> = {}): Promise<string[]> {
  const lines: string[] = [];
  await runUsers(config, args, values, (l) => lines.push(l));
  return lines;
}

describe('nhs-app-analytics users', () => {
  it('adds the first admin, lists, disables and enables users, and audits each change', async () => {
    expect((await run(['list']))[0]).toMatch(/No users yet/);
    expect((await run(['add', 'First.Admin@NHS.net'], { admin: true }))[0]).toMatch(
      /Added first\.admin@nhs\.net as an admin/,
    );
    expect((await run(['add', 'viewer@england.nhs.uk']))[0]).toMatch(/as a viewer/);
    expect((await run(['add', 'viewer@england.nhs.uk'], { admin: true }))[0]).toMatch(/now an admin/);
    const listed = await run(['list']);
    expect(listed).toEqual([
      expect.stringMatching(/^first\.admin@nhs\.net\tadmin\tactive\tnever signed in$/),
      expect.stringMatching(/^viewer@england\.nhs\.uk\tadmin\tactive\t/),
    ]);
    expect((await run(['disable', 'VIEWER@england.nhs.uk']))[0]).toMatch(/disabled/);
    expect(await run(['list'])).toContainEqual(
      expect.stringMatching(/^viewer@england\.nhs\.uk\tadmin\tdisabled/),
    );
    await run(['enable', 'viewer@england.nhs.uk']);
    // Written to the app-state store (DATA_DIR/state/app-state.duckdb), not the warehouse.
    const db = await openStateStore({ dataDir, databaseUrl: null });
    try {
      const audit = await store.auditPage(db, 50, 0);
      expect(audit.map((a) => a.action).sort()).toEqual([
        'user.disable',
        'user.enable',
        'user.invite',
        'user.invite',
        'user.role',
      ]);
      expect((await store.findUserByEmail(db, 'viewer@england.nhs.uk'))!.status).toBe('active');
    } finally {
      await db.close();
    }
    expect(fs.existsSync(path.join(dataDir, 'warehouse.duckdb'))).toBe(false);
  });

  it('refuses addresses outside the allow-list and bad usage', async () => {
    await expect(run(['add', 'someone@nhs.net.evil.com'], { admin: true })).rejects.toThrow(
      /nhs\.net or nhs\.uk/,
    );
    await expect(run(['add', 'someone+x@nhs.net'], { admin: true })).rejects.toThrow(
      /sub-addresses \(\+…\) are not accepted/,
    );
    await expect(run(['add', 'not an address'])).rejects.toThrow(UsageError);
    await expect(run(['disable', 'nobody@nhs.net'])).rejects.toThrow(/no user/);
    await expect(run(['remove', 'a@nhs.net'])).rejects.toThrow(/usage/);
    await expect(run(['add'])).rejects.toThrow(/usage/);
    await expect(run(['list'], { admin: true })).rejects.toThrow(/--admin/);
  });
});
