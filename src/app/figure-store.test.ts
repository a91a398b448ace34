/**
 * Issue 10, reliability of the figure store (docs/adr/0026-figure-store.md), with the real app over HTTP,
 * real DuckDB files and a real PostgreSQL:
 * (a) 50 concurrent clients request pages and the API for the whole of a refresh: no failed request, the p95
 *     reported, the new data version (and the independently counted figure) visible afterwards; then a
 *     graceful close during a refresh leaves a whole published version and no temporary file;
 * (b) two instances on one PostgreSQL database: a refresh asked of both at once runs once, and the figures it
 *     publishes through one are served by the other within seconds.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/pg-test-db.ts';
import { loadConfig } from '../config.ts';
import { fixedClock } from '../domain/clock.ts';
import { listSnapshots } from '../figures/snapshot.ts';
import { buildApp } from '../http/app.ts';
import { loadCatalogue } from '../metrics/catalogue.ts';
import { Warehouse } from '../warehouse/db.ts';
import { migrate } from '../warehouse/migrate.ts';
import { FiguresService } from './figures-snapshot.ts';
import { RefreshService } from './refresh.ts';
import { WarehouseQueries } from './warehouse-queries.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'figure-store-'));
const clock = fixedClock('2026-11-21T12:00:00Z');
const catalogue = loadCatalogue();
const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
  fs.rmSync(root, { recursive: true, force: true });
});

/** `n` login events in October 2026 (Europe/London), practice unknown; returns the CSV. */
function logins(prefix: string, n: number): string {
  const lines = [
    'event_id,event_time,event_type,session_id,user_id,practice_code,identity_level,channel,record_type',
  ];
  const start = Date.parse('2026-10-01T08:00:00Z');
  for (let i = 0; i < n; i++) {
    lines.push(
      `${prefix}${i},${new Date(start + i * 600_000).toISOString()},login,s${i},u${i % 97},,P9,ios,`,
    );
  }
  return lines.join('\n') + '\n';
}

function drop(inbox: string, name: string, content: string): void {
  fs.mkdirSync(inbox, { recursive: true });
  const file = path.join(inbox, name);
  fs.writeFileSync(file, content);
  const old = new Date(Date.now() - 120_000);
  fs.utimesSync(file, old, old);
}

async function instance(name: string, opts: { inbox: string; databaseUrl: string | null }) {
  const dir = path.join(root, name);
  const warehouse = await Warehouse.open(path.join(dir, 'warehouse.duckdb'), {
    memoryLimit: '1GB',
    threads: 2,
  });
  await migrate(warehouse);
  const log: string[] = [];
  const figures = await FiguresService.start({
    warehouse,
    dataDir: dir,
    config: { databaseUrl: opts.databaseUrl, pollMs: 200, graceMs: 60_000, readerConnections: 3 },
    log: (m) => log.push(m),
  });
  const refresh = new RefreshService({
    db: warehouse,
    inboxDir: opts.inbox,
    schedule: '30 7 * * 3',
    log: (m) => log.push(m),
    clock,
    settleMs: 0,
    minAgeMs: 0,
    pollMs: 60_000,
    sleep: async () => undefined,
    exclusive: figures.exclusive,
    afterRun: (conn) => figures.publish(conn),
    takesCliRequests: () => figures.runsRefreshes(),
  });
  const config = loadConfig({
    DATA_DIR: dir,
    FIGURE_RATE_LIMIT_PER_USER: '1000000',
    FIGURE_QUEUE_LENGTH: '10000',
    FIGURE_QUEUE_TIMEOUT_MS: '120000',
  });
  const app = await buildApp({
    db: figures.store.reader,
    warehouse,
    figuresNotReady: () => figures.notReady(),
    config,
    clock,
    queries: new WarehouseQueries(figures.store.reader, catalogue),
    catalogue,
    refresh,
  });
  figures.store.onSwap(() => app.responseCache.invalidate());
  await app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await app.close();
    await figures.close();
    warehouse.close();
  };
  cleanups.push(close);
  return { dir, warehouse, figures, refresh, app, base, log, close };
}

/** England's October logins as the API serves them (open data: monthly England figures). */
async function octoberLogins(base: string): Promise<number | null> {
  const r = await fetch(
    `${base}/api/v1/series?metric=logins&level=england&code=E92000001&grain=month&partial=1`,
  );
  expect(r.status).toBe(200);
  const body = (await r.json()) as { data: { periodStart: string; value: number | null }[] };
  return body.data.find((p) => p.periodStart === '2026-10-01')?.value ?? null;
}

