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
import { listValue } from '@duckdb/node-api';
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
 */
export interface NationalWeekOptions {
  /** Accounts (users with a key and monthly state). Default 40 million. */
  accounts: number;
  /** Events in the week. Default 35 million. */
  events: number;
  memoryLimit: string;
}

export const NATIONAL_ACCOUNTS = 40_000_000;
export const NATIONAL_WEEK_EVENTS = 35_000_000;
const WEEK_START = '2026-06-01';
const FIRST_MONTH = '2025-06-01';
const TARGET_SECONDS = 300;
const TARGET_BYTES = 8 * 2 ** 30;
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

/** Samples the process's resident memory (DuckDB runs inside it) every 50 ms, for the peak. */
function peakSampler(): { stop: () => number } {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 50);
  return {
    stop: () => {
      clearInterval(timer);
      return Math.max(peak, process.memoryUsage().rss);
    },
  };
}

interface Step {
  name: string;
  seconds: number;
  cpu: number;
  peak: number;
  refresh: boolean;
}

const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(2)} GiB`;

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

export async function runNationalWeekBench(opts: NationalWeekOptions): Promise<void> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'nhs-app-national-week-'));
  const steps: Step[] = [];
  const timed = async <T>(name: string, refresh: boolean, fn: () => Promise<T>): Promise<T> => {
    const memory = peakSampler();
    const cpu = process.cpuUsage();
    const started = process.hrtime.bigint();
    const result = await fn();
    const used = process.cpuUsage(cpu);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    steps.push({ name, seconds, cpu: (used.user + used.system) / 1e6, peak: memory.stop(), refresh });
    console.log(`  ${name}: ${seconds.toFixed(1)} s`);
    return result;
  };
  const clock = fixedClock('2026-06-09T12:00:00Z');
  const accounts = Math.round(opts.accounts);
  const events = Math.round(opts.events);
  try {
    const config = loadConfig({
      DATA_DIR: path.join(root, 'warehouse'),
      DUCKDB_MEMORY_LIMIT: opts.memoryLimit,
    });
    const db = await openWarehouse(config);
    await initialise(db, () => undefined);
    const catalogue = loadCatalogue();
    const metrics = buildableMetrics(catalogue);
    console.log(
      `National week: ${accounts.toLocaleString('en-GB')} accounts, ${events.toLocaleString('en-GB')} events in the week of ${WEEK_START}, DuckDB memory limit ${opts.memoryLimit}, ${os.cpus().length} cores`,
    );

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
    const stateRows = (await db.scalar<number>('SELECT count(*) FROM user_month'))!;

    // The week's events, as one Parquet file: users mostly among the accounts (2 % new), at their practice.
    const weekFile = path.join(root, 'week.parquet');
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

    const loaded = await timed('ingest the week from Parquet (validate, dedupe, user keys)', true, () =>
      ingestEventFile(db, weekFile, { now: clock.now() }),
    );
    const build = await timed('incremental build of the week (every metric, level, structure)', true, () =>
      buildMetrics(db, catalogue, clock, { from: loaded.firstEventDate!, to: loaded.lastEventDate! }),
    );
    db.close();
    const overall = Math.max(...steps.map((s) => s.peak));

    console.log(
      `\nNational week: ${accounts.toLocaleString('en-GB')} accounts, ${stateRows.toLocaleString('en-GB')} rows of per-user monthly state ` +
        `(12 months, ${sigs.length} selectors), ${loaded.rowsLoaded.toLocaleString('en-GB')} events loaded ` +
        `(${loaded.firstEventDate} to ${loaded.lastEventDate}), ${build.rows.toLocaleString('en-GB')} figures recomputed; ` +
        `DuckDB memory limit ${opts.memoryLimit}, ${os.cpus().length} cores\n`,
    );
    for (const s of steps) {
      console.log(
        `${s.name.padEnd(68)} ${s.seconds.toFixed(1).padStart(7)} s   cpu ${s.cpu.toFixed(1).padStart(7)} s   peak ${gib(s.peak).padStart(10)}`,
      );
    }
    console.log(
      '\nbuild steps (cpu s): ' +
        build.steps.map((st) => `${st.name} ${(st.cpuMillis / 1000).toFixed(2)}`).join(', '),
    );
    const refresh = steps.filter((s) => s.refresh);
    const seconds = refresh.reduce((a, s) => a + s.seconds, 0);
    const peak = Math.max(...refresh.map((s) => s.peak));
    const ok = (b: boolean) => (b ? 'met' : 'NOT met');
    console.log(
      `\nweekly refresh (ingest + build): ${seconds.toFixed(1)} s (target ≤ ${TARGET_SECONDS} s: ${ok(seconds <= TARGET_SECONDS)}); ` +
        `at national scale (${NATIONAL_WEEK_EVENTS.toLocaleString('en-GB')} events) by events: ` +
        `${((seconds * NATIONAL_WEEK_EVENTS) / Math.max(1, loaded.rowsLoaded)).toFixed(0)} s if linear`,
    );
    console.log(
      `peak resident memory of the refresh: ${gib(peak)} (target ≤ ${gib(TARGET_BYTES)}: ${ok(peak <= TARGET_BYTES)}); whole run ${gib(overall)}`,
    );
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}
