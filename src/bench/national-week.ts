import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../config.ts';
import { initialise, openWarehouse } from '../app/bootstrap.ts';
import { fixedClock } from '../domain/clock.ts';
import { ingestEventFile } from '../ingest/events.ts';
import { buildableMetrics, buildMetrics } from '../metrics/build.ts';
import { loadCatalogue } from '../metrics/catalogue.ts';
import { metricSelectorRows } from '../metrics/selectors.ts';
import { sqlLiteral } from '../warehouse/sql.ts';
import type { Warehouse } from '../warehouse/db.ts';
import { listValue } from '@duckdb/node-api';
import { gib, sampleMemory } from './memory.ts';
import { extrapolate, growthExponent, type Point } from './scaling.ts';
import type { Measurement } from './targets.ts';
import * as buildSql from '../warehouse/sql/build.ts';

/**
 * The national week (issue 15.2): a warehouse holding a year of national-scale per-user monthly state
 * (`user_month`, synthesised with SQL rather than built from a year of events), then one national-scale week
 * ingested and built incrementally, with the time and peak memory of each step, against the targets (the
 * weekly refresh within 5 minutes and 8 GB on 2 cores).
 *
 * The week is the first of a month (Monday 1 June 2026), so the build's window (the week and its month) holds
 * just that week's events. A later week of a month also re-reads the month's earlier weeks for month-to-date
 * users: up to four weeks of events in the month's last week.
 *
 * Several points in one run (`--scale 0.05,0.1 --threads 1,2`): each scale's warehouse and week are made once,
 * then copied for each thread count, whose refresh (ingest and build) runs on the copy; the scaling table, how
 * the refresh grows with events and with cores, and the extrapolation to the national week follow.
 */
export interface NationalWeekOptions {
  /** One point per entry: accounts (users with a key and monthly state) and events in the week. */
  points: { accounts: number; events: number }[];
  /** DuckDB threads, one refresh per entry and point; undefined: DuckDB's default (every core). */
  threads: (number | undefined)[];
  memoryLimit: string;
}

export const NATIONAL_ACCOUNTS = 40_000_000;
export const NATIONAL_WEEK_EVENTS = 35_000_000;
const WEEK_START = '2026-06-01';
const FIRST_MONTH = '2025-06-01';
/** The cores the target is stated for. */
const TARGET_THREADS = 2;
/** One account in this many is active in a month: for logins, and for every other selector. */
const LOGIN_STRIDE = 2;
const OTHER_STRIDE = 25;

/** Event types of the synthetic week, with their share (‰) of events. */
const WEEK_MIX: [type: string, perMille: number][] = [
  ['login', 550],
  ['prescription_ordered', 80],
  ['record_viewed', 100],
  ['appointment_booked', 40],
  ['appointment_cancelled', 10],
  ['jump_off', 100],
  ['health_a_z_visit', 50],
  ['nhs111_visit', 30],
  ['registration', 20],
  ['organ_donation_lookup', 10],
  ['nominated_pharmacy_changed', 10],
];

/** A SQL CASE picking an event type from a number 0–999 by the mix above (fixed identifiers only). */
function typeCase(expr: string): string {
  let acc = 0;
  const arms = WEEK_MIX.map(([type, share]) => {
    if (!/^[a-z0-9_]+$/.test(type)) throw new Error(`bad event type ${type}`);
    acc += share;
    return `WHEN ${expr} < ${acc} THEN '${type}'`;
  });
  return `CASE ${arms.join(' ')} ELSE 'login' END`;
}

interface Step {
  run: string;
  name: string;
  seconds: number;
  cpu: number;
  rss: number;
  duckdb: number | null;
  refresh: boolean;
}

interface RunResult {
  threads: number;
  accounts: number;
  events: number;
  stateRows: number;
  ingest: Step;
  build: Step;
  buildSteps: string;
  seconds: number;
  cpu: number;
  rss: number;
  duckdb: number | null;
}

/** Points at a fraction of the national week: accounts and events scaled alike. */
export function nationalWeekPoints(scales: number[]): NationalWeekOptions['points'] {
  return scales.map((s) => ({
    accounts: Math.round(NATIONAL_ACCOUNTS * s),
    events: Math.round(NATIONAL_WEEK_EVENTS * s),
  }));
}

