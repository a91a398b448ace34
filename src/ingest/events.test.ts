import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { Warehouse } from '../warehouse/db.ts';
import { migrate } from '../warehouse/migrate.ts';
import { IngestError } from './errors.ts';
import { ingestEventFile } from './events.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'events-test-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const HEADER =
  'event_id,event_time,event_type,session_id,user_id,practice_code,identity_level,channel,record_type,provider,service';

function writeCsv(name: string, rows: string[], header = HEADER): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, [header, ...rows].join('\n') + '\n');
  return file;
}

async function counts(db: Warehouse) {
  return {
    events: await db.scalar<number>('SELECT count(*) FROM activity_event'),
    loads: await db.scalar<number>('SELECT count(*) FROM event_load'),
    rejects: await db.scalar<number>('SELECT count(*) FROM event_reject'),
  };
}

let db: Warehouse;
beforeEach(async () => {
  db?.close();
  db = await Warehouse.open(':memory:');
  await migrate(db);
  await db.run(
    "INSERT INTO practice_map VALUES (DATE '2026-08-01', 'A81001', 'The Practice', 'TS1 1AA', 'U1', 'PCN', 'S1', NULL, 'Sub', 'I1', NULL, 'ICB', 'Y63', NULL, 'Region', 'EMIS')",
  );
});

