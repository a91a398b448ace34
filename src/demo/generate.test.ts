import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANNELS, IDENTITY_LEVELS, P9_ROUTES, RECORD_TYPES } from '../domain/canonical-event.ts';
import { fixedClock } from '../domain/clock.ts';
import {
  DEMO_MODEL,
  demoWindow,
  expectedNational,
  planDemo,
  type DemoPracticeRecord,
} from '../domain/demo-model.ts';
import { EVENT_TYPES } from '../domain/metric-definition.ts';
import { londonDayEndUtc, londonDayStartUtc, periodEnd } from '../domain/periods.ts';
import { loadBundledReference } from '../ingest/reference/bundled.ts';
import { Warehouse } from '../warehouse/db.ts';
import { migrate } from '../warehouse/migrate.ts';
import { sqlLiteral } from '../warehouse/sql.ts';
import {
  DEMO_FILE_PATTERN,
  DEMO_HISTORY_FILE,
  generateDemoEvents,
  loadDemoPractices,
  type DemoResult,
} from './generate.ts';

// A clock in September 2026: the window (2024-09-09 … 2026-09-06) covers the MI months Mar–Aug 2025,
// the April 2026 ICB change and the closures between the January and August 2026 practice maps.
const clock = fixedClock('2026-09-10T12:00:00Z');
// 0.2 % of England: ~75 k users, ~3.7 M events; one month's logins are known to about 1 % (1 SD).
const SCALE = 0.002;
const SEED = 11;

let db: Warehouse;
let tmp: string;
let practices: DemoPracticeRecord[];
let run: DemoResult;
let events: string;

const list = (values: readonly string[]) => `(${values.map(sqlLiteral).join(', ')})`;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'demo-generate-'));
  db = await Warehouse.open(':memory:', { threads: 2 });
  await migrate(db);
  await loadBundledReference(db);
  practices = await loadDemoPractices(db);
  run = await generateDemoEvents(db, { scale: SCALE, seed: SEED, clock, outDir: path.join(tmp, 'main') });
  events = `read_parquet(${sqlLiteral(path.join(tmp, 'main', 'nhs-app-events-*.parquet'))})`;
  console.log(
    `demo at scale ${SCALE}: ${run.events} events (${run.logins} logins), ${run.users} users, ` +
      `${run.files.length} files in ${run.elapsedMs} ms (${Math.round(run.events / (run.elapsedMs / 1000))} events/s)`,
  );
});

