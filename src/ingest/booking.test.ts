import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openWarehouse, rejection, tempDir } from '../../test/support/feed-files.ts';
import { classifyInboxFile } from '../app/inbox-kind.ts';
import { BOOKING_EVENT_COLUMNS } from '../domain/booking.ts';
import type { Warehouse } from '../warehouse/db.ts';
import { listMigrations } from '../warehouse/migrate.ts';
import { IngestError } from './errors.ts';
import { ingestBookingEventFile, ingestBookingSlotsFile } from './booking.ts';
import * as bookingSql from '../warehouse/sql/booking.ts';

type Ev = Partial<Record<(typeof BOOKING_EVENT_COLUMNS)[number], string>>;

const NOW = new Date('2026-01-15T12:00:00Z');
const opts = { now: NOW };

/** A valid event of each type for case C1 (each test changes one field). */
const GOOD: Record<string, Ev> = {
  triage_completed: {
    event_type: 'triage_completed',
    consumer_ods: 'NRX01',
    registered_practice: 'A81001',
    disposition_code: 'Dx05',
    disposition_minutes: '120',
  },
  services_presented: { event_type: 'services_presented', service_id: 'S1', top_service_bookable: 'true' },
  service_selected: {
    event_type: 'service_selected',
    service_id: 'S1',
    provider_ods: 'A81001',
    service_rank: '1',
  },
  slot_offered: { event_type: 'slot_offered', slot_id: 'SL1', slot_start: '2025-12-01T11:00:00Z' },
  booking_succeeded: {
    event_type: 'booking_succeeded',
    appointment_id: 'AP1',
    slot_id: 'SL1',
    slot_start: '2025-12-01T11:00:00Z',
  },
  booking_failed: {
    event_type: 'booking_failed',
    slot_id: 'SL2',
    http_status: '409',
    error_message: 'Slot taken',
  },
  referral_sent: {
    event_type: 'referral_sent',
    service_id: 'S1',
    provider_ods: 'A81001',
    referral_outcome: 'success',
  },
  appointment_cancelled: {
    event_type: 'appointment_cancelled',
    appointment_id: 'AP1',
    cancel_stage: 'in_call',
  },
  appointment_rebooked: {
    event_type: 'appointment_rebooked',
    appointment_id: 'AP2',
    previous_appointment_id: 'AP1',
    cancel_stage: 'call_back',
  },
};

function row(id: string, ev: Ev): Record<string, string> {
  const base: Record<string, string> = { event_id: id, event_time: '2025-12-01T10:00:00Z', case_id: 'C1' };
  return { ...base, ...(ev as Record<string, string>) };
}