/** A year of per-user monthly state and the rolling state of May in `db`, and the week's events as Parquet. */
async function synthesise(
  db: Warehouse,
  accounts: number,
  events: number,
  weekFile: string,
  timed: <T>(name: string, refresh: boolean, fn: () => Promise<T>) => Promise<T>,
): Promise<void> {
  const metrics = buildableMetrics(loadCatalogue());
  // A year of per-user monthly state, synthesised: every account has a key and a practice; in each month
  // half of them log in, and a few per cent use each other service.
  const sigs = [
    ...new Map(
      metricSelectorRows(metrics)
        .filter((s) => s.kind !== 'count')
        .map((s) => [s.sig, s.eventType === 'login' && s.identityLevel === null]),
    ),
  ];
  await timed('synthesise a year of per-user monthly state (setup)', false, async () => {
    await db.run(buildSql.upsertAreaDim);
    await db.run(`CREATE TEMP TABLE syn_practice AS
      SELECT CAST(row_number() OVER (ORDER BY d.area_code) - 1 AS INTEGER) AS i, d.area_key, d.area_code
      FROM area_dim d WHERE d.area_level = 'practice' AND d.area_code IN (SELECT practice_code FROM practice_map)`);
    const practices = (await db.scalar<number>('SELECT count(*) FROM syn_practice'))!;
    await db.run(
      `INSERT INTO user_dim SELECT CAST(i AS INTEGER), 'u' || i FROM range(1, $1::BIGINT + 1) t(i)`,
      [accounts],
    );
    // In month k, one account in `stride` is active for a selector (every other one for logins), picked by
    // arithmetic rather than by testing every account, so that setup stays quick at national scale.
    for (const [index, [sig, isLogin]] of sigs.entries()) {
      const stride = isLogin ? LOGIN_STRIDE : OTHER_STRIDE;
      await db.run(
        `INSERT INTO user_month
         SELECT $1, CAST($3::DATE + to_months(CAST(m.k AS INTEGER)) AS DATE), x.u, p.area_key,
                CAST($3::DATE + to_months(CAST(m.k AS INTEGER)) AS DATE) + CAST(hash(x.u, m.k) % 28 AS INTEGER)
         FROM range(0, 12) m(k)
         CROSS JOIN LATERAL (
           SELECT CAST($5 * r.j + (m.k * 7 + $6) % $5 + 1 AS BIGINT) AS u FROM range(0, $2::BIGINT // $5 + 1) r(j)
         ) x
         JOIN syn_practice p ON p.i = hash(x.u) % $4
         WHERE x.u <= $2`,
        [sig, accounts, FIRST_MONTH, practices, stride, index * 3],
      );
    }
    // The rolling 12-month state a build of May would have stored (ADR 0034): each user's most recent month
    // of the year to May, for the unique-12-month selectors.
    const sigs12 = [
      ...new Set(
        metricSelectorRows(metrics)
          .filter((s) => s.kind === 'unique_12m')
          .map((s) => s.sig),
      ),
    ];
    await db.run(
      `INSERT INTO user_12m
       SELECT DATE '2026-05-01', sig, user_id, max(month), arg_max(practice_key, month), arg_max(attr_date, month)
       FROM user_month WHERE list_contains($1, sig) AND month <= DATE '2026-05-01'
       GROUP BY sig, user_id`,
      [listValue(sigs12)],
    );
    await db.run('CHECKPOINT');
  });

  // The week's events, as one Parquet file: users mostly among the accounts (2 % new), at their practice.
  await timed('write the week as Parquet (setup)', false, async () => {
    const practices = (await db.scalar<number>('SELECT count(*) FROM syn_practice'))!;
    await db.run(`CREATE TEMP TABLE syn_pcode AS SELECT i, area_code FROM syn_practice`);
    await db.run(
      `COPY (
         WITH e AS (
           SELECT i, hash(i, 1) % 1000 AS t,
                  CASE WHEN hash(i, 2) % 100 < 2 THEN -1 - CAST(hash(i, 3) % ($2::BIGINT // 50 + 1) AS BIGINT)
                       ELSE 1 + CAST(hash(i, 3) % $2::BIGINT AS BIGINT) END AS u
           FROM range(0, $1::BIGINT) r(i)
         )
         SELECT 'w' || e.i AS event_id,
                CAST($3::TIMESTAMPTZ + to_microseconds(CAST(hash(e.i, 4) % 604800000000 AS BIGINT)) AS TIMESTAMPTZ) AS event_time,
                ${typeCase('e.t')} AS event_type,
                's' || (e.i // 3) AS session_id,
                CASE WHEN e.u > 0 THEN 'u' || e.u ELSE 'n' || (-e.u) END AS user_id,
                p.area_code AS practice_code,
                CASE WHEN hash(e.i, 5) % 10 = 0 AND ${typeCase('e.t')} NOT IN ('registration') THEN 'P5' ELSE 'P9' END AS identity_level,
                CASE hash(e.i, 6) % 3 WHEN 0 THEN 'ios' WHEN 1 THEN 'android' ELSE 'web' END AS channel,
                CASE WHEN ${typeCase('e.t')} = 'registration' THEN 'IDVM' END AS p9_route,
                CASE WHEN ${typeCase('e.t')} = 'record_viewed' THEN 'summary' END AS record_type,
                CASE WHEN ${typeCase('e.t')} = 'jump_off' THEN 'Provider ' || hash(e.i, 7) % 5 END AS provider,
                CASE WHEN ${typeCase('e.t')} = 'jump_off' THEN 'messages' END AS service
         FROM e JOIN syn_pcode p ON p.i = hash(abs(e.u)) % $4
       ) TO ${sqlLiteral(weekFile)} (FORMAT parquet)`,
      [events, accounts, `${WEEK_START} 00:00:00+01`, practices],
    );
    await db.run('DROP TABLE syn_pcode');
    await db.run('DROP TABLE syn_practice');
  });
}