describe('the figure store under load and across instances', () => {
  it('(a) 50 clients for the whole of a refresh: no failed request; the new version after; a clean stop', async () => {
    const inbox = path.join(root, 'a-inbox');
    const a = await instance('a', { inbox, databaseUrl: null });
    drop(inbox, 'events-1.csv', logins('a', 300));
    await a.refresh.runNow('admin');
    expect(await octoberLogins(a.base)).toBe(300);
    const before = a.figures.store.info()!.version;
    const etagBefore = (await fetch(`${a.base}/api/v1/metrics`)).headers.get('etag');

    drop(inbox, 'events-2.csv', logins('b', 450));
    const urls = [
      '/',
      '/api/v1/series?metric=logins&level=england&code=E92000001&grain=month&partial=1',
      '/api/v1/metrics',
      '/about',
    ];
    const statuses = new Map<string, number>();
    const millis: number[] = [];
    let running = true;
    const client = async (k: number) => {
      for (let i = k; running; i++) {
        const t = performance.now();
        const url = urls[i % urls.length]!;
        let status: string;
        try {
          const r = await fetch(`${a.base}${url}`, { signal: AbortSignal.timeout(20_000) });
          const body = await r.text();
          status = r.status === 200 ? '200' : `${r.status} ${url} ${body.slice(0, 120)}`;
        } catch (err) {
          status = `${(err as Error).name} ${url}`;
        }
        millis.push(performance.now() - t);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
    };
    const clients = Array.from({ length: 50 }, (_, k) => client(k));
    await new Promise((r) => setTimeout(r, 300));
    const summary = await a.refresh.runNow('admin');
    running = false;
    await Promise.all(clients);
    expect(summary.status).toBe('succeeded');
    expect(Object.fromEntries(statuses)).toEqual({ 200: millis.length });
    millis.sort((x, y) => x - y);
    const p95 = millis[Math.floor(millis.length * 0.95)]!;
    console.log(
      `refresh under load: ${millis.length} requests from 50 clients during a ${summary.millis} ms refresh, ` +
        `all 200; p50 ${millis[Math.floor(millis.length / 2)]!.toFixed(0)} ms, p95 ${p95.toFixed(0)} ms`,
    );
    expect(millis.length).toBeGreaterThan(50);
    // The new version serves (750 logins counted from the two files above), and every tag moved.
    expect(a.figures.store.info()!.version).toBe(before + 1);
    expect(await octoberLogins(a.base)).toBe(750);
    expect((await fetch(`${a.base}/api/v1/metrics`)).headers.get('etag')).not.toBe(etagBefore);

    // Graceful stop while a refresh runs: the run ends and publishes whole; nothing half-written is left.
    drop(inbox, 'events-3.csv', logins('c', 5));
    const last = a.refresh.runNow('admin');
    await a.close();
    expect((await last).status).toBe('succeeded');
    const files = fs.readdirSync(path.join(a.dir, 'figures'));
    expect(files.filter((f) => f.includes('.tmp'))).toEqual([]);
    const newest = listSnapshots(a.dir)[0]!;
    const db = await Warehouse.open(newest.file, { readOnly: true });
    try {
      expect(
        await db.scalar(
          "SELECT value FROM metric_value WHERE metric_id = 'logins' AND grain = 'month' AND area_level = 'england' AND period_start = DATE '2026-10-01' AND structure = 'current'",
        ),
      ).toBe(755);
    } finally {
      db.close();
    }
  }, 180_000);

  it('(b) two instances on one PostgreSQL: one refresh runs when both are asked; the other serves it within seconds', async () => {
    const pg: TestDatabase = await createTestDatabase('figure_store');
    cleanups.push(() => pg.drop());
    const inbox = path.join(root, 'b-inbox');
    const one = await instance('one', { inbox, databaseUrl: pg.url });
    const two = await instance('two', { inbox, databaseUrl: pg.url });
    // The second found the first's version and serves it (pulled, not built).
    expect(two.figures.store.info()!.version).toBe(one.figures.store.info()!.version);
    expect(two.log.join('\n')).toMatch(/Pulled figures version 1/);
    // Only the instance whose warehouse published does the refreshes (and takes the CLI's requests).
    expect([one.figures.runsRefreshes(), two.figures.runsRefreshes()]).toEqual([true, false]);
    // Nothing built yet anywhere: not ready (no figures), never a 500.
    expect((await fetch(`${two.base}/readyz`)).status).toBe(503);

    drop(inbox, 'events-1.csv', logins('p', 200));
    const both = await Promise.allSettled([one.refresh.runNow('admin'), two.refresh.runNow('admin')]);
    expect(both.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(both.find((r) => r.status === 'rejected')).toMatchObject({
      reason: { message: expect.stringMatching(/refresh skipped/) },
    });
    expect(fs.readdirSync(path.join(inbox, 'loaded'))).toHaveLength(1);
    const published = one.figures.store.info()!.version;
    const t0 = Date.now();
    while (two.figures.store.info()!.version < published && Date.now() - t0 < 10_000) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const seenAfter = Date.now() - t0;
    console.log(
      `second instance served figures version ${published} ${seenAfter} ms after the first published it`,
    );
    expect(two.figures.store.info()!.version).toBe(published);
    expect(await octoberLogins(two.base)).toBe(200);
    expect(await octoberLogins(one.base)).toBe(200);
    expect((await fetch(`${two.base}/readyz`)).status).toBe(200);
  }, 90_000);

  it('(c) PostgreSQL: a restart publishes again when the warehouse changed at start (shipped files, migrations), not otherwise', async () => {
    const pg: TestDatabase = await createTestDatabase('figure_restart');
    cleanups.push(() => pg.drop());
    const dir = path.join(root, 'c');
    fs.mkdirSync(dir, { recursive: true });
    const warehouse = await Warehouse.open(path.join(dir, 'warehouse.duckdb'), {
      memoryLimit: '1GB',
      threads: 2,
    });
    cleanups.push(() => warehouse.close());
    await migrate(warehouse);
    const start = (warehouseChanged: boolean) =>
      FiguresService.start({
        warehouse,
        dataDir: dir,
        config: { databaseUrl: pg.url, pollMs: 200, graceMs: 60_000, readerConnections: 3 },
        log: () => undefined,
        warehouseChanged,
      });
    const first = await start(false);
    expect(first.store.info()!.version).toBe(1);
    await first.close();
    // The same data version and nothing changed: the version published is served again.
    const same = await start(false);
    expect(same.store.info()!.version).toBe(1);
    await same.close();
    // A start that loaded shipped files (the data version unchanged): published again.
    const changed = await start(true);
    expect(changed.store.info()!.version).toBe(2);
    await changed.close();
  }, 90_000);
});