describe('ingestEventFile', () => {
  it('loads valid rows and dates them in London time across BST changes and midnight', async () => {
    const file = writeCsv('good.csv', [
      // 00:30 UTC on the day the clocks go forward is still 29 March in London (00:30 GMT).
      'e1,2026-03-29T00:30:00Z,login,s1,u1,A81001,P9,ios,,,',
      // 23:30 UTC on 1 July is 00:30 BST on 2 July.
      'e2,2026-07-01T23:30:00Z,login,s2,u2,A81001,P9,android,,,',
      // 23:30 UTC on 31 December is still 31 December in London (GMT).
      'e3,2026-12-31T23:30:00Z,record_viewed,s3,u3,A81001,P9,web,summary,,',
      // An offset instant: 00:15+01:00 is 23:15 UTC the day before, 00:15 BST on 2 July.
      'e4,2026-07-02T00:15:00+01:00,jump_off,s2,u2,,P9,ios,,Patients Know Best,messages',
    ]);
    const r = await ingestEventFile(db, file, { now: new Date('2027-01-01T12:00:00Z') });
    expect(r).toMatchObject({
      status: 'loaded',
      rowsRead: 4,
      rowsLoaded: 4,
      rowsRejected: 0,
      unknownPracticeRows: 1,
    });
    const rows = await db.all<{ event_id: string; event_date: string }>(
      'SELECT event_id, event_date FROM activity_event ORDER BY event_id',
    );
    expect(rows.map((x) => x.event_date)).toEqual(['2026-03-29', '2026-07-02', '2026-12-31', '2026-07-02']);
    expect(r.firstEventDate).toBe('2026-03-29');
    expect(r.lastEventDate).toBe('2026-12-31');
  });

  it('rejects bad rows with line, field and reason and loads the rest', async () => {
    const file = writeCsv('mixed.csv', [
      'g1,2026-05-01T10:00:00Z,login,s1,u1,A81001,P9,ios,,,', // line 2
      'b1,2026-05-01 10:00,login,s1,u1,A81001,P9,ios,,,', // line 3: no time zone
      'b2,2026-05-01T10:00:00Z,teleport,s1,u1,A81001,P9,ios,,,', // line 4
      'b3,2026-05-01T10:00:00Z,login,s1,someone@nhs.net,A81001,P9,ios,,,', // line 5
      'b4,2026-05-01T10:00:00Z,login,s1,943 476 5919,A81001,P9,ios,,,', // line 6: NHS-number-like
      'b5,2026-05-01T10:00:00Z,record_viewed,s1,u1,A81001,P9,ios,,,', // line 7
      'b6,2026-05-01T10:00:00Z,login,s1,u1,A81001,P7,ios,,,', // line 8
      'b7,2026-05-01T10:00:00Z,login,,u1,A81001,P9,ios,,,', // line 9: login without session
      'b8,2026-05-01T10:00:00Z,login,s1,u1,A81-001!,P9,ios,,,', // line 10
      'b9,2026-05-01T10:00:00Z,registration,s1,u1,A81001,P0,ios,,,', // line 11
      ',2026-05-01T10:00:00Z,login,s1,u1,A81001,P9,ios,,,', // line 12
      'b10,2026-02-30T10:00:00Z,login,s1,u1,A81001,P9,ios,,,', // line 13: no such date
      'b11,2026-05-01T10:00:00Z,jump_off,s1,u1,A81001,P9,ios,,,', // line 14
      'g2,2026-05-01T11:00:00Z,registration,s9,u9,A81001,P5,web,,,', // line 15
    ]);
    const r = await ingestEventFile(db, file, { maxRejectRate: 1 });
    expect(r.rowsLoaded).toBe(2);
    expect(r.rowsRejected).toBe(12);
    expect(r.rejects.map((j) => [j.line, j.field])).toEqual([
      [3, 'event_time'],
      [4, 'event_type'],
      [5, 'user_id'],
      [6, 'user_id'],
      [7, 'record_type'],
      [8, 'identity_level'],
      [9, 'session_id'],
      [10, 'practice_code'],
      [11, 'identity_level'],
      [12, 'event_id'],
      [13, 'event_time'],
      [14, 'provider'],
    ]);
    // A pseudonymous id is still per-person: never echoed into the rejects report.
    const stored = await db.all<{ reason: string; source_file: string }>(
      'SELECT reason, source_file FROM event_reject',
    );
    expect(stored).toHaveLength(12);
    expect(
      stored.some((s) => s.reason.includes('someone@nhs.net') || s.reason.includes('943 476 5919')),
    ).toBe(false);
  });

  it('counts each event id once: within a file, across files, and when a file is loaded twice', async () => {
    const a = writeCsv('a.csv', [
      'x1,2026-05-01T10:00:00Z,login,s1,u1,A81001,P9,ios,,,',
      'x1,2026-05-01T10:00:00Z,login,s1,u1,A81001,P9,ios,,,',
      'x2,2026-05-01T10:05:00Z,login,s2,u1,A81001,P9,ios,,,',
    ]);
    const b = writeCsv('b.csv', [
      'x2,2026-05-01T10:05:00Z,login,s2,u1,A81001,P9,ios,,,',
      'x3,2026-05-02T10:05:00Z,login,s3,u1,A81001,P9,ios,,,',
    ]);
    expect(await ingestEventFile(db, a)).toMatchObject({ rowsLoaded: 2, rowsDuplicate: 1 });
    expect(await ingestEventFile(db, b)).toMatchObject({ rowsLoaded: 1, rowsDuplicate: 1 });
    expect(await ingestEventFile(db, a)).toMatchObject({ status: 'already_loaded', rowsLoaded: 0 });
    expect((await counts(db)).events).toBe(3);
  });

  it('a load failing after its rows are committed leaves nothing: no rows, rejects, user keys or record (ADR 0054)', async () => {
    const first = writeCsv('two-phase-a.csv', ['t1,2026-05-01T10:00:00Z,login,s1,u1,A81001,P9,ios,,,']);
    await ingestEventFile(db, first);
    const before = await counts(db);
    const users = await db.scalar<number>('SELECT count(*) FROM user_dim');
    const file = writeCsv('two-phase-b.csv', [
      't2,2026-05-01T11:00:00Z,login,s2,u2,A81001,P9,ios,,,',
      't3,2026-05-01T12:00:00Z,login,s3,u3,A81001,P9,ios,,,',
      't4,yesterday,login,s4,u4,A81001,P9,ios,,,',
    ]);
    let committed = -1;
    const failing = ingestEventFile(db, file, {
      maxRejectRate: 0.5,
      beforeRecord: async () => {
        // The rows are in the table by now, under no recorded load.
        committed = Number(await db.scalar<number>('SELECT count(*) FROM activity_event'));
        throw new Error('the disk filled');
      },
    });
    await expect(failing).rejects.toThrow('the disk filled');
    expect(committed).toBe(Number(before.events) + 2);
    expect(await counts(db)).toEqual(before);
    expect(await db.scalar<number>('SELECT count(*) FROM user_dim')).toBe(users);
    // Nothing of it is left behind: the same file then loads in full, its users keyed after the first's.
    expect(await ingestEventFile(db, file, { maxRejectRate: 0.5 })).toMatchObject({
      status: 'loaded',
      rowsLoaded: 2,
      rowsDuplicate: 0,
      rowsRejected: 1,
    });
    expect(await db.all('SELECT user_key, user_id FROM user_dim ORDER BY user_key')).toEqual([
      { user_key: 1, user_id: 'u1' },
      { user_key: 2, user_id: 'u2' },
      { user_key: 3, user_id: 'u3' },
    ]);
  });

  it("a load after one a kill left unrecorded removes its rows first, so they never count as this load's", async () => {
    const torn = writeCsv('torn.csv', [
      'k1,2026-05-01T10:00:00Z,login,s1,u1,A81001,P9,ios,,,',
      'k2,2026-05-01T10:05:00Z,login,s2,u1,A81001,P9,ios,,,',
    ]);
    await ingestEventFile(db, torn);
    // A kill between the two commits leaves the rows and no event_load row.
    await db.run('DELETE FROM event_load');
    await db.run('DELETE FROM user_dim');
    const next = writeCsv('after-torn.csv', [
      'k2,2026-05-01T10:05:00Z,login,s2,u1,A81001,P9,ios,,,',
      'k3,2026-05-02T10:05:00Z,login,s3,u2,A81001,P9,ios,,,',
    ]);
    // k2 is new to the recorded loads: not a duplicate of the unrecorded row, which is gone.
    expect(await ingestEventFile(db, next)).toMatchObject({ loadId: 1, rowsLoaded: 2, rowsDuplicate: 0 });
    expect(await db.all('SELECT event_id, load_id FROM activity_event ORDER BY event_id')).toEqual([
      { event_id: 'k2', load_id: 1 },
      { event_id: 'k3', load_id: 1 },
    ]);
    expect(await ingestEventFile(db, torn)).toMatchObject({
      status: 'loaded',
      rowsLoaded: 1,
      rowsDuplicate: 1,
    });
  });

  it('gives each user one integer key, kept across loads; new users take the next keys in id order; a refused file leaves none', async () => {
    const a = writeCsv('keys-a.csv', [
      'k1,2026-05-01T10:00:00Z,login,s1,uc,A81001,P9,ios,,,',
      'k2,2026-05-01T10:01:00Z,login,s2,ua,A81001,P9,ios,,,',
      'k3,2026-05-01T10:02:00Z,login,s3,uc,A81001,P9,ios,,,',
      // A repeated id whose later row names a user seen nowhere else: that user gets no key.
      'k1,2026-05-01T10:03:00Z,login,s4,uz,A81001,P9,ios,,,',
    ]);
    const b = writeCsv('keys-b.csv', [
      'k2,2026-05-01T10:01:00Z,login,s2,ua,A81001,P9,ios,,,', // known event: its user is not re-keyed
      'k3,2026-05-01T10:02:00Z,login,s3,uy,A81001,P9,ios,,,', // known event naming a new user: no key
      'k4,2026-05-02T10:00:00Z,login,s5,ub,A81001,P9,ios,,,',
      'k5,2026-05-02T10:01:00Z,login,s6,uc,A81001,P9,ios,,,',
      'k6,2026-05-02T10:02:00Z,login,s7,ud,A81001,P9,ios,,,',
    ]);
    const bad = writeCsv('keys-bad.csv', [
      'k7,2026-05-02T10:00:00Z,login,s1,ue,A81001,P9,ios,,,',
      'k8,nonsense,login,s,uf,,P9,ios,,,',
    ]);
    await ingestEventFile(db, a);
    await expect(ingestEventFile(db, bad, { maxRejectRate: 0.1 })).rejects.toThrow(IngestError);
    await ingestEventFile(db, b);
    // By hand: load a has ua, uc (id order: 1, 2); load b adds ub, ud (3, 4); ue (refused file), uy and uz none.
    expect(await db.all('SELECT user_key, user_id FROM user_dim ORDER BY user_key')).toEqual([
      { user_key: 1, user_id: 'ua' },
      { user_key: 2, user_id: 'uc' },
      { user_key: 3, user_id: 'ub' },
      { user_key: 4, user_id: 'ud' },
    ]);
    expect(await db.all('SELECT event_id, user_key FROM activity_event ORDER BY event_id')).toEqual([
      { event_id: 'k1', user_key: 2 },
      { event_id: 'k2', user_key: 1 },
      { event_id: 'k3', user_key: 2 },
      { event_id: 'k4', user_key: 3 },
      { event_id: 'k5', user_key: 2 },
      { event_id: 'k6', user_key: 4 },
    ]);
  });

  it('checks and keys each user once: spaced ids are one user, and a user whose every row is rejected gets no key', async () => {
    const nbsp = '\u00a0';
    const file = writeCsv('users-once.csv', [
      'm1,2026-05-01T10:00:00Z,login,s1,u1,A81001,P9,ios,,,',
      `m2,2026-05-01T10:01:00Z,login,s2, u1${nbsp},A81001,P9,ios,,,`, // the same user, with spaces around
      'm3,2026-05-01T10:02:00Z,login,s3,u2,A81001,P9,fax,,,', // u2's only row: rejected for its channel
      'm4,2026-05-01T10:03:00Z,login,s4,0123456789,A81001,P9,ios,,,', // an NHS-number-like id
      'm5,2026-05-01T10:04:00Z,login,s5,0123456789,A81001,P9,fax,,,', // the same id: still the user_id reason first
      '  m6 ,2026-05-01T10:05:00Z,login, s6 ,u3,A81001,P9,ios,,,', // spaced event and session ids
    ]);
    const r = await ingestEventFile(db, file, { maxRejectRate: 1 });
    expect(r.rowsLoaded).toBe(3);
    expect(r.rejects.map((j) => [j.line, j.field])).toEqual([
      [4, 'channel'],
      [5, 'user_id'],
      [6, 'user_id'],
    ]);
    expect(await db.all('SELECT user_key, user_id FROM user_dim ORDER BY user_key')).toEqual([
      { user_key: 1, user_id: 'u1' },
      { user_key: 3, user_id: 'u3' },
    ]);
    expect(
      await db.all(
        'SELECT e.event_id, e.session_id, d.user_id, e.user_key FROM activity_event e JOIN user_dim d USING (user_key) ORDER BY e.event_id',
      ),
    ).toEqual([
      { event_id: 'm1', session_id: 's1', user_id: 'u1', user_key: 1 },
      { event_id: 'm2', session_id: 's2', user_id: 'u1', user_key: 1 },
      { event_id: 'm6', session_id: 's6', user_id: 'u3', user_key: 3 },
    ]);
  });

  it('keeps the first occurrence of a repeated event id, whatever the later ones say', async () => {
    const file = writeCsv('repeat.csv', [
      'r1,2026-05-01T10:00:00Z,login,s1,u1,A81001,P9,ios,,,',
      'r1,2026-06-01T10:00:00Z,login,s1,u2,,P5,web,,,',
      'r2,2026-05-02T10:00:00Z,login,s1,u1,A81001,P9,ios,,,',
      'r1,2026-07-01T10:00:00Z,login,s1,u3,A81001,P9,ios,,,',
    ]);
    expect(await ingestEventFile(db, file)).toMatchObject({ rowsLoaded: 2, rowsDuplicate: 2 });
    expect(
      await db.all(
        'SELECT e.event_id, d.user_id, e.event_date::VARCHAR AS d FROM activity_event e JOIN user_dim d USING (user_key) ORDER BY e.event_id',
      ),
    ).toEqual([
      { event_id: 'r1', user_id: 'u1', d: '2026-05-01' },
      { event_id: 'r2', user_id: 'u1', d: '2026-05-02' },
    ]);
  });

  it('keeps the first valid occurrence of a repeated event id in a Parquet file, and counts repeats across loads once', async () => {
    const parquet = path.join(dir, 'repeat.parquet');
    // (id, day, user, channel): p2's first row is rejected (channel), so its second is the one kept.
    const rows = [
      ['p1', 1, 'u1', 'ios'],
      ['p1', 2, 'u2', 'ios'],
      ['p2', 3, 'u1', 'fax'],
      ['p2', 4, 'u1', 'ios'],
      ['p3', 5, 'u1', 'ios'],
      ['p3', 6, 'u3', 'ios'],
      ['p3', 7, 'u3', 'web'],
      [' p4 ', 8, 'u1', 'ios'],
    ] as const;
    await db.run(
      `COPY (SELECT * FROM (VALUES ${rows
        .map(
          ([id, day, user, channel]) =>
            `('${id}', TIMESTAMPTZ '2026-05-0${day} 12:00:00+00', 'login', 's', '${user}', 'A81001', 'P9', '${channel}')`,
        )
        .join(
          ', ',
        )}) t(event_id, event_time, event_type, session_id, user_id, practice_code, identity_level, channel))
        TO '${parquet}' (FORMAT parquet)`,
    );
    expect(await ingestEventFile(db, parquet, { maxRejectRate: 0.5 })).toMatchObject({
      rowsRead: 8,
      rowsRejected: 1,
      rowsLoaded: 4,
      rowsDuplicate: 3,
    });
    const stored = () =>
      db.all(
        'SELECT e.event_id, d.user_id, e.event_date::VARCHAR AS d FROM activity_event e JOIN user_dim d USING (user_key) ORDER BY e.event_id',
      );
    const expected = [
      { event_id: 'p1', user_id: 'u1', d: '2026-05-01' },
      { event_id: 'p2', user_id: 'u1', d: '2026-05-04' },
      { event_id: 'p3', user_id: 'u1', d: '2026-05-05' },
      { event_id: 'p4', user_id: 'u1', d: '2026-05-08' },
    ];
    expect(await stored()).toEqual(expected);
    // u2 and u3 appear only in repeated rows: no keys.
    expect(await db.all('SELECT user_id FROM user_dim ORDER BY user_id')).toEqual([{ user_id: 'u1' }]);
    // The same ids again in a second file (with one new id): only the new one is added.
    const again = path.join(dir, 'repeat-again.parquet');
    await db.run(
      `COPY (SELECT * FROM (VALUES ('p3', TIMESTAMPTZ '2026-05-09 12:00:00+00', 'login', 's', 'u4', 'A81001', 'P9', 'ios'),
        ('p5', TIMESTAMPTZ '2026-05-09 13:00:00+00', 'login', 's', 'u1', 'A81001', 'P9', 'ios'))
        t(event_id, event_time, event_type, session_id, user_id, practice_code, identity_level, channel))
        TO '${again}' (FORMAT parquet)`,
    );
    expect(await ingestEventFile(db, again)).toMatchObject({ rowsLoaded: 1, rowsDuplicate: 1 });
    expect(await stored()).toEqual([...expected, { event_id: 'p5', user_id: 'u1', d: '2026-05-09' }]);
  });

  it('dates instants in London time like the time-zone database, from 2018 to 2040', async () => {
    // Random instants, a third of them in the 23:00-24:00 UTC hour where London can be a day ahead.
    let seed = 17;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const from = Date.parse('2018-01-01T00:00:00Z');
    const span = Date.parse('2040-12-31T00:00:00Z') - from;
    const instants = Array.from({ length: 3000 }, (_, i) => {
      const t = from + Math.floor(next() * span);
      const late = i % 3 === 0 ? t - (t % 86_400_000) + 23 * 3_600_000 + Math.floor(next() * 3_600_000) : t;
      return new Date(late).toISOString();
    });
    const file = writeCsv(
      'instants.csv',
      instants.map((t, i) => `t${i},${t},login,s,u1,A81001,P9,ios,,,`),
    );
    await ingestEventFile(db, file, { now: new Date('2041-01-01T00:00:00Z') });
    const rows = await db.all<{ event_id: string; d: string }>(
      'SELECT event_id, event_date::VARCHAR AS d FROM activity_event',
    );
    const london = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London' });
    const byId = new Map(rows.map((r) => [r.event_id, r.d]));
    const wrong = instants.filter((t, i) => byId.get(`t${i}`) !== london.format(new Date(t)));
    expect(rows).toHaveLength(instants.length);
    expect(wrong).toEqual([]);
  });

  // Issue 16.2: one row dated 9999-12-31 once loaded and made every later build run away; a typo such as 2062
  // made the cube seven times larger for good.
  it('rejects, per row, events before the NHS App existed or later than tomorrow in London', async () => {
    const now = new Date('2026-12-03T10:00:00Z');
    const rows = Array.from(
      { length: 96 },
      (_, i) => `ok${i},2026-11-0${(i % 9) + 1}T10:00:00Z,login,s,u${i},A81001,P9,ios,,,`,
    );
    rows.splice(10, 0, 'far,9999-12-31T00:00:00Z,login,s,u1,A81001,P9,ios,,,'); // line 12
    rows.splice(20, 0, 'typo,2062-11-05T10:00:00Z,login,s,u1,A81001,P9,ios,,,'); // line 22
    rows.splice(30, 0, 'old,2017-12-31T23:59:59Z,login,s,u1,A81001,P9,ios,,,'); // line 32
    // 23:30 UTC on 4 December is 4 December in London (GMT): tomorrow, still accepted; 5 December is not.
    rows.push('tomorrow,2026-12-04T23:30:00Z,login,s,u1,A81001,P9,ios,,,'); // line 101
    rows.push('later,2026-12-05T00:00:00Z,login,s,u1,A81001,P9,ios,,,'); // line 102
    rows.push('first,2018-01-01T00:00:00Z,login,s,u1,A81001,P9,ios,,,'); // line 103
    const r = await ingestEventFile(db, writeCsv('far-dated.csv', rows), { now });
    expect(r.rowsRead).toBe(102);
    expect(r.rowsRejected).toBe(4);
    expect(r.rejects.map((j) => [j.line, j.field])).toEqual([
      [12, 'event_time'],
      [22, 'event_time'],
      [32, 'event_time'],
      [102, 'event_time'],
    ]);
    expect(r.rejects[0]!.reason).toBe(
      '"9999-12-31T00:00:00Z" is outside the accepted range 2018-01-01 to 2026-12-04 (London dates: before the NHS App existed, or in the future)',
    );
    expect(r.firstEventDate).toBe('2018-01-01');
    expect(r.lastEventDate).toBe('2026-12-04');
    const stray = await db.scalar<number>(
      "SELECT count(*) FROM activity_event WHERE event_id IN ('far', 'typo', 'old', 'later')",
    );
    expect(stray).toBe(0);
  });

  it('rejects far-dated typed instants from Parquet too', async () => {
    const parquet = path.join(dir, 'far.parquet');
    await db.run(
      `COPY (SELECT * FROM (VALUES ('p1', TIMESTAMPTZ '2026-05-01 10:00:00+00'), ('p2', TIMESTAMPTZ '2262-01-01 00:00:00+00'))
             t(event_id, event_time)
             CROSS JOIN (SELECT 'login' AS event_type, 's' AS session_id, 'u1' AS user_id, 'A81001' AS practice_code,
                                'P9' AS identity_level, 'ios' AS channel)) TO '${parquet}' (FORMAT parquet)`,
    );
    const r = await ingestEventFile(db, parquet, { now: new Date('2026-12-03T10:00:00Z'), maxRejectRate: 1 });
    expect(r.rowsLoaded).toBe(1);
    expect(r.rejects.map((j) => [j.line, j.field])).toEqual([[2, 'event_time']]); // Parquet rows count from 1
  });

  // Issue 16.6: the path reached DuckDB's glob expansion, and NUL bytes made one id two.
  it('refuses a path DuckDB would expand as a pattern, loading nothing', async () => {
    writeCsv('ev-a.csv', ['a1,2026-05-01T10:00:00Z,login,s,u1,A81001,P9,ios,,,']);
    writeCsv('ev-b.csv', ['b1,2026-05-01T10:00:00Z,login,s,u1,A81001,P9,ios,,,']);
    const literal = writeCsv('ev-*.csv', ['x1,2026-05-01T10:00:00Z,login,s,u1,A81001,P9,ios,,,']);
    const err = await ingestEventFile(db, literal).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IngestError);
    expect((err as Error).message).toContain('contains "*"');
    expect(await counts(db)).toEqual({ events: 0, loads: 0, rejects: 0 });
  });

  it('rejects ids holding NUL or other control characters, so one id never counts twice', async () => {
    const file = path.join(dir, 'nul.jsonl');
    const row = (id: string, user: string) =>
      JSON.stringify({
        event_id: id,
        event_time: '2026-05-01T10:00:00Z',
        event_type: 'login',
        session_id: 's',
        user_id: user,
        practice_code: 'A81001',
        identity_level: 'P9',
        channel: 'ios',
      });
    fs.writeFileSync(
      file,
      [row('e1', 'u1'), row('e1\u0000', 'u1'), row('e2', 'u1\u0000'), row('e3', 'u2')].join('\n') + '\n',
    );
    const r = await ingestEventFile(db, file, { maxRejectRate: 1 });
    expect(r.rowsLoaded).toBe(2);
    expect(r.rejects.map((j) => [j.line, j.field, j.reason])).toEqual([
      [2, 'event_id', 'contains a control character (such as NUL)'],
      [3, 'user_id', 'contains a control character (such as NUL)'],
    ]);
  });

  it('rejects every control character in event and session ids, and only those (issue 15.1 pre-test)', async () => {
    const file = path.join(dir, 'controls.jsonl');
    const row = (id: string, session: string) =>
      JSON.stringify({
        event_id: id,
        event_time: '2026-05-01T10:00:00Z',
        event_type: 'login',
        session_id: session,
        user_id: 'u1',
        practice_code: 'A81001',
        identity_level: 'P9',
        channel: 'ios',
      });
    const controls = [...Array.from({ length: 32 }, (_, i) => i), 127];
    // Characters the JSON pre-test escapes or that lie just outside the control range: all accepted.
    const fine = ['"', '\\', ' ', '~', 'é', '\u0080', '\u0085', '\u2028'];
    const rows: string[] = [];
    const expected: [number, string][] = [];
    for (const c of controls) {
      const ch = String.fromCharCode(c);
      rows.push(row(`e${c}a${ch}b`, 's'));
      expected.push([rows.length, 'event_id']);
      rows.push(row(`f${c}`, `s${c}a${ch}b`));
      expected.push([rows.length, 'session_id']);
    }
    for (const [i, ch] of fine.entries()) rows.push(row(`g${i}a${ch}b`, `t${i}a${ch}b`));
    fs.writeFileSync(file, rows.join('\n') + '\n');
    const r = await ingestEventFile(db, file, { maxRejectRate: 1, rejectSample: 1000 });
    expect(r.rowsLoaded).toBe(fine.length);
    expect(r.rejects.map((j) => [j.line, j.field])).toEqual(expected);
    expect(new Set(r.rejects.map((j) => j.reason))).toEqual(
      new Set(['contains a control character (such as NUL)']),
    );
    const ids = await db.all<{ event_id: string }>('SELECT event_id FROM activity_event ORDER BY event_id');
    expect(ids.map((x) => x.event_id)).toEqual(fine.map((ch, i) => `g${i}a${ch}b`).sort());
  });

  it('reads JSON Lines, gzipped CSV and Parquet', async () => {
    const jsonl = path.join(dir, 'events.jsonl');
    fs.writeFileSync(
      jsonl,
      [
        {
          event_id: 'j1',
          event_time: '2026-05-01T10:00:00Z',
          event_type: 'login',
          session_id: 's',
          user_id: 'u',
          practice_code: 'A81001',
          identity_level: 'P9',
          channel: 'ios',
        },
        {
          event_id: 'j2',
          event_time: '2026-05-01T10:01:00Z',
          event_type: 'prescription_ordered',
          session_id: 's',
          user_id: 'u',
          practice_code: 'A81001',
          identity_level: 'P9',
          channel: 'ios',
        },
      ]
        .map((o) => JSON.stringify(o))
        .join('\n'),
    );
    const gz = path.join(dir, 'events.csv.gz');
    fs.writeFileSync(gz, gzipSync(`${HEADER}\nz1,2026-05-01T10:00:00Z,login,s,u,A81001,P9,ios,,,\n`));
    const parquet = path.join(dir, 'events.parquet');
    await db.run(
      `COPY (SELECT 'p' || i AS event_id, TIMESTAMPTZ '2026-05-03 12:00:00+00' + INTERVAL (i) MINUTE AS event_time,
        'login' AS event_type, 's' || i AS session_id, 'u' || (i % 3) AS user_id, 'A81001' AS practice_code,
        'P9' AS identity_level, 'android' AS channel FROM range(5) t(i)) TO '${parquet}' (FORMAT parquet)`,
    );
    expect(await ingestEventFile(db, jsonl)).toMatchObject({ format: 'jsonl', rowsLoaded: 2 });
    expect(await ingestEventFile(db, gz)).toMatchObject({ format: 'csv', rowsLoaded: 1 });
    expect(await ingestEventFile(db, parquet)).toMatchObject({ format: 'parquet', rowsLoaded: 5 });
  });

  it('refuses a bad file whole and changes nothing', async () => {
    await ingestEventFile(db, writeCsv('ok.csv', ['k1,2026-05-01T10:00:00Z,login,s1,u1,A81001,P9,ios,,,']));
    const before = await counts(db);
    const missing = writeCsv(
      'missing.csv',
      ['k2,2026-05-01T10:00:00Z,login'],
      'event_id,event_time,event_type',
    );
    await expect(ingestEventFile(db, missing)).rejects.toThrow(
      /missing\.csv line 1: missing required columns session_id/,
    );
    const mostlyBad = writeCsv('bad.csv', [
      'k3,2026-05-01T10:00:00Z,login,s1,u1,A81001,P9,ios,,,',
      'k4,yesterday,login,s1,u1,A81001,P9,ios,,,',
    ]);
    const err = await ingestEventFile(db, mostlyBad).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IngestError);
    expect((err as Error).message).toMatch(/bad\.csv: 1 of 2 rows rejected.*line 3, field event_time/);
    const broken = writeCsv('broken.csv', ['k5,"2026-05-01T10:00:00Z,login,s1,u1,A81001,P9,ios,,,']);
    await expect(ingestEventFile(db, broken)).rejects.toThrow(/broken\.csv: cannot be read as csv/);
    await expect(ingestEventFile(db, path.join(dir, 'nope.csv'))).rejects.toThrow(
      /nope\.csv: file not found/,
    );
    await expect(ingestEventFile(db, path.join(dir, 'events.xlsx'))).rejects.toThrow(/unknown file type/);
    expect(await counts(db)).toEqual(before);
  });
});