export async function runNationalWeekBench(opts: NationalWeekOptions): Promise<Measurement[]> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'nhs-app-national-week-'));
  const steps: Step[] = [];
  const results: RunResult[] = [];
  const clock = fixedClock('2026-06-09T12:00:00Z');
  const catalogue = loadCatalogue();
  const open = async (dir: string, threads: number | undefined) => {
    const config = loadConfig({
      DATA_DIR: dir,
      DUCKDB_MEMORY_LIMIT: opts.memoryLimit,
      ...(threads ? { DUCKDB_THREADS: String(threads) } : {}),
    });
    const db = await openWarehouse(config);
    await initialise(db, () => undefined);
    return db;
  };
  const points = [...opts.points].sort((a, b) => a.events - b.events);
  console.log(
    `National week: ${points.length} scale(s) × ${opts.threads.length} thread count(s), DuckDB memory limit ${opts.memoryLimit}, ${os.cpus().length} cores`,
  );
  try {
    for (const [i, point] of points.entries()) {
      const accounts = Math.round(point.accounts);
      const events = Math.round(point.events);
      const label = `${n(accounts)} accounts, ${n(events)} events`;
      console.log(`\n${label}: setup`);
      const setupDir = path.join(root, `setup-${i}`);
      const weekFile = path.join(root, `week-${i}.parquet`);
      let db = await open(setupDir, undefined);
      let run = `${label} (setup)`;
      const timed = async <T>(name: string, refresh: boolean, fn: () => Promise<T>): Promise<T> => {
        const memory = await sampleMemory(db);
        const cpu = process.cpuUsage();
        const started = process.hrtime.bigint();
        const result = await fn();
        const used = process.cpuUsage(cpu);
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        const peak = await memory.stop();
        steps.push({ run, name, seconds, cpu: (used.user + used.system) / 1e6, ...peak, refresh });
        console.log(`  ${name}: ${seconds.toFixed(1)} s`);
        return result;
      };
      await synthesise(db, accounts, events, weekFile, timed);
      const stateRows = (await db.scalar<number>('SELECT count(*) FROM user_month'))!;
      db.close();
      // Each thread count refreshes a copy of the same warehouse, with the same week.
      for (const wanted of opts.threads) {
        const runDir = path.join(root, `run-${i}-${wanted ?? 'default'}`);
        fs.cpSync(setupDir, runDir, { recursive: true });
        db = await open(runDir, wanted);
        const threads = Number(await db.scalar<number>("SELECT current_setting('threads')"));
        run = `${label}, ${plural(threads, 'thread')}`;
        console.log(`${run}: refresh`);
        const loaded = await timed('ingest the week from Parquet (validate, dedupe, user keys)', true, () =>
          ingestEventFile(db, weekFile, { now: clock.now() }),
        );
        const ingest = steps[steps.length - 1]!;
        const build = await timed(
          'incremental build of the week (every metric, level, structure)',
          true,
          () =>
            buildMetrics(db, catalogue, clock, { from: loaded.firstEventDate!, to: loaded.lastEventDate! }),
        );
        const built = steps[steps.length - 1]!;
        db.close();
        fs.rmSync(runDir, { recursive: true, force: true });
        const duckdbs = [ingest.duckdb, built.duckdb].filter((d): d is number => d !== null);
        results.push({
          threads,
          accounts,
          events: loaded.rowsLoaded,
          stateRows,
          ingest,
          build: built,
          buildSteps: build.steps.map((st) => `${st.name} ${(st.cpuMillis / 1000).toFixed(2)}`).join(', '),
          seconds: ingest.seconds + built.seconds,
          cpu: ingest.cpu + built.cpu,
          rss: Math.max(ingest.rss, built.rss),
          duckdb: duckdbs.length > 0 ? Math.max(...duckdbs) : null,
        });
      }
      fs.rmSync(setupDir, { recursive: true, force: true });
    }
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
  return report(steps, results, opts.memoryLimit);
}