function csvText(rows: Record<string, string>[]): string {
  const q = (v: string) => (/[",\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);
  return (
    [
      BOOKING_EVENT_COLUMNS.join(','),
      ...rows.map((r) => BOOKING_EVENT_COLUMNS.map((c) => q(r[c] ?? '')).join(',')),
    ].join('\n') + '\n'
  );
}

const allGood = () => Object.entries(GOOD).map(([t, ev], i) => row(`E${i}-${t}`, ev));

describe('booking ingest', () => {
  let dir: { dir: string; remove: () => void };
  let db: Warehouse;
  const write = (name: string, text: string | Buffer) => {
    const f = path.join(dir.dir, name);
    fs.writeFileSync(f, name.endsWith('.gz') ? gzipSync(text) : text);
    return f;
  };
  const count = async (t: string) => (await db.scalar<number>(`SELECT count(*) FROM ${t}`))!;

  beforeAll(() => {
    dir = tempDir('booking-ingest-');
  });
  afterAll(() => dir.remove());
  beforeEach(async () => {
    db = await openWarehouse();
  });
  afterEach(() => db.close());

  it('loads a CSV with every event type, typed', async () => {
    const r = await ingestBookingEventFile(db, write('ok.csv', csvText(allGood())), opts);
    expect(r).toMatchObject({ status: 'loaded', rowsRead: 9, rowsLoaded: 9, rowsDuplicate: 0 });
    expect(r.firstDate).toBe('2025-12-01');
    const t = (await db.one<Record<string, unknown>>(
      "SELECT disposition_code, disposition_minutes, registered_practice FROM booking_event WHERE event_type = 'triage_completed'",
    ))!;
    expect(t).toEqual({ disposition_code: 'Dx05', disposition_minutes: 120, registered_practice: 'A81001' });
    expect(
      await db.scalar('SELECT top_service_bookable FROM booking_event WHERE event_type = $1', [
        'services_presented',
      ]),
    ).toBe(true);
    expect(
      await db.scalar('SELECT http_status FROM booking_event WHERE event_type = $1', ['booking_failed']),
    ).toBe(409);
    expect(await count('booking_load')).toBe(1);
  });

  it('dates events in Europe/London (23:30 UTC in summer is the next day)', async () => {
    const rows = [
      row('a', { ...GOOD.booking_failed, event_time: '2025-06-30T23:30:00Z' } as Ev),
      row('b', { ...GOOD.booking_failed, event_time: '2025-12-31T23:30:00Z' } as Ev),
      row('c', { ...GOOD.booking_failed, event_time: '2025-03-30T00:30:00+01:00' } as Ev),
    ];
    await ingestBookingEventFile(db, write('london.csv', csvText(rows)), opts);
    const dates = await db.all<{ event_id: string; event_date: string }>(
      'SELECT event_id, event_date FROM booking_event ORDER BY event_id',
    );
    expect(dates.map((d) => d.event_date)).toEqual(['2025-07-01', '2025-12-31', '2025-03-29']);
  });

  it('rejects every broken rule with its line and field, and loads nothing', async () => {
    const bad: [Ev, string][] = [
      [{ ...GOOD.triage_completed, event_id: '' }, 'event_id'],
      [{ ...GOOD.triage_completed, event_time: '2025-12-01 10:00' }, 'event_time'],
      [{ ...GOOD.triage_completed, event_time: '2025-12-01' }, 'event_time'],
      [{ ...GOOD.triage_completed, event_time: '2017-06-01T10:00:00Z' }, 'event_time'],
      [{ ...GOOD.triage_completed, event_time: '2026-01-17T10:00:00Z' }, 'event_time'],
      [{ ...GOOD.triage_completed, event_type: 'booked' }, 'event_type'],
      [{ ...GOOD.triage_completed, case_id: '' }, 'case_id'],
      [{ ...GOOD.triage_completed, consumer_ods: 'N!' }, 'consumer_ods'],
      [{ ...GOOD.triage_completed, registered_practice: 'not a code' }, 'registered_practice'],
      [{ ...GOOD.triage_completed, disposition_code: '' }, 'disposition_code'],
      [{ ...GOOD.triage_completed, disposition_code: 'Z05' }, 'disposition_code'],
      [{ ...GOOD.triage_completed, disposition_minutes: '' }, 'disposition_minutes'],
      [{ ...GOOD.triage_completed, disposition_minutes: '0' }, 'disposition_minutes'],
      [{ ...GOOD.triage_completed, disposition_minutes: '-5' }, 'disposition_minutes'],
      [{ ...GOOD.services_presented, top_service_bookable: '' }, 'top_service_bookable'],
      [{ ...GOOD.services_presented, top_service_bookable: 'yes' }, 'top_service_bookable'],
      [{ ...GOOD.service_selected, service_id: '' }, 'service_id'],
      [{ ...GOOD.service_selected, provider_ods: '' }, 'provider_ods'],
      [{ ...GOOD.service_selected, service_rank: '0' }, 'service_rank'],
      [{ ...GOOD.slot_offered, slot_id: '' }, 'slot_id'],
      [{ ...GOOD.slot_offered, slot_start: 'tomorrow' }, 'slot_start'],
      [{ ...GOOD.booking_succeeded, appointment_id: '' }, 'appointment_id'],
      [{ ...GOOD.booking_succeeded, slot_id: '' }, 'slot_id'],
      [{ ...GOOD.booking_succeeded, slot_start: '' }, 'slot_start'],
      [{ ...GOOD.booking_failed, http_status: '' }, 'http_status'],
      [{ ...GOOD.booking_failed, http_status: '4O9' }, 'http_status'],
      [{ ...GOOD.referral_sent, referral_outcome: 'ok' }, 'referral_outcome'],
      [{ ...GOOD.referral_sent, referral_outcome: '' }, 'referral_outcome'],
      [{ ...GOOD.appointment_cancelled, appointment_id: '' }, 'appointment_id'],
      [{ ...GOOD.appointment_cancelled, cancel_stage: '' }, 'cancel_stage'],
      [{ ...GOOD.appointment_cancelled, cancel_stage: 'later' }, 'cancel_stage'],
      [{ ...GOOD.appointment_rebooked, previous_appointment_id: '' }, 'previous_appointment_id'],
      [{ ...GOOD.appointment_rebooked, cancel_stage: '' }, 'cancel_stage'],
    ];
    const rows = [...allGood(), ...bad.map(([ev], i) => row(`B${i}`, ev))];
    const file = write('bad.csv', csvText(rows));
    const err = await rejection(ingestBookingEventFile(db, file, { ...opts, problemLimit: 100 }));
    expect(err).toBeInstanceOf(IngestError);
    const problems = (err as unknown as IngestError).problems;
    expect(problems.map((p) => [p.line, p.field])).toEqual(bad.map(([, field], i) => [i + 11, field]));
    expect(err.message.split('\n')[0]).toMatch(/^bad\.csv line 11, field event_id: is required$/);
    expect(err.message).toContain('bad.csv line 14, field event_time: "2017-06-01T10:00:00Z" is outside');
    expect(err.message).toContain('line 35, field http_status');
    expect(await count('booking_event')).toBe(0);
    expect(await count('booking_load')).toBe(0);
  });

  it('is atomic: one bad row at the end of a large file loads nothing', async () => {
    const rows = Array.from({ length: 2000 }, (_, i) => row(`E${i}`, GOOD.booking_failed!));
    rows.push(row('last', { ...GOOD.booking_failed, http_status: '' } as Ev));
    const err = await rejection(ingestBookingEventFile(db, write('atomic.csv', csvText(rows)), opts));
    expect(err.message).toBe('atomic.csv line 2002, field http_status: is required on booking_failed events');
    expect(await count('booking_event')).toBe(0);
  });

  it('refuses a header without the required columns, and an unknown file type', async () => {
    const f = write('nohdr.csv', 'event_id,event_time,case_id\nE1,2025-12-01T10:00:00Z,C1\n');
    expect((await rejection(ingestBookingEventFile(db, f, opts))).message).toMatch(
      /^nohdr\.csv line 1: missing required column event_type/,
    );
    const x = write('events.txt', 'x');
    expect((await rejection(ingestBookingEventFile(db, x, opts))).message).toMatch(/unknown file type/);
    expect(await count('booking_load')).toBe(0);
  });

  it('is idempotent by file and by event id (in the file and across files)', async () => {
    const rows = allGood();
    const f1 = write('one.csv', csvText([...rows, rows[0]!]));
    const r1 = await ingestBookingEventFile(db, f1, opts);
    expect(r1).toMatchObject({ rowsRead: 10, rowsLoaded: 9, rowsDuplicate: 1 });
    expect((await ingestBookingEventFile(db, f1, opts)).status).toBe('already_loaded');
    const f2 = write('two.csv', csvText([rows[1]!, row('new', GOOD.booking_failed!)]));
    const r2 = await ingestBookingEventFile(db, f2, opts);
    expect(r2).toMatchObject({ status: 'loaded', rowsRead: 2, rowsLoaded: 1, rowsDuplicate: 1 });
    expect(await count('booking_event')).toBe(10);
    expect(await count('booking_load')).toBe(2);
  });

  it('a later file recomputes the daily figures of every date its cases have events on; the migration fills the same', async () => {
    // File 1: case C1 referred on 1 December, not booked; case C2 offered a slot on 2 December, no triage yet.
    const f1 = write(
      'day1.csv',
      csvText([
        row('R1', GOOD.referral_sent!),
        {
          ...row('S2', { ...GOOD.slot_offered!, slot_start: '2025-12-02T18:00:00Z' }),
          case_id: 'C2',
          event_time: '2025-12-02T10:00:00Z',
        },
      ]),
    );
    // File 2: C1 booked on 3 December; C2's triage on 1 December (deadline 12:00), so its 2 December slot breaches.
    // Neither of file 2's events is dated 2 December.
    const f2 = write(
      'day3.csv',
      csvText([
        { ...row('B1', GOOD.booking_succeeded!), event_time: '2025-12-03T09:00:00Z' },
        { ...row('T2', GOOD.triage_completed!), case_id: 'C2' },
      ]),
    );
    const daily = async () =>
      Object.fromEntries(
        (
          await db.all<{ d: string; unbooked: number; ok: number; breach: number; bookings: number }>(
            `SELECT CAST(event_date AS VARCHAR) AS d, ref_unbooked AS unbooked, slots_ok AS ok,
                    slots_breach AS breach, bookings
             FROM booking_daily WHERE grouping = 'none' ORDER BY d`,
          )
        ).map(({ d, ...r }) => [d, r]),
      );
    await ingestBookingEventFile(db, f1, opts);
    expect(await daily()).toEqual({
      '2025-12-01': { unbooked: 1, ok: 0, breach: 0, bookings: 0 },
      '2025-12-02': { unbooked: 0, ok: 0, breach: 0, bookings: 0 },
    });
    await ingestBookingEventFile(db, f2, opts);
    const after = {
      '2025-12-01': { unbooked: 0, ok: 0, breach: 0, bookings: 0 },
      '2025-12-02': { unbooked: 0, ok: 0, breach: 1, bookings: 0 },
      '2025-12-03': { unbooked: 0, ok: 0, breach: 0, bookings: 1 },
    };
    expect(await daily()).toEqual(after);
    // Every grouping adds up to the total on each date; a practice's dispositions to the cases with a practice.
    const sums = await db.all<{ grouping: string; n: number }>(
      `SELECT grouping, CAST(sum(bookings + referrals + slots_breach) AS INTEGER) AS n
       FROM booking_daily GROUP BY grouping ORDER BY grouping`,
    );
    const withPractice = await db.scalar<number>(
      `SELECT CAST(sum(bookings + referrals + slots_breach) AS INTEGER) FROM booking_daily
       WHERE grouping = 'practice' AND grp IS NOT NULL`,
    );
    expect(withPractice).toBe(1);
    expect(sums.map((r) => r.n)).toEqual(sums.map((r) => (r.grouping === 'practice-disposition' ? 1 : 3)));
    expect(sums).toHaveLength(9);
    expect(
      await db.scalar<number>("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'booking_dirty_date'"),
    ).toBe(0);

    // Migration 0028 (the refill that added the practice-disposition grouping) runs refreshDaily's statement
    // over every date (same text), and fills the same rows.
    const migration = listMigrations().find((m) => m.version === 28)!;
    const statement = bookingSql.refreshDaily.text.slice(bookingSql.refreshDaily.text.indexOf('INSERT INTO'));
    expect(migration.sql).toContain(statement.trimEnd() + ';');
    const snapshot = 'SELECT * FROM booking_daily ORDER BY ALL';
    const kept = await db.all(snapshot);
    expect(kept.length).toBeGreaterThan(10);
    await db.run("DELETE FROM booking_daily WHERE grouping <> 'none'");
    await db.run(migration.sql);
    expect(await db.all(snapshot)).toEqual(kept);
    expect(await daily()).toEqual(after);
  });

  it('reads gzipped JSON Lines and Parquet the same as CSV', async () => {
    const rows = allGood();
    const jsonl = rows
      .map((r) => {
        const o: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(r)) {
          if (v === '') continue;
          o[k] =
            k === 'disposition_minutes' || k === 'http_status'
              ? Number(v)
              : k === 'top_service_bookable'
                ? v === 'true'
                : v;
        }
        return JSON.stringify(o);
      })
      .join('\n');
    const r = await ingestBookingEventFile(db, write('ev.jsonl.gz', jsonl + '\n'), opts);
    expect(r).toMatchObject({ format: 'jsonl', rowsLoaded: 9 });
    const fromJson = await db.all('SELECT * EXCLUDE (load_id) FROM booking_event ORDER BY event_id');
    // Parquet with typed columns (timestamps and integers), written by DuckDB from the CSV.
    const csv = write('src.csv', csvText(rows));
    const pq = path.join(dir.dir, 'ev.parquet');
    await db.run(
      `COPY (SELECT * REPLACE (CAST(event_time AS TIMESTAMPTZ) AS event_time, TRY_CAST(disposition_minutes AS INTEGER) AS disposition_minutes)
         FROM read_csv('${csv}', all_varchar = true)) TO '${pq}' (FORMAT parquet)`,
    );
    await db.run('DELETE FROM booking_event');
    const p = await ingestBookingEventFile(db, pq, opts);
    expect(p).toMatchObject({ format: 'parquet', rowsLoaded: 9 });
    expect(await db.all('SELECT * EXCLUDE (load_id) FROM booking_event ORDER BY event_id')).toEqual(fromJson);
  });

  it('loads slot availability, refuses bad rows and repeated keys, replaces a key from a later file', async () => {
    const hdr = 'date,service_id,provider_ods,slots_available';
    const f1 = write('slots1.csv', `${hdr}\n2025-12-01,S1,A81001,10\n2025-12-02,S1,A81001,0\n`);
    expect(await ingestBookingSlotsFile(db, f1, opts)).toMatchObject({
      status: 'loaded',
      rowsLoaded: 2,
      rowsDuplicate: 0,
    });
    expect((await ingestBookingSlotsFile(db, f1, opts)).status).toBe('already_loaded');
    const bad = write(
      'slots-bad.csv',
      `${hdr}\n2025-12-03,S1,A81001,-1\n2025-12-03,S2,A81001,5\n2025-12-03,S2,A81001,6\n2025-13-01,S1,A81001,1\n2025-12-03,,A81001,1\n2025-12-03,S1,??,1\n`,
    );
    const err = await rejection(ingestBookingSlotsFile(db, bad, opts));
    expect((err as unknown as IngestError).problems.map((p) => [p.line, p.field])).toEqual([
      [2, 'slots_available'],
      [4, 'date'],
      [5, 'date'],
      [6, 'service_id'],
      [7, 'provider_ods'],
    ]);
    expect(err.message).toContain(
      'slots-bad.csv line 4, field date: the same date, service_id and provider_ods are already on line 3',
    );
    const f2 = write('slots2.csv', `${hdr}\n2025-12-02,S1,A81001,7\n`);
    expect(await ingestBookingSlotsFile(db, f2, opts)).toMatchObject({ rowsLoaded: 1, rowsDuplicate: 1 });
    expect(await db.all('SELECT date, slots_available FROM booking_slots ORDER BY date')).toEqual([
      { date: '2025-12-01', slots_available: 10 },
      { date: '2025-12-02', slots_available: 7 },
    ]);
  });

  it('the inbox knows booking files by name', () => {
    expect(classifyInboxFile('booking-events-2025-12.csv.gz')).toEqual({ kind: 'booking-events' });
    expect(classifyInboxFile('Booking_Events_week49.parquet')).toEqual({ kind: 'booking-events' });
    expect(classifyInboxFile('booking-slots-2025-12.csv')).toEqual({ kind: 'booking-slots' });
    expect(classifyInboxFile('booking-slots.xlsx').kind).toBeNull();
    expect(classifyInboxFile('events-2025-12.csv')).toEqual({ kind: 'events' });
  });
});
