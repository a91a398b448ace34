/**
 * Issue 10 item 2, the refresh while serving: the real app (buildApp + app.inject) over a real warehouse and a
 * real inbox folder, with the refresh service the server runs.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { hashToken, randomToken } from '../auth/crypto.ts';
import * as store from '../auth/store.ts';
import { ConfigError, loadConfig } from '../config.ts';
import { fixedClock } from '../domain/clock.ts';
import { buildApp } from '../http/app.ts';
import { SNAPSHOT_COLUMNS } from '../ingest/feeds/practice-snapshot.ts';
import { POMI_COLUMNS } from '../ingest/feeds/pomi.ts';
import { loadCatalogue } from '../metrics/catalogue.ts';
import { getRefreshRuns } from '../query/refresh-history.ts';
import { Warehouse } from '../warehouse/db.ts';
import { migrate } from '../warehouse/migrate.ts';
import { classifyInboxFile } from './inbox-kind.ts';
import { RefreshService, type RefreshOptions } from './refresh.ts';
import { WarehouseQueries } from './warehouse-queries.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'refresh-test-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const clock = fixedClock('2026-11-21T12:00:00Z');
const catalogue = loadCatalogue();
const PRACTICES = ['A81001', 'A81002', 'B82005'];

const MAP_HEADER =
  'PUBLICATION,EXTRACT_DATE,PRACTICE_CODE,PRACTICE_NAME,PRACTICE_POSTCODE,PCN_CODE,PCN_NAME,ONS_SUB_ICB_LOCATION_CODE,' +
  'SUB_ICB_LOCATION_CODE,SUB_ICB_LOCATION_NAME,ONS_ICB_CODE,ICB_CODE,ICB_NAME,ONS_COMM_REGION_CODE,COMM_REGION_CODE,' +
  'COMM_REGION_NAME,SUPPLIER_NAME';
const practiceMap = () =>
  [
    MAP_HEADER,
    ...PRACTICES.map(
      (p, i) =>
        `GP_PRAC_PAT_LIST,01Aug2026,${p},PRACTICE ${i},TS18 1HU,U0000${i},PCN ${i},E38000247,16C,Sub-ICB 16C,E54000050,QHM,` +
        'North East ICB,E40000012,Y63,North East and Yorkshire,TPP',
    ),
  ].join('\n') + '\n';

const EVENT_HEADER =
  'event_id,event_time,event_type,session_id,user_id,practice_code,identity_level,channel,record_type';
function events(prefix: string, first: string, n: number, stepMinutes = 420): string {
  const start = Date.parse(`${first}T08:00:00Z`);
  const rows = Array.from({ length: n }, (_, i) => {
    const time = new Date(start + i * stepMinutes * 60_000).toISOString();
    const type = i % 5 === 0 ? 'registration' : 'login';
    return `${prefix}${i},${time},${type},s${i},u${i % 37},${PRACTICES[i % 3]},P9,ios,`;
  });
  return [EVENT_HEADER, ...rows].join('\n') + '\n';
}
const days = (first: string, n: number) =>
  Array.from({ length: n }, (_, i) =>
    new Date(Date.parse(`${first}T00:00:00Z`) + i * 86_400_000).toISOString().slice(0, 10),
  );
const snapshot = () =>
  [
    SNAPSHOT_COLUMNS.join(','),
    ...days('2026-08-03', 7).flatMap((d) =>
      PRACTICES.map((p, i) => [d, p, ...SNAPSHOT_COLUMNS.slice(2).map((_, j) => i + j + 1)].join(',')),
    ),
  ].join('\n') + '\n';
const partners = () =>
  [
    'Date,OdsCode,Provider,JumpOff,Clicks',
    ...days('2026-08-03', 7).map((d, i) => `${d},A81001,Patients Know Best,messages,${10 + i}`),
  ].join('\n') + '\n';
const downloads = () =>
  ['Date,Type,Count', ...days('2026-08-03', 7).flatMap((d) => [`${d},Apple,10`, `${d},Google,5`])].join(
    '\n',
  ) + '\n';
const pomi = () => {
  const lines = [POMI_COLUMNS.join(',')];
  let id = 1;
  for (const p of PRACTICES)
    for (const [j, field] of ['Pat_Appts_Use', 'Total_Pat_Enbld', 'patient_list_size'].entries())
      lines.push(
        [
          '2026-08-31',
          'Y63',
          'Y63',
          '16C',
          p,
          'TPP',
          field,
          100 + j,
          '2026-08-31 00:00:00',
          'v1',
          'monthly',
          id++,
          9001,
        ].join(','),
      );
  return lines.join('\n') + '\n';
};
const MI_CSV = path.resolve(
  import.meta.dirname,
  '../../data/reference/nhs-app/nhs-app-mi_national_monthly_2025-03_to_2025-08.csv',
);

interface Rig {
  dir: string;
  inbox: string;
  db: Warehouse;
  app: FastifyInstance;
  service: RefreshService;
  log: string[];
  drop(name: string, content: string | Buffer, ageSeconds?: number): string;
}
const rigs: Rig[] = [];
afterEach(async () => {
  for (const r of rigs.splice(0)) {
    await r.app.close();
    r.db.close();
  }
});

async function rig(
  opts: {
    sleep?: (ms: number) => Promise<void>;
    beforeBuild?: () => Promise<void>;
    minAgeMs?: number;
    publish?: RefreshOptions['publish'];
    afterRun?: RefreshOptions['afterRun'];
  } = {},
): Promise<Rig> {
  const dir = fs.mkdtempSync(path.join(root, 'rig-'));
  const inbox = path.join(dir, 'inbox');
  const db = await Warehouse.open(path.join(dir, 'warehouse.duckdb'), { memoryLimit: '1GB', threads: 2 });
  await migrate(db);
  const log: string[] = [];
  const config = loadConfig({ DATA_DIR: dir });
  const service = new RefreshService({
    db,
    inboxDir: inbox,
    schedule: config.refreshSchedule,
    log: (m) => log.push(m),
    clock,
    settleMs: 0,
    minAgeMs: opts.minAgeMs ?? 1000,
    pollMs: 100,
    sleep: opts.sleep ?? (async () => undefined),
    ...(opts.beforeBuild ? { beforeBuild: opts.beforeBuild } : {}),
    ...(opts.publish ? { publish: opts.publish } : {}),
    ...(opts.afterRun ? { afterRun: opts.afterRun } : {}),
  });
  const app = await buildApp({
    db,
    config,
    clock,
    queries: new WarehouseQueries(db, catalogue),
    catalogue,
    refresh: service,
  });
  await app.ready();
  await service.start();
  const drop = (name: string, content: string | Buffer, ageSeconds = 60) => {
    fs.mkdirSync(inbox, { recursive: true });
    const file = path.join(inbox, name);
    fs.writeFileSync(file, content);
    const t = new Date(Date.now() - ageSeconds * 1000);
    fs.utimesSync(file, t, t);
    return file;
  };
  const r = { dir, inbox, db, app, service, log, drop };
  rigs.push(r);
  return r;
}

const dataVersion = async (db: Warehouse) =>
  Number(await db.scalar<string>("SELECT value FROM warehouse_meta WHERE key = 'data_version'"));
const englandLogins = async (db: Warehouse) =>
  Number(
    (await db.scalar<number>(
      "SELECT sum(value) FROM metric_value WHERE metric_id = 'logins' AND grain = 'month' AND area_level = 'england' AND structure = 'current'",
    )) ?? 0,
  );
const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
const ls = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir).sort() : []);

describe('classifyInboxFile', () => {
  it('recognises every kind from its delivery name, and rejects a name it cannot place', () => {
    const kinds = Object.fromEntries(
      [
        'nhs_app_table_snapshot_2026_08_09.csv',
        'WeeklyIntegratedPartners_NHSApp_Counts_20260809.csv.gz',
        'WeeklyDownloads_NHSApp_Counts_20260809.csv',
        'MonthlyDownloads_NHSApp_Counts_202608.csv',
        'POMI_AUG2026.csv',
        'nhs-app-mi_august-2025.xlsx',
        'NHS App Management Information - August 2025.xlsx',
        'gp-reg-pat-prac-map.csv',
        'gp-reg-pat-prac-all.csv.gz',
        'events-2026-08.csv',
        'events.jsonl.gz',
        'events.ndjson',
        'events.parquet',
      ].map((n) => [n, classifyInboxFile(n).kind]),
    );
    expect(kinds).toEqual({
      'nhs_app_table_snapshot_2026_08_09.csv': 'practice-snapshot',
      'WeeklyIntegratedPartners_NHSApp_Counts_20260809.csv.gz': 'integrated-partners',
      'WeeklyDownloads_NHSApp_Counts_20260809.csv': 'downloads',
      'MonthlyDownloads_NHSApp_Counts_202608.csv': 'downloads',
      'POMI_AUG2026.csv': 'pomi',
      'nhs-app-mi_august-2025.xlsx': 'mi-publication',
      'NHS App Management Information - August 2025.xlsx': 'mi-publication',
      'gp-reg-pat-prac-map.csv': 'reference',
      'gp-reg-pat-prac-all.csv.gz': 'reference',
      'events-2026-08.csv': 'events',
      'events.jsonl.gz': 'events',
      'events.ndjson': 'events',
      'events.parquet': 'events',
    });
    expect(classifyInboxFile('notes.docx')).toMatchObject({
      kind: null,
      reason: expect.stringMatching(/does not say what it is/),
    });
    expect(classifyInboxFile('budget.xlsx')).toMatchObject({
      kind: null,
      reason: expect.stringMatching(/Management Information/),
    });
    expect(classifyInboxFile('POMI_AUG2026.txt')).toMatchObject({ kind: null });
  });
});

describe('the refresh', () => {
  it('loads a file of each kind from the inbox, moves it to loaded/, builds, and records the run', async () => {
    const r = await rig();
    const before = (await dataVersion(r.db)) || 0;
    r.drop('gp-reg-pat-prac-map.csv', practiceMap());
    r.drop('events-2026-08.csv', events('a', '2026-08-03', 300));
    r.drop('nhs_app_table_snapshot_2026_08_09.csv', snapshot());
    r.drop('WeeklyIntegratedPartners_NHSApp_Counts_20260809.csv', partners());
    r.drop('WeeklyDownloads_NHSApp_Counts_20260809.csv', downloads());
    r.drop('POMI_AUG2026.csv', pomi());
    r.drop(path.basename(MI_CSV), fs.readFileSync(MI_CSV));
    const summary = await r.service.runNow('admin');
    expect(summary.error).toBeNull();
    expect(summary.files.filter((f) => f.outcome !== 'loaded')).toEqual([]);
    expect(summary.status).toBe('succeeded');
    expect(summary.files.map((f) => [f.name, f.kind, f.outcome])).toEqual([
      ['gp-reg-pat-prac-map.csv', 'reference', 'loaded'],
      ['events-2026-08.csv', 'events', 'loaded'],
      ['nhs_app_table_snapshot_2026_08_09.csv', 'practice-snapshot', 'loaded'],
      ['WeeklyIntegratedPartners_NHSApp_Counts_20260809.csv', 'integrated-partners', 'loaded'],
      ['WeeklyDownloads_NHSApp_Counts_20260809.csv', 'downloads', 'loaded'],
      ['POMI_AUG2026.csv', 'pomi', 'loaded'],
      [path.basename(MI_CSV), 'mi-publication', 'loaded'],
    ]);
    expect(summary.files.every((f) => f.rowsLoaded > 0)).toBe(true);
    expect(ls(r.inbox)).toEqual(['loaded', 'rejected']);
    expect(ls(path.join(r.inbox, 'loaded'))).toHaveLength(7);
    // Figures now exist and the data version moved.
    expect(await englandLogins(r.db)).toBe(240); // 300 events, one in five a registration
    expect(await dataVersion(r.db)).toBeGreaterThan(before);
    for (const t of [
      'feed_practice_daily',
      'feed_partner_daily',
      'feed_downloads_daily',
      'feed_pomi',
      'mi_published',
    ])
      expect(await r.db.scalar<number>(`SELECT count(*) FROM ${t}`), t).toBeGreaterThan(0);
    // The history: one run with its files, rows, build and periods.
    const [run] = await getRefreshRuns(r.db, 5);
    expect(run).toMatchObject({
      trigger: 'admin',
      status: 'succeeded',
      filesLoaded: 7,
      rowsLoaded: summary.rowsLoaded,
      buildKind: 'full',
      dataVersion: await dataVersion(r.db),
    });
    expect(run!.files).toHaveLength(7);
    expect(run!.firstPeriod).not.toBeNull();
    expect(run!.finishedAt).not.toBeNull();
  });

  it('moves a bad file to rejected/ with its reasons; the rest of the run goes on and the figures ignore it', async () => {
    const r = await rig();
    r.drop('gp-reg-pat-prac-map.csv', practiceMap());
    r.drop('events-a.csv', events('a', '2026-08-03', 100));
    await r.service.runNow('schedule');
    const logins = await englandLogins(r.db);
    const version = await dataVersion(r.db);
    // Every row wrong: an unknown event type → refused whole.
    r.drop(
      'events-bad.csv',
      events('x', '2026-09-01', 50).replaceAll(',login,', ',logon,').replaceAll(',registration,', ',signup,'),
    );
    r.drop('report.docx', 'not data');
    r.drop('events-b.csv', events('b', '2026-09-07', 50));
    const s = await r.service.runNow('schedule');
    expect(s.status).toBe('files-rejected');
    expect(Object.fromEntries(s.files.map((f) => [f.name, f.outcome]))).toEqual({
      'report.docx': 'rejected',
      'events-b.csv': 'loaded',
      'events-bad.csv': 'rejected',
    });
    expect(ls(path.join(r.inbox, 'rejected'))).toEqual([
      'events-bad.csv',
      'events-bad.csv.reasons.txt',
      'report.docx',
      'report.docx.reasons.txt',
    ]);
    const reasons = fs.readFileSync(path.join(r.inbox, 'rejected', 'events-bad.csv.reasons.txt'), 'utf8');
    expect(reasons.split('\n')[0]).toBe('file,line,field,reason');
    expect(reasons).toMatch(
      /^events-bad\.csv,,,"50 of 50 rows rejected .*line 2, field event_type: ""signup"" is not a known event type"$/m,
    );
    expect(fs.readFileSync(path.join(r.inbox, 'rejected', 'report.docx.reasons.txt'), 'utf8')).toMatch(
      /report\.docx,,,"?the file name does not say what it is/,
    );
    // Only the good file reached the figures.
    expect(await englandLogins(r.db)).toBe(logins + 40);
    expect(await dataVersion(r.db)).toBe(version + 1);
    const bad = (await getRefreshRuns(r.db, 1))[0]!.files.find((f) => f.name === 'events-bad.csv')!;
    expect(bad).toMatchObject({ outcome: 'rejected', movedTo: 'rejected/events-bad.csv' });
    expect(bad.reason).toMatch(/line 2, field event_type: "signup" is not a known event type/);
    // About shows what failed: the file, line and reason.
    const about = await r.app.inject('/about');
    expect(about.statusCode).toBe(200);
    expect(about.body).toContain('id="refresh-problem"');
    expect(about.body).toMatch(/events-bad\.csv<\/strong> was not loaded: .*line 2, field event_type/);
    expect(about.body).toMatch(
      /report\.docx<\/strong> was not loaded: the file name does not say what it is/,
    );
  });

  it('leaves a file that is still being written for the next run, and loads the same content once', async () => {
    let growing = '';
    const r = await rig({
      // Between the two looks, the writer appends to the file.
      sleep: async () => {
        if (growing) fs.appendFileSync(growing, 'b999,2026-09-08T08:00:00Z,login,s,u,A81001,P9,ios,\n');
      },
    });
    r.drop('gp-reg-pat-prac-map.csv', practiceMap());
    growing = r.drop('events-growing.csv', events('g', '2026-09-01', 20));
    r.drop('events-fresh.csv', events('f', '2026-09-01', 20), 0); // modified just now
    const first = await r.service.runNow('schedule');
    expect(Object.fromEntries(first.files.map((f) => [f.name, f.outcome]))).toEqual({
      'events-growing.csv': 'waiting',
      'events-fresh.csv': 'waiting',
      'gp-reg-pat-prac-map.csv': 'loaded',
    });
    expect(ls(r.inbox)).toEqual(['events-fresh.csv', 'events-growing.csv', 'loaded', 'rejected']);
    growing = '';
    const t = new Date(Date.now() - 60_000);
    fs.utimesSync(path.join(r.inbox, 'events-fresh.csv'), t, t);
    fs.utimesSync(path.join(r.inbox, 'events-growing.csv'), t, t);
    const second = await r.service.runNow('schedule');
    expect(second.files.map((f) => [f.name, f.outcome])).toEqual([
      ['events-fresh.csv', 'loaded'],
      ['events-growing.csv', 'loaded'],
    ]);
    const logins = await englandLogins(r.db);
    const version = await dataVersion(r.db);
    // The same content again, under another name: loaded once.
    r.drop('events-fresh-copy.csv', events('f', '2026-09-01', 20));
    const third = await r.service.runNow('schedule');
    expect(third.files).toMatchObject([
      {
        name: 'events-fresh-copy.csv',
        outcome: 'already-loaded',
        reason: expect.stringMatching(/^already loaded/),
      },
    ]);
    expect(ls(path.join(r.inbox, 'loaded'))).toContain('events-fresh-copy.csv');
    expect(third.build).toBeNull();
    expect(await englandLogins(r.db)).toBe(logins);
    expect(await dataVersion(r.db)).toBe(version);
  });

  it('publishes after a run that loaded or built, not after one that changed nothing, and again after a failed publish', async () => {
    const published: number[] = [];
    let failNext = false;
    const r = await rig({
      afterRun: async (_conn, summary) => {
        if (failNext) {
          failNext = false;
          throw new Error('disk full');
        }
        published.push(summary.runId);
      },
    });
    // An empty inbox: nothing to publish.
    const empty = await r.service.runNow('schedule');
    expect(published).toEqual([]);
    expect(r.log).toContain(`Refresh ${empty.runId} changed no figures: the published figures stay.`);
    // A reference file and events: loaded and built, so published.
    r.drop('gp-reg-pat-prac-map.csv', practiceMap());
    r.drop('events-1.csv', events('a', '2026-09-01', 20));
    const loaded = await r.service.runNow('schedule');
    expect(published).toEqual([loaded.runId]);
    // Only files that change nothing: one already loaded, one rejected whole, one still being written.
    r.drop('events-1-again.csv', events('a', '2026-09-01', 20));
    r.drop('events-bad.csv', `${EVENT_HEADER}\nx1,not a time,login,s,u,A81001,P9,ios,\n`);
    r.drop('events-fresh.csv', events('f', '2026-09-01', 5), 0);
    const idle = await r.service.runNow('schedule');
    expect(idle.files.map((f) => f.outcome).sort()).toEqual(['already-loaded', 'rejected', 'waiting']);
    expect(published).toEqual([loaded.runId]);
    // A publish that fails is owed: the next run publishes though it loads nothing.
    fs.rmSync(path.join(r.inbox, 'events-fresh.csv'));
    r.drop('events-2.csv', events('b', '2026-09-02', 20));
    failNext = true;
    const failed = await r.service.runNow('schedule');
    expect(failed.build).not.toBeNull();
    expect(published).toEqual([loaded.runId]);
    expect(
      r.log.some((l) =>
        l.startsWith(`Could not publish the figures after refresh ${failed.runId}: disk full`),
      ),
    ).toBe(true);
    const owed = await r.service.runNow('schedule');
    expect(owed.files).toEqual([]);
    expect(published).toEqual([loaded.runId, owed.runId]);
    await r.service.runNow('schedule');
    expect(published).toEqual([loaded.runId, owed.runId]);
  });

  it('keeps answering from the previous data while a refresh runs, then moves every ETag to the new data', async () => {
    // A gate the test closes to hold a run between its loads and its build.
    let gate: { reached: () => void; open: Promise<void> } | null = null;
    let reached!: Promise<void>;
    let release!: () => void;
    const closeGate = () => {
      let r1!: () => void;
      reached = new Promise<void>((res) => (r1 = res));
      gate = { reached: r1, open: new Promise<void>((res) => (release = res)) };
    };
    const r = await rig({
      beforeBuild: async () => {
        const g = gate;
        gate = null;
        if (!g) return;
        g.reached();
        await g.open;
      },
    });
    r.drop('gp-reg-pat-prac-map.csv', practiceMap());
    r.drop('events-a.csv', events('a', '2026-08-03', 3000, 40));
    await r.service.runNow('schedule');
    const URLS = [
      '/',
      '/about',
      '/api/v1/series?metric=logins',
      '/api/v1/summary?level=england&code=E92000001',
    ];
    const get = (url: string) => r.app.inject({ url });
    const baseline = await Promise.all(URLS.map(get));
    for (const [i, res] of baseline.entries()) expect(res.statusCode, URLS[i]).toBe(200);
    const oldTags = baseline.map((b) => b.headers.etag);
    const oldBodies = baseline.map((b) => b.body);
    const oldLogins = await englandLogins(r.db);

    // A big delivery; the run is held after its load, before its build.
    r.drop('events-b.csv', events('b', '2026-08-04', 60_000, 1));
    closeGate();
    const run = r.service.runNow('admin');
    await reached;
    expect(r.service.running()).toMatchObject({ trigger: 'admin' });
    // A second request while it runs is queued, a third joins it.
    expect(r.service.request('cli').status).toBe('queued');
    expect(r.service.request('schedule').status).toBe('already-queued');
    const timings: number[] = [];
    const timed = async (url: string) => {
      const t = performance.now();
      const res = await get(url);
      timings.push(performance.now() - t);
      return res;
    };
    for (let round = 0; round < 3; round++) {
      const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => timed(URLS[i % URLS.length]!)));
      for (const [i, res] of answers.entries()) {
        expect(res.statusCode).toBe(200);
        expect(res.headers.etag).toBe(oldTags[i % URLS.length]);
        expect(res.body).toBe(oldBodies[i % URLS.length]);
      }
    }
    // Released: requests keep answering 200 during the build itself.
    release();
    let done = false;
    void run.then(() => (done = true));
    let duringBuild = 0;
    while (!done) {
      const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => timed(URLS[i % URLS.length]!)));
      for (const res of answers) expect(res.statusCode).toBe(200);
      duringBuild += answers.length;
      // In-process requests answered from the cache never leave the microtask queue: let I/O (DuckDB's
      // completions) run between rounds, as sockets would.
      await new Promise((res) => setTimeout(res, 5));
    }
    const summary = await run;
    expect(summary.status).toBe('succeeded');
    expect(summary.build?.incremental).toBe(true);
    await r.service.idle(); // the queued run
    const after = await Promise.all(URLS.map(get));
    for (const [i, res] of after.entries()) {
      expect(res.statusCode).toBe(200);
      expect(res.headers.etag, URLS[i]).not.toBe(oldTags[i]);
    }
    expect(await englandLogins(r.db)).toBeGreaterThan(oldLogins);
    // A client holding an old tag gets the new data, not 304.
    const revalidated = await r.app.inject({ url: URLS[2]!, headers: { 'if-none-match': oldTags[2]! } });
    expect(revalidated.statusCode).toBe(200);
    timings.sort((a, b) => a - b);
    const p95 = timings[Math.floor(timings.length * 0.95)]!;
    console.log(
      `requests during the refresh: ${timings.length} (${duringBuild} during the build itself), all 200; ` +
        `p50 ${timings[Math.floor(timings.length / 2)]!.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms, max ${timings.at(-1)!.toFixed(1)} ms`,
    );
    const runs = await getRefreshRuns(r.db, 5);
    expect(runs.map((x) => x.trigger)).toEqual(['cli', 'admin', 'schedule']);
  });
});

describe('Refresh now', () => {
  async function session(r: Rig, role: 'admin' | 'viewer'): Promise<string> {
    const user = await store.insertUser(r.db, {
      email: `${role}@nhs.net`,
      role,
      now: new Date(),
      createdBy: 'test',
    });
    const id = randomToken();
    await store.insertSession(r.db, {
      sessionHash: hashToken(id),
      userId: user.userId,
      method: 'test',
      now: new Date(),
      expiresAt: new Date(Date.now() + 3600_000),
      userAgentClass: 'test',
    });
    return `nhsaa_session=${id}`;
  }
  const csrfOf = (res: LightMyRequestResponse) => /name="_csrf" value="([^"]+)"/.exec(res.body)![1]!;

  it('runs when an admin presses the button (form with CSRF) or calls the API with the X-CSRF-Token header', async () => {
    const r = await rig();
    r.drop('gp-reg-pat-prac-map.csv', practiceMap());
    r.drop('events-1.csv', events('a', '2026-09-01', 20));
    const cookie = await session(r, 'admin');
    const page = await r.app.inject({ url: '/admin/refresh', headers: { cookie } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('id="refresh-now"');
    expect(page.body).toContain(r.inbox);
    expect(text(page.body)).toContain('No figures have been built yet.');
    const csrf = csrfOf(page);
    const noCsrf = await r.app.inject({
      method: 'POST',
      url: '/admin/refresh',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: '',
    });
    expect(noCsrf.statusCode).toBe(403);
    expect(r.service.running()).toBeNull();
    const pressed = await r.app.inject({
      method: 'POST',
      url: '/admin/refresh',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: csrf }).toString(),
    });
    expect(pressed.statusCode).toBe(303);
    expect(pressed.headers.location).toBe('/admin/refresh?requested=started');
    await r.service.idle();
    const shown = await r.app.inject({ url: '/admin/refresh?requested=started', headers: { cookie } });
    expect(shown.body).toContain('A refresh has started');
    expect(shown.body).toMatch(/data-file="gp-reg-pat-prac-map.csv" data-outcome="loaded"/);
    // What users see now: the build the run made (the rig's clock), named by its data version.
    expect(text(shown.body)).toContain(
      `Pages and the API show the figures built on 21 November 2026 at 12:00pm (data version ${await dataVersion(r.db)})`,
    );
    const api = await r.app.inject({
      method: 'POST',
      url: '/api/v1/admin/refresh',
      headers: { cookie, 'x-csrf-token': csrf },
    });
    expect(api.statusCode).toBe(202);
    expect(api.json()).toMatchObject({ status: 'started', history: '/admin/refresh' });
    await r.service.idle();
    expect((await getRefreshRuns(r.db, 5)).map((x) => x.trigger)).toEqual(['admin', 'admin']);
    const audit = await r.db.scalar<number>(
      "SELECT count(*) FROM audit_log WHERE action = 'refresh.request'",
    );
    expect(audit).toBe(2);
  });

  it('refuses a viewer (403) and a visitor', async () => {
    const r = await rig();
    const cookie = await session(r, 'viewer');
    const page = await r.app.inject({ url: '/account', headers: { cookie } });
    const csrf = csrfOf(page);
    const form = await r.app.inject({
      method: 'POST',
      url: '/admin/refresh',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: csrf }).toString(),
    });
    expect(form.statusCode).toBe(403);
    const api = await r.app.inject({
      method: 'POST',
      url: '/api/v1/admin/refresh',
      headers: { cookie, 'x-csrf-token': csrf },
    });
    expect(api.statusCode).toBe(403);
    expect((await r.app.inject({ method: 'POST', url: '/api/v1/admin/refresh' })).statusCode).toBe(401);
    expect(r.service.running()).toBeNull();
    expect(await getRefreshRuns(r.db, 5)).toEqual([]);
  });

  it("takes the CLI's .publish-YYYY-MM, publishing only once the refresh in progress has ended, and answers", async () => {
    // The order of events: the refresh held between its load and its build, the publish asked meanwhile.
    const order: string[] = [];
    let hold!: () => void;
    const held = new Promise<void>((res) => (hold = res));
    let reached!: () => void;
    const atBuild = new Promise<void>((res) => (reached = res));
    const r = await rig({
      beforeBuild: async () => {
        reached();
        await held;
        order.push('refresh built');
      },
      publish: async (conn, month) => {
        // The publish sees what the refresh committed (its own connection, after the run).
        const logins = Number(await conn.scalar('SELECT count(*) FROM activity_event'));
        order.push(`publish ${month} after ${logins} events`);
        return { releaseId: `${month}-1`, files: [], notes: [], measures: [], icbRows: 0 };
      },
    });
    r.drop('gp-reg-pat-prac-map.csv', practiceMap());
    r.drop('events-a.csv', events('a', '2026-08-03', 300, 4));
    const run = r.service.runNow('admin');
    await atBuild;
    fs.writeFileSync(path.join(r.inbox, '.publish-2026-08'), 'now\n');
    const answer = path.join(r.inbox, '.publish-2026-08.result.json');
    // Taken from the inbox, but not run while the refresh holds the warehouse.
    const deadline = Date.now() + 10_000;
    while (fs.existsSync(path.join(r.inbox, '.publish-2026-08')) && Date.now() < deadline)
      await new Promise((res) => setTimeout(res, 20));
    expect(fs.existsSync(path.join(r.inbox, '.publish-2026-08'))).toBe(false);
    await new Promise((res) => setTimeout(res, 300));
    expect(order).toEqual([]);
    expect(fs.existsSync(answer)).toBe(false);
    hold();
    await run;
    while (!fs.existsSync(answer) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 20));
    expect(order).toEqual(['refresh built', 'publish 2026-08 after 300 events']);
    expect(JSON.parse(fs.readFileSync(answer, 'utf8'))).toEqual({
      ok: true,
      month: '2026-08',
      releaseId: '2026-08-1',
      files: [],
      notes: [],
      measures: [],
      icbRows: 0,
    });
    // The request file is never loaded as data, nor is the answer.
    expect(ls(path.join(r.inbox, 'rejected'))).toEqual([]);
  });

  it('runs when the CLI drops .refresh-now into the inbox', async () => {
    const r = await rig();
    r.drop('gp-reg-pat-prac-map.csv', practiceMap());
    fs.writeFileSync(path.join(r.inbox, '.refresh-now'), 'now\n');
    const deadline = Date.now() + 10_000;
    while ((await getRefreshRuns(r.db, 1)).length === 0 && Date.now() < deadline)
      await new Promise((res) => setTimeout(res, 50));
    await r.service.idle();
    const [run] = await getRefreshRuns(r.db, 1);
    expect(run).toMatchObject({ trigger: 'cli', status: 'succeeded', filesLoaded: 1 });
    expect(fs.existsSync(path.join(r.inbox, '.refresh-now'))).toBe(false);
  });
});

describe('REFRESH_SCHEDULE', () => {
  it('defaults to Wednesdays at 07:30 and refuses a bad expression with a clear configuration error', () => {
    expect(loadConfig({}).refreshSchedule).toBe('30 7 * * 3');
    expect(loadConfig({ REFRESH_SCHEDULE: '0 6  * * 1-5' }).refreshSchedule).toBe('0 6 * * 1-5');
    for (const [bad, message] of [
      ['61 7 * * 3', /REFRESH_SCHEDULE is not a valid cron expression \(.*minute.*\).*"61 7 \* \* 3"/],
      ['30 7 * * 8', /not a valid cron expression/],
      ['every wednesday', /five fields/],
      ['30 7 * *', /five fields/],
      ['0 0 31 2 *', /never runs/],
    ] as const) {
      expect(() => loadConfig({ REFRESH_SCHEDULE: bad }), bad).toThrow(ConfigError);
      expect(() => loadConfig({ REFRESH_SCHEDULE: bad }), bad).toThrow(message);
    }
  });
});
