import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openWarehouse } from '../app/bootstrap.ts';
import { openStateStore } from '../app-state/open.ts';
import { migrate } from '../warehouse/migrate.ts';
import { WarehouseQueries } from '../app/warehouse-queries.ts';
import * as store from '../auth/store.ts';
import { loadConfig } from '../config.ts';
import { systemClock } from '../domain/clock.ts';
import { buildApp } from '../http/app.ts';
import { loadCatalogue } from '../metrics/catalogue.ts';
import { UsageError } from './args.ts';
import { runTokens } from './tokens-command.ts';
import { runUsers } from './users-command.ts';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tokens-cli-'));
const config = loadConfig({ DATA_DIR: dataDir });
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

async function tokens(args: string[], values: Record<string, string> = {}) {
  const out: string[] = [];
  const log: string[] = [];
  await runTokens(
    config,
    args,
    values,
    (l) => out.push(l),
    (l) => log.push(l),
  );
  return { out, log };
}

/** What the API says to a request carrying this token, on a route that needs sign-in. */
async function apiStatus(token: string): Promise<number> {
  const db = await openWarehouse(config);
  await migrate(db);
  // As `serve` does: sign-in state from the app-state store, which the CLI wrote to.
  const state = await openStateStore({ dataDir, databaseUrl: null });
  const catalogue = loadCatalogue();
  const app = await buildApp({
    db,
    state,
    config,
    clock: systemClock,
    queries: new WarehouseQueries(db, catalogue),
    catalogue,
  });
  try {
    const r = await app.inject({
      url: '/api/v1/series?metric=logins&level=practice&code=A81001&grain=week',
      headers: { authorization: `Bearer ${token}` },
    });
    return r.statusCode;
  } finally {
    await app.close();
    await state.close();
    db.close();
  }
}

describe('nhs-app-analytics tokens', () => {
  it('creates a token that works on the API, lists it, and revokes it so it stops working at once', async () => {
    await runUsers(config, ['add', 'robot.owner@nhs.net'], {}, () => undefined);
    const created = await tokens(['create', 'Robot.Owner@nhs.net'], { name: '  nightly   extract ' });
    expect(created.out).toHaveLength(1);
    const token = created.out[0]!;
    expect(token).toMatch(/^nhsaa_[A-Za-z0-9_-]{20,}$/);
    // Only the token on stdout, so a script can capture it; the message on stderr never repeats it.
    expect(created.log.join('\n')).not.toContain(token);
    expect((await tokens(['list', 'robot.owner@nhs.net'])).out).toEqual([
      expect.stringMatching(/^nightly extract\tlive\tcreated \d{4}-\d\d-\d\d \d\d:\d\d\tlast used -$/),
    ]);
    const before = await apiStatus(token);
    expect(before).not.toBe(401);
    expect(before).toBeLessThan(500);
    await tokens(['revoke', 'robot.owner@nhs.net'], { name: 'nightly extract' });
    expect(await apiStatus(token)).toBe(401);
    expect((await tokens(['list', 'robot.owner@nhs.net'])).out[0]).toMatch(/^nightly extract\trevoked/);
    const db = await openStateStore({ dataDir, databaseUrl: null });
    try {
      const actions = (await store.auditPage(db, 50, 0)).map((a) => a.action);
      expect(actions.filter((a) => a === 'token.create' || a === 'token.revoke').sort()).toEqual([
        'token.create',
        'token.revoke',
      ]);
      // Stored as a hash: the token itself is nowhere in the store.
      const stored = await db.scalar<number>('SELECT count(*) FROM api_token WHERE token_hash = $1', [token]);
      expect(stored).toBe(0);
    } finally {
      await db.close();
    }
  });

  it('refuses bad usage, unknown users, duplicate names and disabled users with a clear message', async () => {
    await runUsers(config, ['add', 'second.owner@nhs.net'], {}, () => undefined);
    await expect(tokens(['create', 'second.owner@nhs.net'])).rejects.toThrow(/needs --name/);
    await expect(tokens(['create', 'nobody@nhs.net'], { name: 'x' })).rejects.toThrow(/there is no user/);
    await expect(tokens(['create', 'someone@gmail.com'], { name: 'x' })).rejects.toThrow(UsageError);
    await expect(tokens(['create', 'second.owner@nhs.net'], { name: '\u0007' })).rejects.toThrow(
      /Enter a name/,
    );
    await tokens(['create', 'second.owner@nhs.net'], { name: 'etl' });
    await expect(tokens(['create', 'second.owner@nhs.net'], { name: 'etl' })).rejects.toThrow(
      /already has a live token/,
    );
    await expect(tokens(['revoke', 'second.owner@nhs.net'], { name: 'other' })).rejects.toThrow(
      /no live token/,
    );
    await runUsers(config, ['disable', 'second.owner@nhs.net'], {}, () => undefined);
    await expect(tokens(['create', 'second.owner@nhs.net'], { name: 'etl2' })).rejects.toThrow(/disabled/);
    await expect(tokens(['delete', 'second.owner@nhs.net'])).rejects.toThrow(/usage/);
  });
});
