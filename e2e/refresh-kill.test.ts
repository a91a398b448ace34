/**
 * Issue 10 item 2: a server killed with SIGKILL during a refresh keeps the last good data; after a restart the
 * interrupted file loads again and nothing is counted twice (figures equal a clean load). The real server
 * (bin/nhs-app-analytics.js serve on 127.0.0.1) and the real `refresh` command.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { Warehouse } from '../src/warehouse/db.ts';

const BIN = path.resolve(import.meta.dirname, '../bin/nhs-app-analytics.js');
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'refresh-kill-'));
const servers: ChildProcess[] = [];
afterAll(() => {
  for (const s of servers) if (s.exitCode === null) s.kill('SIGKILL');
  fs.rmSync(root, { recursive: true, force: true });
});

const envFor = (dataDir: string, port = 0) => ({
  ...process.env,
  DATA_DIR: dataDir,
  PORT: String(port),
  HOST: '127.0.0.1',
  NODE_ENV: 'test',
  DUCKDB_THREADS: '2',
});
const cli = (dataDir: string, ...args: string[]) => {
  const r = spawnSync(process.execPath, [BIN, ...args], { env: envFor(dataDir), encoding: 'utf8' });
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
};

function eventsFile(file: string, prefix: string, first: string, n: number, stepSeconds: number): void {
  const practices = ['A81001', 'A81002', 'A81004', 'A81005', 'B82005', ''];
  const lines = [
    'event_id,event_time,event_type,session_id,user_id,practice_code,identity_level,channel,record_type',
  ];
  const start = Date.parse(`${first}T00:10:00Z`);
  for (let i = 0; i < n; i++) {
    const type = i % 9 === 0 ? 'registration' : i % 4 === 0 ? 'prescription_ordered' : 'login';
    lines.push(
      `${prefix}${i},${new Date(start + i * stepSeconds * 1000).toISOString()},${type},s${i % 5000},u${(i * 7919) % 20000},${practices[i % practices.length]},P9,ios,`,
    );
  }
  fs.writeFileSync(file, lines.join('\n') + '\n');
  const old = new Date(Date.now() - 120_000);
  fs.utimesSync(file, old, old);
}

async function figures(dataDir: string): Promise<string[]> {
  const db = await Warehouse.open(path.join(dataDir, 'warehouse.duckdb'));
  try {
    const rows = await db.all<{ k: string }>(
      `SELECT concat_ws('|', structure, metric_id, grain, period_start, area_level, area_code, value, uncovered) AS k FROM metric_value
       UNION ALL SELECT concat_ws('|', day, events) FROM data_day
       UNION ALL SELECT concat_ws('|', 'events', count(*), count(DISTINCT event_id)) FROM activity_event
       UNION ALL SELECT concat_ws('|', 'loads', count(*), sum(rows_loaded)) FROM event_load
       ORDER BY 1`,
    );
    return rows.map((r) => r.k);
  } finally {
    db.close();
  }
}

function serve(dataDir: string, port: number): { child: ChildProcess; log: () => string } {
  let out = '';
  const child = spawn(process.execPath, [BIN, 'serve'], {
    env: envFor(dataDir, port),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  servers.push(child);
  return { child, log: () => out };
}
async function until(what: string, test: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
const englandLogins = async (port: number) => {
  const res = await fetch(`http://127.0.0.1:${port}/api/v1/series?metric=logins`);
  expect(res.status).toBe(200);
  return res.text();
};

it('a kill -9 during a refresh keeps the last good data; the restart retries the file and counts nothing twice', async () => {
  const base = path.join(root, 'base');
  expect(cli(base, 'init').code).toBe(0);
  const small = path.join(root, 'events-a.csv');
  eventsFile(small, 'a', '2026-07-06', 2000, 600);
  expect(cli(base, 'ingest', 'events', small).code).toBe(0);
  const big = path.join(root, 'events-b.csv');
  eventsFile(big, 'b', '2026-08-03', 400_000, 12);

  // The clean load: the same refresh, run by the CLI with no server.
  const clean = path.join(root, 'clean');
  fs.cpSync(base, clean, { recursive: true });
  fs.mkdirSync(path.join(clean, 'inbox'), { recursive: true });
  fs.copyFileSync(big, path.join(clean, 'inbox', 'events-b.csv'));
  fs.utimesSync(
    path.join(clean, 'inbox', 'events-b.csv'),
    new Date(Date.now() - 120_000),
    new Date(Date.now() - 120_000),
  );
  const started = Date.now();
  const r = cli(clean, 'refresh');
  const cleanMillis = Date.now() - started;
  expect(r.code, r.out).toBe(0);
  expect(r.out).toMatch(/events-b\.csv \(events\): loaded 400000 rows/);
  const expected = await figures(clean);

  // The server, killed during its refresh.
  const killed = path.join(root, 'killed');
  fs.cpSync(base, killed, { recursive: true });
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const first = serve(killed, port);
  await until('the server', () => /is serving on/.test(first.log()), 60_000);
  const before = await englandLogins(port);
  fs.mkdirSync(path.join(killed, 'inbox'), { recursive: true });
  fs.copyFileSync(big, path.join(killed, 'inbox', 'events-b.csv'));
  fs.utimesSync(
    path.join(killed, 'inbox', 'events-b.csv'),
    new Date(Date.now() - 120_000),
    new Date(Date.now() - 120_000),
  );
  const asked = cli(killed, 'refresh');
  expect(asked.out).toContain('The server is running: asked it to refresh now');
  await until('the refresh to start', () => /Refresh 1 started \(cli\)/.test(first.log()), 10_000);
  // Mid-load: just past the two looks at the inbox (3 s apart).
  const killAfter = 3400;
  await new Promise((res) => setTimeout(res, killAfter));
  expect(first.log()).not.toMatch(/events-b\.csv \(events\): loaded/); // its load has not committed
  expect(await englandLogins(port)).toBe(before); // still answering, from the previous data
  const exited = new Promise((res) => first.child.once('exit', res));
  first.child.kill('SIGKILL');
  await exited;

  // Restart: the last good data, the run marked interrupted, the file retried.
  const second = serve(killed, port);
  await until('the restarted server', () => /is serving on/.test(second.log()), 60_000);
  expect(second.log()).toMatch(/1 refresh run\(s\) were interrupted/);
  expect(await englandLogins(port)).toBe(before);
  const inInbox = fs.existsSync(path.join(killed, 'inbox', 'events-b.csv'));
  expect(inInbox).toBe(true); // killed before its load committed: the file waits in the inbox
  expect(cli(killed, 'refresh').out).toContain('The server has taken the request');
  await until('the retry', () => /Refresh 2 \(cli\) succeeded/.test(second.log()), 60_000);
  expect(await englandLogins(port)).not.toBe(before);
  expect(fs.existsSync(path.join(killed, 'inbox', 'loaded', 'events-b.csv'))).toBe(true);
  const stopped = new Promise((res) => second.child.once('exit', res));
  second.child.kill('SIGTERM');
  await stopped;
  const got = await figures(killed);
  expect(got.length).toBe(expected.length);
  expect(got.filter((x, i) => x !== expected[i]).slice(0, 3)).toEqual([]);
  console.log(
    `kill -9 at ${killAfter} ms into the refresh (clean CLI refresh ${cleanMillis} ms); ` +
      `file ${inInbox ? 'still in the inbox' : 'already moved'} at restart; figures equal a clean load`,
  );
}, 180_000);
