/**
 * Issue 16.12: read-only `status` and `query` were refused while the server ran (DuckDB lets no other process
 * open a database another one writes). They now read the figures the server publishes; `ingest` is still
 * refused, pointing at the inbox. The real CLI and server, on 127.0.0.1.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { figuresSnapshotFile } from '../src/app/figures-snapshot.ts';
import { Warehouse } from '../src/warehouse/db.ts';

const BIN = path.resolve(import.meta.dirname, '../bin/nhs-app-analytics.js');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'read-serving-'));
const env = { ...process.env, DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', NODE_ENV: 'test' };
const cli = (...args: string[]) => {
  const r = spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8' });
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
};

/** A complete-or-not weekly series: the events cover part of September only. */
const SERIES = [
  'query',
  'series',
  '--metric',
  'logins',
  '--level',
  'practice',
  '--code',
  'A81001',
  '--grain',
  'week',
  '--partial',
  '--format',
  'csv',
];

let server: ChildProcess | null = null;
let serverLog = '';
let stoppedSeries = '';

beforeAll(async () => {
  const header =
    'event_id,event_time,event_type,session_id,user_id,practice_code,identity_level,channel,record_type';
  const rows = Array.from(
    { length: 2000 },
    (_, i) =>
      `e${i},${new Date(Date.parse('2026-09-01T08:00:00Z') + i * 1_200_000).toISOString()},login,s${i},u${i % 300},A81001,P9,ios,`,
  );
  const file = path.join(dataDir, 'events.csv');
  fs.writeFileSync(file, [header, ...rows].join('\n') + '\n');
  expect(cli('ingest', 'events', file).code).toBe(0);
  stoppedSeries = cli(...SERIES).out;
  server = spawn(process.execPath, [BIN, 'serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  server.stdout!.on('data', (d: Buffer) => (serverLog += d.toString()));
  server.stderr!.on('data', (d: Buffer) => (serverLog += d.toString()));
  const deadline = Date.now() + 90_000;
  while (!/Published figures of data version/.test(serverLog) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
  }
  expect(serverLog).toMatch(/Published figures of data version 1/);
}, 180_000);

afterAll(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((r) => server!.once('exit', r));
    server.kill('SIGTERM');
    await exited;
  }
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('the server', () => {
  it('warmed itself before it listened, and no page or answer of the warm-up failed (ADR 0049)', async () => {
    const deadline = Date.now() + 60_000;
    while (!/is serving on/.test(serverLog) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
    }
    // A month of events has no complete period to rank yet: those answers are 400, as they are to anyone.
    expect(serverLog, serverLog).toMatch(/Warmed up the server: 36 pages and answers in \d+ ms/);
    const warmUpLog = serverLog.slice(0, serverLog.indexOf('Warmed up the server'));
    expect(warmUpLog.match(/ GET \S+ \d{3} /g)?.length).toBe(36);
    expect(warmUpLog).not.toMatch(/ GET \S+ 5\d\d /);
    expect(serverLog.indexOf('Warmed up the server')).toBeLessThan(serverLog.indexOf('is serving on'));
  });
});

describe('read-only commands while the server runs', () => {
  it('status reads the published figures', () => {
    const r = cli('status');
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('The server is running: these are the figures it published (data version 1)');
    const json = JSON.parse(r.out.slice(r.out.indexOf('{'), r.out.lastIndexOf('}') + 1)) as Record<
      string,
      unknown
    >;
    expect(json).toMatchObject({ events: 2000, dataVersion: 1, awaitingBuild: null });
  });

  it('query gives the same figures as on the stopped warehouse', () => {
    const r = cli(...SERIES);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toBe(stoppedSeries);
    expect(r.out.split('\n').length).toBeGreaterThan(2);
  });

  it('ingest is still refused, pointing at the inbox', () => {
    const r = cli('ingest', 'events', path.join(dataDir, 'events.csv'));
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/in use by another process/);
    expect(r.out).toMatch(/inbox/);
  });

  it('publishes figures and reference data only: no raw events, sign-in state or secrets', async () => {
    const db = await Warehouse.open(figuresSnapshotFile(dataDir), { readOnly: true });
    try {
      const tables = (await db.all<{ t: string }>('SELECT table_name AS t FROM duckdb_tables()')).map(
        (r) => r.t,
      );
      expect(tables).toEqual(expect.arrayContaining(['metric_cell', 'area', 'warehouse_meta', 'event_load']));
      for (const t of [
        'activity_event',
        'user_month',
        'app_user',
        'user_session',
        'api_token',
        'audit_log',
        'sign_in_link',
      ]) {
        expect(tables).not.toContain(t);
      }
      expect(await db.scalar<number>("SELECT count(*) FROM warehouse_meta WHERE key = 'auth_secret'")).toBe(
        0,
      );
      expect(
        await db.scalar<number>("SELECT count(*) FROM metric_value WHERE metric_id = 'logins'"),
      ).toBeGreaterThan(0);
    } finally {
      db.close();
    }
  });
});