const n = (x: number) => x.toLocaleString('en-GB');
const plural = (k: number, word: string) => `${k} ${word}${k === 1 ? '' : 's'}`;

function report(steps: Step[], results: RunResult[], memoryLimit: string): Measurement[] {
  console.log(
    `\nNational week, every step (peak RSS: the process's resident set, which after the first point may include ` +
      `memory the allocator kept from earlier ones; DuckDB: its buffer manager, per warehouse):\n`,
  );
  console.log(
    `${'run'.padEnd(44)} ${'step'.padEnd(62)} ${'wall s'.padStart(7)} ${'cpu s'.padStart(7)} ${'peak RSS'.padStart(10)} ${'DuckDB'.padStart(10)}`,
  );
  for (const s of steps) {
    console.log(
      `${s.run.padEnd(44)} ${s.name.padEnd(62)} ${s.seconds.toFixed(1).padStart(7)} ${s.cpu.toFixed(1).padStart(7)} ${gib(s.rss).padStart(10)} ${gib(s.duckdb).padStart(10)}`,
    );
  }
  console.log('\nBuild steps (cpu s):');
  for (const r of results)
    console.log(`  ${plural(r.threads, 'thread')}, ${n(r.events)} events: ${r.buildSteps}`);

  console.log(`\nScaling (the refresh: ingest + incremental build; DuckDB memory limit ${memoryLimit}):\n`);
  console.log(
    `${'threads'.padStart(7)} ${'accounts'.padStart(12)} ${'state rows'.padStart(13)} ${'events'.padStart(12)} ${'ingest s'.padStart(9)} ${'build s'.padStart(8)} ${'refresh s'.padStart(10)} ${'cpu s'.padStart(7)} ${'peak RSS'.padStart(10)} ${'DuckDB'.padStart(10)}`,
  );
  for (const r of results) {
    console.log(
      `${String(r.threads).padStart(7)} ${n(r.accounts).padStart(12)} ${n(r.stateRows).padStart(13)} ${n(r.events).padStart(12)} ${r.ingest.seconds.toFixed(1).padStart(9)} ${r.build.seconds.toFixed(1).padStart(8)} ${r.seconds.toFixed(1).padStart(10)} ${r.cpu.toFixed(1).padStart(7)} ${gib(r.rss).padStart(10)} ${gib(r.duckdb).padStart(10)}`,
    );
  }
  const threadCounts = [...new Set(results.map((r) => r.threads))].sort((a, b) => a - b);
  const eventScales = [...new Set(results.map((r) => r.events))].sort((a, b) => a - b);

  // With events, at each thread count: the growth exponent between the smallest and largest point.
  console.log('');
  for (const t of threadCounts) {
    const at = results.filter((r) => r.threads === t).sort((a, b) => a.events - b.events);
    if (at.length < 2) continue;
    const [a, b] = [at[0]!, at[at.length - 1]!];
    const k = growthExponent({ x: a.events, y: a.seconds }, { x: b.events, y: b.seconds });
    console.log(
      `with events (${plural(t, 'thread')}): ×${(b.events / a.events).toFixed(2)} events → ×${(b.seconds / a.seconds).toFixed(2)} time, ` +
        `×${(b.rss / a.rss).toFixed(2)} peak RSS (time ∝ events^${k.toFixed(2)})`,
    );
  }
  // With cores, at each scale: the speed-up from the fewest threads to the most.
  for (const e of eventScales) {
    const at = results.filter((r) => r.events === e).sort((a, b) => a.threads - b.threads);
    if (at.length < 2) continue;
    const [a, b] = [at[0]!, at[at.length - 1]!];
    console.log(
      `with cores (${n(e)} events): ${a.threads} → ${b.threads} threads: speed-up ${(a.seconds / b.seconds).toFixed(2)}× ` +
        `(ingest ${(a.ingest.seconds / b.ingest.seconds).toFixed(2)}×, build ${(a.build.seconds / b.build.seconds).toFixed(2)}×; ` +
        `cpu ${a.cpu.toFixed(1)} → ${b.cpu.toFixed(1)} s)`,
    );
  }

  // The national week on 2 cores, from the points at 2 threads (or the nearest count measured).
  const t = threadCounts.reduce((best, c) =>
    Math.abs(c - TARGET_THREADS) < Math.abs(best - TARGET_THREADS) ? c : best,
  );
  const at = results.filter((r) => r.threads === t);
  const time = extrapolate(
    at.map((r) => ({ x: r.events, y: r.seconds })),
    NATIONAL_WEEK_EVENTS,
  );
  const cpu = extrapolate(
    at.map((r) => ({ x: r.events, y: r.cpu })),
    NATIONAL_WEEK_EVENTS,
  );
  const memory = extrapolate(
    at.map((r): Point => ({ x: r.events, y: r.rss })),
    NATIONAL_WEEK_EVENTS,
  );
  const how = (m: string) =>
    m === 'measured'
      ? `measured at ${t} threads`
      : `${m} in events from ${at.map((r) => `${(r.events / 1e6).toFixed(2)} M`).join(', ')} at ${t} threads`;
  console.log(
    `\nnational week (${n(NATIONAL_WEEK_EVENTS)} events), ${how(time.method)}: refresh ${time.value.toFixed(0)} s ` +
      `(cpu ${cpu.value.toFixed(0)} s), peak RSS ${gib(memory.value)}` +
      (memory.method === 'measured'
        ? ''
        : ` (an upper bound: DuckDB spills to disk beyond DUCKDB_MEMORY_LIMIT=${memoryLimit} rather than grow)`),
  );
  const note = (m: string) => how(m) + (t === TARGET_THREADS ? '' : ` (target: ${TARGET_THREADS})`);
  // Extrapolated wall time is unsteady on a shared machine (at small scale much of it is waiting for a core):
  // the refresh's CPU seconds shared among its threads are about the least it can take on idle cores, and
  // the larger of the two is reported.
  const cpuFloor = cpu.value / t;
  const seconds = time.method === 'measured' ? time.value : Math.max(time.value, cpuFloor);
  console.log(
    `national week refresh for the targets: ${seconds.toFixed(0)} s` +
      (time.method === 'measured'
        ? ' (measured)'
        : ` (the larger of wall ${time.value.toFixed(0)} s and cpu ${cpu.value.toFixed(0)} s ÷ ${plural(t, 'thread')})`),
  );
  return [
    {
      id: 'national-week-time',
      value: seconds,
      note:
        `${note(time.method)}; ` +
        (time.method === 'measured'
          ? `cpu ${cpu.value.toFixed(0)} s`
          : `larger of wall ${time.value.toFixed(0)} s and cpu ${cpu.value.toFixed(0)} s ÷ ${t}`),
    },
    {
      id: 'national-week-memory',
      value: memory.value,
      note: note(memory.method) + (memory.method === 'measured' ? '' : '; DuckDB spills past its limit'),
    },
    {
      id: 'national-week-scaling',
      value: Math.min(threadCounts.length, eventScales.length),
      note: `${threadCounts.length} thread count(s), ${eventScales.length} event scale(s)`,
    },
  ];
}