afterAll(() => {
  db?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('generateDemoEvents', () => {
  it('reads every practice of every map release with a 13+ list size', () => {
    expect(practices.length).toBeGreaterThan(6100);
    expect(practices.every((p) => p.patients13plus > 0)).toBe(true);
    expect(practices.filter((p) => p.goneBy !== null).length).toBeGreaterThan(20);
  });

  it('writes one ZSTD Parquet file per London month of the window, in the canonical columns', async () => {
    expect(run.from).toBe('2024-09-09');
    expect(run.to).toBe('2026-09-06');
    const names = run.files.map((f) => path.basename(f));
    expect(names[0]).toBe('nhs-app-events-2024-09.parquet');
    expect(names.at(-1)).toBe('nhs-app-events-2026-09.parquet');
    expect(names).toHaveLength(25);
    expect(names.every((n) => DEMO_FILE_PATTERN.test(n))).toBe(true);
    expect(fs.readdirSync(path.join(tmp, 'main')).sort()).toEqual([...names, DEMO_HISTORY_FILE].sort());

    const schema = await db.all<{ column_name: string; column_type: string }>(
      `DESCRIBE SELECT * FROM read_parquet(${sqlLiteral(run.files[5]!)})`,
    );
    expect(schema.map((c) => c.column_name)).toEqual([
      'event_id',
      'event_time',
      'event_type',
      'session_id',
      'user_id',
      'practice_code',
      'identity_level',
      'channel',
      'p9_route',
      'record_type',
      'provider',
      'service',
    ]);
    expect(schema.find((c) => c.column_name === 'event_time')!.column_type).toBe('TIMESTAMP WITH TIME ZONE');
    const codecs = await db.all<{ compression: string }>(
      `SELECT DISTINCT compression FROM parquet_metadata(${sqlLiteral(run.files[5]!)})`,
    );
    expect(codecs.map((c) => c.compression)).toEqual(['ZSTD']);

    // Each file holds exactly its London month.
    const wrong = await db.scalar<number>(
      `SELECT count(*) FROM read_parquet(${sqlLiteral(path.join(tmp, 'main', 'nhs-app-events-*.parquet'))}, filename = true)
       WHERE 'nhs-app-events-' || strftime(timezone('Europe/London', event_time), '%Y-%m') || '.parquet'
         <> parse_filename(filename)`,
    );
    expect(wrong).toBe(0);
    const total = await db.scalar<number>(`SELECT count(*) FROM ${events}`);
    expect(total).toBe(run.events);
  });

  it('writes only valid canonical rows', async () => {
    const bad = await db.one<Record<string, number>>(`
      SELECT
        count(*) FILTER (WHERE event_type NOT IN ${list(EVENT_TYPES)}) AS event_type,
        count(*) FILTER (WHERE identity_level NOT IN ${list(IDENTITY_LEVELS)} OR identity_level IS NULL) AS level,
        count(*) FILTER (WHERE channel NOT IN ${list(CHANNELS)} OR channel IS NULL) AS channel,
        count(*) FILTER (WHERE event_type = 'registration' AND identity_level NOT IN ('P5', 'P9')) AS registration_level,
        count(*) FILTER (WHERE (p9_route IS NOT NULL) <> (event_type IN ('registration', 'identity_uplift') AND identity_level = 'P9')) AS route,
        count(*) FILTER (WHERE p9_route NOT IN ${list(P9_ROUTES)}) AS route_value,
        count(*) FILTER (WHERE (record_type IS NOT NULL) <> (event_type = 'record_viewed')) AS record_type,
        count(*) FILTER (WHERE record_type NOT IN ${list(RECORD_TYPES)}) AS record_type_value,
        count(*) FILTER (WHERE (provider IS NOT NULL) <> (event_type = 'jump_off')) AS provider,
        count(*) FILTER (WHERE (service IS NOT NULL) <> (event_type = 'jump_off')) AS service,
        count(*) FILTER (WHERE event_id IS NULL OR session_id IS NULL OR user_id IS NULL OR event_time IS NULL) AS missing,
        count(*) FILTER (WHERE NOT regexp_full_match(user_id, '[0-9a-f]{16}')) AS user_id,
        count(*) - count(DISTINCT event_id) AS duplicate_event_id,
        count(*) FILTER (WHERE practice_code IS NOT NULL AND practice_code NOT IN (SELECT practice_code FROM practice_map)) AS practice,
        count(*) FILTER (WHERE identity_level = 'P5' AND event_type IN ('prescription_ordered', 'record_viewed', 'appointment_booked', 'appointment_cancelled')) AS p5_feature
      FROM ${events}`);
    expect(bad).toEqual(Object.fromEntries(Object.keys(bad!).map((k) => [k, 0])));
    // Every kind of event occurs, and the partners' jump-offs carry real Provider / JumpOff pairs.
    const types = await db.all<{ event_type: string }>(
      `SELECT DISTINCT event_type FROM ${events} ORDER BY 1`,
    );
    expect(types.map((t) => t.event_type)).toEqual([...EVENT_TYPES].sort());
    const pairs = await db.all<{ p: string }>(
      `SELECT DISTINCT provider || '/' || service AS p FROM ${events} WHERE event_type = 'jump_off'`,
    );
    const modelPairs = DEMO_MODEL.features.filter((f) => f.provider).map((f) => `${f.provider}/${f.service}`);
    expect(pairs.map((r) => r.p).sort()).toEqual([...modelPairs].sort());
  });

  it('puts every event in a session opened by a login of the same user, no later than the event', async () => {
    const orphans = await db.one<{ orphans: number; sessions: number; duplicate_logins: number }>(`
      WITH e AS (SELECT * FROM ${events}),
      logins AS (SELECT session_id, user_id, event_time FROM e WHERE event_type = 'login')
      SELECT
        (SELECT count(*)
           FROM e
           LEFT JOIN logins l ON l.session_id = e.session_id
           WHERE e.event_type NOT IN ('login', 'registration', 'identity_uplift')
             AND (l.session_id IS NULL OR l.user_id <> e.user_id OR l.event_time > e.event_time)) AS orphans,
        (SELECT count(*) FROM e WHERE event_type IN ('registration', 'identity_uplift')
           AND session_id IN (SELECT session_id FROM logins)) AS sessions,
        (SELECT count(*) - count(DISTINCT session_id) FROM logins) AS duplicate_logins`);
    expect(orphans).toEqual({ orphans: 0, sessions: 0, duplicate_logins: 0 });
    // A user's logins come after their registration in the window, and P9 sessions after an uplift.
    const order = await db.one<{ before_registration: number; p5_after_uplift: number }>(`
      WITH e AS (SELECT * FROM ${events}),
      reg AS (SELECT user_id, event_time FROM e WHERE event_type = 'registration'),
      up AS (SELECT user_id, event_time FROM e WHERE event_type = 'identity_uplift')
      SELECT
        (SELECT count(*) FROM e JOIN reg USING (user_id)
           WHERE e.event_type = 'login' AND e.event_time < reg.event_time) AS before_registration,
        (SELECT count(*) FROM e JOIN up USING (user_id)
           WHERE e.event_type = 'login' AND e.identity_level = 'P5' AND e.event_time > up.event_time) AS p5_after_uplift`);
    expect(order).toEqual({ before_registration: 0, p5_after_uplift: 0 });
  });

  it('keeps every event inside the window, with some between 23:00 and 01:00 UTC', async () => {
    const start = londonDayStartUtc(run.from).getTime();
    const end = londonDayEndUtc(run.to).getTime();
    const r = (await db.one<{ first: number; last: number; late: number; n: number }>(`
      SELECT epoch_ms(min(event_time)) AS first, epoch_ms(max(event_time)) AS last,
        count(*) FILTER (WHERE hour(event_time) IN (23, 0)) AS late, count(*) AS n
      FROM ${events}`))!;
    expect(r.first).toBeGreaterThanOrEqual(start);
    expect(r.last).toBeLessThan(end);
    // The window's first and last days both have activity.
    expect(r.first - start).toBeLessThan(3_600_000 * 6);
    expect(end - r.last).toBeLessThan(3_600_000 * 6);
    expect(r.late / r.n).toBeGreaterThan(0.01);
  });

  it('matches the model nationally: realized / scale ≈ expectedNational for every complete month', async () => {
    const counted = await db.all<{ month: string; logins: number; users: number; registrations: number }>(`
      SELECT strftime(timezone('Europe/London', event_time), '%Y-%m') AS month,
        count(*) FILTER (WHERE event_type = 'login') AS logins,
        count(DISTINCT user_id) FILTER (WHERE event_type = 'login') AS users,
        count(*) FILTER (WHERE event_type = 'registration') AS registrations
      FROM ${events} GROUP BY 1 ORDER BY 1`);
    const complete = counted.filter(
      (m) => `${m.month}-01` >= run.from && periodEnd('month', `${m.month}-01`) <= run.to,
    );
    expect(complete.map((m) => m.month)).toContain('2025-03');
    expect(complete).toHaveLength(23);
    for (const m of complete) {
      const e = expectedNational(m.month, SCALE, practices);
      // Sampling error only: users are independent draws. 4 standard deviations (about 4–5 % for
      // logins, 2 % for unique users at this scale), and never more than 5 %.
      expect(Math.abs(m.logins - e.logins), `${m.month} logins`).toBeLessThan(
        Math.min(4 * e.loginsSd, 0.05 * e.logins),
      );
      expect(Math.abs(m.users - e.uniqueUsers), `${m.month} users`).toBeLessThan(
        Math.min(4 * e.uniqueUsersSd, 0.05 * e.uniqueUsers),
      );
      expect(Math.abs(m.registrations - e.registrations), `${m.month} registrations`).toBeLessThan(
        4 * Math.sqrt(e.registrations) + 5,
      );
    }
    // Over the 23 months together the errors average out further.
    const sum = (f: (m: (typeof complete)[number]) => number) => complete.reduce((a, m) => a + f(m), 0);
    const expectedLogins = complete.reduce(
      (a, m) => a + expectedNational(m.month, SCALE, practices).logins,
      0,
    );
    expect(Math.abs(sum((m) => m.logins) / expectedLogins - 1)).toBeLessThan(0.04);
  });

  it('spreads users over practices in proportion to their list sizes, with a few unknown and a few movers', async () => {
    const perPractice = await db.all<{ code: string; users: number }>(`
      SELECT practice_code AS code, count(DISTINCT user_id) AS users FROM ${events}
      WHERE practice_code IS NOT NULL GROUP BY 1`);
    const pop = new Map(practices.map((p) => [p.code, p.patients13plus]));
    const xs = perPractice.map((p) => pop.get(p.code)!);
    const ys = perPractice.map((p) => p.users);
    expect(perPractice.length).toBeGreaterThan(5800);
    expect(correlation(xs, ys)).toBeGreaterThan(0.8);

    const r = (await db.one<{ unknown: number; logins: number; movers: number; users: number; web: number }>(`
      SELECT
        count(*) FILTER (WHERE event_type = 'login' AND practice_code IS NULL) AS unknown,
        count(*) FILTER (WHERE event_type = 'login') AS logins,
        count(*) FILTER (WHERE event_type = 'login' AND channel = 'web') AS web,
        (SELECT count(*) FROM (SELECT user_id FROM ${events} WHERE practice_code IS NOT NULL
           GROUP BY user_id HAVING count(DISTINCT practice_code) > 1)) AS movers,
        count(DISTINCT user_id) AS users
      FROM ${events}`))!;
    // MI: the "Unknown" row is ~0.055 % of logins.
    expect(r.unknown / r.logins).toBeGreaterThan(0.0003);
    expect(r.unknown / r.logins).toBeLessThan(0.0009);
    expect(r.movers / r.users).toBeGreaterThan(0.005);
    expect(r.movers / r.users).toBeLessThan(0.05);
    expect(r.web / r.logins).toBeGreaterThan(0.1);
    expect(r.web / r.logins).toBeLessThan(0.25);
  });

  it('moves the users of a closed practice to another practice of its PCN when it closes', async () => {
    const window = demoWindow(clock);
    const plan = planDemo(practices, window, SCALE, SEED);
    const closed = plan.practices.filter((p) => p.closureDate !== null && p.closureDate > run.from);
    expect(closed.length).toBeGreaterThan(20);
    const byCode = new Map(practices.map((p) => [p.code, p]));
    let before = 0;
    for (const p of closed) {
      const cut = londonDayStartUtc(p.closureDate!).toISOString();
      const r = (await db.one<{ before: number; after: number }>(
        `SELECT count(*) FILTER (WHERE event_time < $2::TIMESTAMPTZ) AS before,
           count(*) FILTER (WHERE event_time >= $2::TIMESTAMPTZ) AS after
         FROM ${events} WHERE practice_code = $1`,
        [p.code, cut],
      ))!;
      expect(r.after, p.code).toBe(0);
      before += r.before;
      const own = byCode.get(p.code)!;
      const successor = byCode.get(p.successor!)!;
      expect(successor.goneBy).toBeNull();
      if (own.pcnCode !== null && practices.some((c) => c.goneBy === null && c.pcnCode === own.pcnCode)) {
        expect(successor.pcnCode).toBe(own.pcnCode);
      }
    }
    expect(before).toBeGreaterThan(0);
    // Their users carry on at the successor.
    const p = closed.find((c) => c.users > 5)!;
    const carried = await db.scalar<number>(
      `SELECT count(DISTINCT user_id) FROM ${events}
       WHERE practice_code = $2 AND event_time >= $3::TIMESTAMPTZ
         AND user_id IN (SELECT user_id FROM ${events} WHERE practice_code = $1)`,
      [p.code, p.successor!, londonDayStartUtc(p.closureDate!).toISOString()],
    );
    expect(carried).toBeGreaterThan(0);
  });

  it('restores the connection settings and leaves no tables behind', async () => {
    const tables = await db.all<{ table_name: string }>(
      `SELECT table_name FROM duckdb_tables() WHERE table_name LIKE 'demo_%'`,
    );
    expect(tables).toEqual([]);
    expect(await db.scalar<boolean>("SELECT current_setting('preserve_insertion_order')")).toBe(true);
    expect(await db.scalar<number>('SELECT count(*) FROM activity_event')).toBe(0);
  });

  it('is deterministic: the same seed gives the same events, another seed others', async () => {
    const small = { scale: 0.0002, clock };
    const checksum = async (dir: string) =>
      db.one<{ n: number; sum: string }>(`
        SELECT count(*) AS n, bit_xor(hash(concat_ws('|', event_id, epoch_us(event_time), event_type,
          session_id, user_id, practice_code, identity_level, channel, p9_route, record_type, provider,
          service)))::VARCHAR AS sum
        FROM read_parquet(${sqlLiteral(path.join(dir, 'nhs-app-events-*.parquet'))})`);
    const a = await generateDemoEvents(db, { ...small, seed: 1, outDir: path.join(tmp, 'a') });
    const b = await generateDemoEvents(db, { ...small, seed: 1, outDir: path.join(tmp, 'b') });
    const c = await generateDemoEvents(db, { ...small, seed: 2, outDir: path.join(tmp, 'c') });
    expect(a.events).toBe(b.events);
    expect(c.files).toHaveLength(a.files.length);
    const [ca, cb, cc] = [
      await checksum(path.join(tmp, 'a')),
      await checksum(path.join(tmp, 'b')),
      await checksum(path.join(tmp, 'c')),
    ];
    expect(ca!.n).toBe(a.events);
    expect(cb).toEqual(ca);
    expect(cc!.sum).not.toBe(ca!.sum);
  });

  it('replaces the files of an earlier run in the output folder', async () => {
    const dir = path.join(tmp, 'a');
    fs.writeFileSync(path.join(dir, 'nhs-app-events-2001-01.parquet'), 'stale');
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'keep me');
    const r = await generateDemoEvents(db, { scale: 0.0002, seed: 1, clock, outDir: dir });
    const left = fs.readdirSync(dir).sort();
    expect(left).toEqual([...r.files.map((f) => path.basename(f)), DEMO_HISTORY_FILE, 'notes.txt'].sort());
  });

  it('writes the registrations of users who joined before the window, once each, between 2019 and the window', async () => {
    const history = await db.one<{
      n: number;
      users: number;
      types: number;
      first: Date;
      last: Date;
      known: number;
    }>(`
      SELECT count(*) AS n, count(DISTINCT user_id) AS users, count(DISTINCT event_type) AS types,
             min(event_time) AS first, max(event_time) AS last,
             count(*) FILTER (WHERE practice_code IN (SELECT practice_code FROM practice_map)) AS known
      FROM read_parquet(${sqlLiteral(run.historyFile)})
      WHERE event_type = 'registration'`);
    const inWindow = await db.scalar<number>(
      `SELECT count(*) FROM ${events} WHERE event_type = 'registration'`,
    );
    expect(history!.n).toBeGreaterThan(0);
    expect(history!.users).toBe(history!.n);
    expect(history!.types).toBe(1);
    expect(history!.first.getTime()).toBeGreaterThanOrEqual(Date.parse('2019-01-01T00:00:00Z'));
    expect(history!.last.getTime()).toBeLessThan(Date.parse('2024-09-08T23:00:00Z')); // before 9 Sep 2024 London
    expect(history!.known).toBe(history!.n);
    // Most registered users joined before the window (about 62% of patients aged 13+ by March 2025).
    expect(history!.n).toBeGreaterThan(inWindow!);
    const overlap = await db.scalar<number>(
      `SELECT count(*) FROM read_parquet(${sqlLiteral(run.historyFile)}) h
       JOIN (SELECT DISTINCT user_id FROM ${events} WHERE event_type = 'registration') w USING (user_id)`,
    );
    expect(overlap).toBe(0);
  });

  it('refuses a bad scale or seed', async () => {
    await expect(generateDemoEvents(db, { scale: 0, seed: 1, clock, outDir: tmp })).rejects.toThrow(
      RangeError,
    );
    await expect(generateDemoEvents(db, { scale: 0.001, seed: 1.5, clock, outDir: tmp })).rejects.toThrow(
      RangeError,
    );
  });
});

describe('generateDemoEvents without reference data', () => {
  it('says what is missing', async () => {
    const empty = await Warehouse.open(':memory:');
    try {
      await migrate(empty);
      await expect(generateDemoEvents(empty, { scale: 0.001, seed: 1, clock, outDir: tmp })).rejects.toThrow(
        /load the reference data/,
      );
    } finally {
      empty.close();
    }
  });
});

function correlation(xs: number[], ys: number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i]! - mx) * (ys[i]! - my);
    sxx += (xs[i]! - mx) ** 2;
    syy += (ys[i]! - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}
