/**
 * The booking MI measures against a brute force: random journeys (cases across range edges and the clock
 * changes, rebooks of rebooks, unknown and missing practices, duplicated rows, cases split over two files) go
 * through the real ingest into a real DuckDB; every measure × grouping × range is compared with a plain
 * TypeScript computation written from issue 13's definitions (README "Urgent-care booking MI", ADR 0020).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWarehouse, tempDir } from '../../test/support/feed-files.ts';
import { insertPracticeChain } from '../../test/support/area-ancestry.ts';
import {
  BOOKING_EVENT_COLUMNS,
  BOOKING_MEASURES,
  DISPOSITION_MINUTES,
  bookingGroupingsWithin,
  type BookingArea,
  type BookingGrouping,
  type BookingRow,
} from '../domain/booking.ts';
import { ingestBookingEventFile, ingestBookingSlotsFile } from '../ingest/booking.ts';
import type { Warehouse } from '../warehouse/db.ts';
import {
  BookingQueryError,
  bookingAnswer,
  bookingRange,
  bookingSeries,
  bookingTotals,
  namedBookingArea,
} from './booking.ts';

// ---------- fixture: areas ----------
const ANCESTRY: Record<string, { pcn: string; subIcb: string; icb: string; region: string }> = {
  A81001: { pcn: 'U00001', subIcb: '00K', icb: 'QHM', region: 'Y63' },
  A81002: { pcn: 'U00001', subIcb: '00K', icb: 'QHM', region: 'Y63' },
  B82001: { pcn: 'U00002', subIcb: '02Y', icb: 'QOQ', region: 'Y63' },
  C83001: { pcn: 'U00003', subIcb: '03Q', icb: 'QWO', region: 'Y62' },
};

// ---------- random journeys ----------
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Ev {
  event_id: string;
  time: number; // epoch ms
  offset: 0 | 60; // minutes written in the file's zone
  event_type: string;
  case_id: string;
  consumer_ods?: string;
  registered_practice?: string;
  disposition_code?: string;
  disposition_minutes?: number;
  service_id?: string;
  provider_ods?: string;
  service_rank?: number;
  top_service_bookable?: boolean;
  slot_id?: string;
  slot_start?: number;
  appointment_id?: string;
  previous_appointment_id?: string;
  referral_outcome?: string;
  http_status?: number;
  error_message?: string;
  cancel_stage?: string;
}

const SERVICES: [string, string][] = [
  ['1001', 'A81001'],
  ['1002', 'B82001'],
  ['2001', 'NLO01'],
  ['3001', 'FA123'],
];
const PRACTICES = ['A81001', 'A81002', 'B82001', 'C83001', 'ZZZ999', ''];
const CONSUMERS = ['NRX01', 'NRX02', 'RYE'];
const DISPOSITIONS = Object.keys(DISPOSITION_MINUTES);
const ERRORS = ['Slot no longer available', 'Service unavailable', ''];
const MIN = 60_000;

/** Start instants that sit on range edges and the clock changes (29–31 March and 25–27 October 2025). */
const EDGES = [
  Date.UTC(2025, 2, 29, 23, 30),
  Date.UTC(2025, 2, 30, 0, 59),
  Date.UTC(2025, 2, 30, 23, 30),
  Date.UTC(2025, 9, 25, 22, 45),
  Date.UTC(2025, 9, 25, 23, 30),
  Date.UTC(2025, 9, 26, 0, 30),
  Date.UTC(2025, 9, 26, 23, 15),
  Date.UTC(2025, 2, 31, 22, 50),
];

function journeys(n: number, seed: number): Ev[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const events: Ev[] = [];
  let seq = 0;
  for (let c = 0; c < n; c++) {
    const caseId = `case-${c}`;
    let t =
      r() < 0.5
        ? pick(EDGES) + Math.floor(r() * 90 - 45) * MIN
        : Date.UTC(
            2025,
            r() < 0.5 ? 2 : 9,
            20 + Math.floor(r() * 14),
            Math.floor(r() * 24),
            Math.floor(r() * 60),
          );
    const consumer = pick(CONSUMERS);
    const add = (e: Omit<Ev, 'event_id' | 'time' | 'offset' | 'case_id'>, gapMin = Math.floor(r() * 40)) => {
      t += gapMin * MIN;
      const ev: Ev = {
        event_id: `ev-${String(++seq).padStart(6, '0')}`,
        time: t,
        offset: r() < 0.5 ? 0 : 60,
        case_id: caseId,
        ...e,
      };
      if (r() < 0.8) ev.consumer_ods = consumer;
      events.push(ev);
      return ev;
    };
    const hasTriage = r() < 0.9;
    let triageTime = t;
    let minutes = 0;
    if (hasTriage) {
      const dx = pick(DISPOSITIONS);
      minutes = DISPOSITION_MINUTES[dx]!;
      const practice = pick(PRACTICES);
      add(
        {
          event_type: 'triage_completed',
          disposition_code: dx,
          disposition_minutes: minutes,
          ...(practice ? { registered_practice: practice } : {}),
        },
        0,
      );
      triageTime = t;
    } else if (r() < 0.5) {
      // No triage: the practice may still come on a later event.
      add(
        {
          event_type: 'services_presented',
          top_service_bookable: r() < 0.5,
          registered_practice: pick(PRACTICES.slice(0, 5)),
        },
        0,
      );
    }
    if (r() < 0.8) add({ event_type: 'services_presented', top_service_bookable: r() < 0.6 });
    const selections = r() < 0.15 ? 2 : r() < 0.85 ? 1 : 0;
    let service = SERVICES[0]!;
    for (let s = 0; s < selections; s++) {
      service = pick(SERVICES);
      add({
        event_type: 'service_selected',
        service_id: service[0],
        provider_ods: service[1],
        service_rank: 1 + Math.floor(r() * 3),
      });
    }
    const slots = r() < 0.3 ? 0 : Math.floor(r() * 5);
    const offered: Ev[] = [];
    for (let s = 0; s < slots; s++) {
      const start = (hasTriage ? triageTime : t) + Math.floor(r() * Math.max(minutes, 60) * 2) * MIN;
      const own = r() < 0.7;
      offered.push(
        add(
          {
            event_type: 'slot_offered',
            slot_id: `slot-${c}-${s}`,
            slot_start: start,
            ...(own ? { service_id: service[0], provider_ods: service[1] } : {}),
            // The exact deadline: not a breach (slot_start must be after the deadline to breach).
            ...(s === 0 && hasTriage && r() < 0.2 ? { slot_start: triageTime + minutes * MIN } : {}),
          },
          Math.floor(r() * 3),
        ),
      );
    }
    let appointment: string | null = null;
    if (offered.length > 0 && r() < 0.35) {
      const slot = pick(offered);
      add({
        event_type: 'booking_failed',
        slot_id: slot.slot_id,
        http_status: r() < 0.6 ? 409 : pick([500, 503, 422]),
        ...(pick(ERRORS) ? { error_message: pick(ERRORS.slice(0, 2)) } : {}),
      });
    }
    if (offered.length > 0 && r() < 0.55) {
      const slot = pick(offered);
      appointment = `appt-${c}-0`;
      add({
        event_type: 'booking_succeeded',
        appointment_id: appointment,
        slot_id: slot.slot_id,
        slot_start: slot.slot_start!,
        ...(r() < 0.5 ? { service_id: service[0] } : {}),
      });
    }
    const referrals = r() < 0.75 ? (r() < 0.1 ? 2 : 1) : 0;
    for (let s = 0; s < referrals; s++)
      add({
        event_type: 'referral_sent',
        service_id: service[0],
        provider_ods: service[1],
        referral_outcome: r() < 0.8 ? 'success' : 'failure',
      });
    if (appointment) {
      // Rebooks of rebooks, some of them days later (the patient calls back).
      let k = 0;
      while (r() < 0.3 && k < 3) {
        const next = `appt-${c}-${++k}`;
        add(
          {
            event_type: 'appointment_rebooked',
            appointment_id: next,
            previous_appointment_id: appointment,
            cancel_stage: pick(['in_call', 'call_back', 'after_call']),
          },
          r() < 0.5 ? 5 : 60 * 30,
        );
        appointment = next;
      }
      if (r() < 0.3)
        add(
          {
            event_type: 'appointment_cancelled',
            appointment_id: appointment,
            cancel_stage: pick(['in_call', 'call_back', 'after_call']),
          },
          r() < 0.5 ? 5 : 60 * 50,
        );
    }
  }
  return events;
}

function iso(ms: number, offsetMin: 0 | 60): string {
  if (offsetMin === 0) return new Date(ms).toISOString();
  return new Date(ms + offsetMin * MIN).toISOString().replace('Z', '+01:00');
}

function toCsv(events: Ev[]): string {
  const cell = (e: Ev, c: string): string => {
    if (c === 'event_time') return iso(e.time, e.offset);
    if (c === 'slot_start') return e.slot_start === undefined ? '' : iso(e.slot_start, e.offset);
    const v = (e as unknown as Record<string, unknown>)[c];
    return v === undefined ? '' : String(v);
  };
  return (
    [
      BOOKING_EVENT_COLUMNS.join(','),
      ...events.map((e) => BOOKING_EVENT_COLUMNS.map((c) => cell(e, c)).join(',')),
    ].join('\n') + '\n'
  );
}

// ---------- brute force, from the definitions ----------
const londonDay = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Europe/London',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});
const dateCache = new Map<number, string>();
const dateOf = (ms: number): string => {
  let d = dateCache.get(ms);
  if (d === undefined) {
    d = londonDay.format(new Date(ms));
    dateCache.set(ms, d);
  }
  return d;
};
const before = (a: Ev, b: Ev) => a.time < b.time || (a.time === b.time && a.event_id < b.event_id);

interface CaseFacts {
  practice?: string;
  consumer?: string;
  disposition?: string;
  deadline?: number;
  selected?: Ev;
  firstReferral?: Ev;
  booked: boolean;
  topBookable: boolean;
  slots: Ev[];
}

function caseFacts(events: Ev[]): Map<string, CaseFacts> {
  const byCase = new Map<string, Ev[]>();
  for (const e of events) byCase.set(e.case_id, [...(byCase.get(e.case_id) ?? []), e]);
  const out = new Map<string, CaseFacts>();
  for (const [id, evs] of byCase) {
    const sorted = [...evs].sort((a, b) => (before(a, b) ? -1 : 1));
    const triage = sorted.find((e) => e.event_type === 'triage_completed');
    const selections = sorted.filter((e) => e.event_type === 'service_selected');
    out.set(id, {
      practice: sorted.find((e) => e.registered_practice)?.registered_practice,
      consumer: sorted.find((e) => e.consumer_ods)?.consumer_ods,
      disposition: triage?.disposition_code,
      deadline: triage ? triage.time + triage.disposition_minutes! * MIN : undefined,
      selected: selections[selections.length - 1],
      firstReferral: sorted.find((e) => e.event_type === 'referral_sent' && e.referral_outcome === 'success'),
      booked: sorted.some((e) => e.event_type === 'booking_succeeded'),
      topBookable: sorted.some(
        (e) => e.event_type === 'services_presented' && e.top_service_bookable === true,
      ),
      slots: sorted.filter((e) => e.event_type === 'slot_offered'),
    });
  }
  return out;
}

function groupOf(g: BookingGrouping, e: Ev, c: CaseFacts): string | null {
  const known = c.practice !== undefined ? ANCESTRY[c.practice] : undefined;
  const v = (() => {
    switch (g) {
      case 'none':
        return null;
      case 'service':
        return e.service_id ?? c.selected?.service_id;
      case 'provider':
        return e.provider_ods ?? c.selected?.provider_ods;
      case 'consumer':
        return e.consumer_ods ?? c.consumer;
      case 'practice':
        return known ? c.practice : undefined;
      case 'pcn':
        return known?.pcn;
      case 'sub-icb':
        return known?.subIcb;
      case 'icb':
        return known?.icb;
      case 'region':
        return known?.region;
      case 'disposition':
        return c.disposition;
      case 'error':
        return e.error_message;
      case 'service-error':
        return `${e.service_id ?? c.selected?.service_id ?? 'Unknown'} — ${e.error_message ?? 'Unknown'}`;
    }
  })();
  return g === 'none' ? null : (v ?? 'Unknown');
}

const breaches = (slot: Ev, c: CaseFacts) => c.deadline !== undefined && slot.slot_start! > c.deadline;
const isReferral = (e: Ev) => e.event_type === 'referral_sent' && e.referral_outcome === 'success';

/** Is the event counted by the measure / by its paired figure (the definitions, one by one). */
function counts(measure: string, e: Ev, c: CaseFacts): boolean {
  const first = c.firstReferral === e;
  switch (measure) {
    case 'rep-cons-02':
      return first && !c.booked && c.slots.length === 0;
    case 'rep-cons-03':
      return first && !c.booked && c.slots.length > 0;
    case 'rep-cons-04':
      return e.event_type === 'booking_failed' && e.http_status === 409;
    case 'rep-cons-05':
      return e.event_type === 'service_selected' && e.service_rank! > 1 && c.topBookable;
    case 'rep-cons-06':
      return e.event_type === 'booking_failed';
    case 'rep-cons-07':
      return e.event_type === 'appointment_cancelled' && e.cancel_stage === 'in_call';
    case 'rep-cons-08':
      return e.event_type === 'appointment_rebooked';
    case 'rep-cons-09':
      return e.event_type === 'appointment_cancelled' && e.cancel_stage === 'call_back';
    case 'rep-cons-12':
      return first && !c.booked && c.slots.length > 0 && c.slots.every((s) => breaches(s, c));
    case 'rep-prov-04':
      return first && !c.booked;
    case 'rep-prov-05':
      return e.event_type === 'appointment_cancelled';
    default:
      return e.event_type === 'booking_succeeded';
  }
}
function pairs(measure: string, e: Ev, c: CaseFacts): boolean {
  switch (measure) {
    case 'rep-cons-01':
    case 'rep-prov-02':
    case 'rep-prov-04':
      return isReferral(e);
    case 'rep-cons-10':
      return e.event_type === 'slot_offered' && c.deadline !== undefined && !breaches(e, c);
    case 'rep-cons-11':
      return e.event_type === 'slot_offered' && breaches(e, c);
    default:
      return false;
  }
}

interface Slot {
  date: string;
  service: string;
  provider: string;
  n: number;
}

function expected(
  events: Ev[],
  facts: Map<string, CaseFacts>,
  slots: Slot[],
  measure: string,
  g: BookingGrouping,
  from: string,
  to: string,
  area?: BookingArea,
): BookingRow[] {
  let first = '9999-12-31';
  let last = '0000-01-01';
  for (const e of events) {
    const d = dateOf(e.time);
    if (d < first) first = d;
    if (d > last) last = d;
  }
  const lo = from > first ? from : first;
  const hi = to < last ? to : last;
  if (lo > hi) return [];
  const def = BOOKING_MEASURES.find((m) => m.id === measure)!;
  const acc = new Map<string | null, { count: number; paired: number; slots: number | null }>();
  const at = (k: string | null) => {
    if (!acc.has(k)) acc.set(k, { count: 0, paired: 0, slots: null });
    return acc.get(k)!;
  };
  if (g === 'none') at(null);
  for (const e of events) {
    const d = dateOf(e.time);
    if (d < lo || d > hi) continue;
    const c = facts.get(e.case_id)!;
    // Narrowed to an area: only the cases whose registered practice is in it (Unknown practices in none).
    if (area && groupOf(area.level, e, c) !== area.code) continue;
    const isCount = counts(measure, e, c);
    const isPaired = pairs(measure, e, c);
    if (!isCount && !isPaired) continue;
    const a = at(groupOf(g, e, c));
    if (isCount) a.count += 1;
    if (isPaired) a.paired += 1;
  }
  if (measure === 'rep-prov-03' && !area) {
    for (const s of slots) {
      if (s.date < lo || s.date > hi) continue;
      const a = at(g === 'none' ? null : g === 'service' ? s.service : s.provider);
      a.slots = (a.slots ?? 0) + s.n;
    }
  }
  return [...acc].map(([group, a]) => {
    const paired = def.paired === null ? null : measure === 'rep-prov-03' ? a.slots : a.paired;
    return { measure, group, count: a.count, paired, ratio: paired ? a.count / paired : null };
  });
}

const key = (r: { group: string | null }) => r.group ?? '';
const plain = (rows: BookingRow[]) =>
  rows
    .map((r) => ({
      group: r.group,
      count: r.count,
      paired: r.paired,
      ratio: r.ratio === null ? null : Number(r.ratio.toFixed(9)),
    }))
    .sort((a, b) => key(a).localeCompare(key(b)));

describe('booking measures against a brute force', () => {
  let dir: { dir: string; remove: () => void };
  let db: Warehouse;
  let events: Ev[];
  let facts: Map<string, CaseFacts>;
  const slots: Slot[] = [];

  beforeAll(async () => {
    dir = tempDir('booking-brute-');
    db = await openWarehouse();
    for (const [code, a] of Object.entries(ANCESTRY)) {
      await insertPracticeChain(db, code, a.pcn, a.subIcb, a.icb, a.region);
      await db.run(
        "INSERT INTO area VALUES ('practice', $1, NULL, $2, 'pcn', $3, NULL, NULL, NULL, NULL, true, NULL) ON CONFLICT DO NOTHING",
        [code, `Practice ${code}`, a.pcn],
      );
      await db.run(
        "INSERT INTO area VALUES ('icb', $1, NULL, $2, 'region', $3, NULL, NULL, NULL, NULL, true, NULL) ON CONFLICT DO NOTHING",
        [a.icb, `ICB ${a.icb}`, a.region],
      );
    }
    const all = journeys(320, 13);
    // Cases split over two files, the second repeating some rows of the first (same event ids), and a row
    // repeated within a file: each event counts once.
    const half = Math.floor(all.length / 2);
    const first = [...all.slice(0, half), all[3]!, all[10]!];
    const second = [...all.slice(half - 25), all[0]!];
    fs.writeFileSync(path.join(dir.dir, 'booking-events-1.csv'), toCsv(first));
    fs.writeFileSync(path.join(dir.dir, 'booking-events-2.csv'), toCsv(second));
    const now = new Date('2026-01-10T12:00:00Z');
    const r1 = await ingestBookingEventFile(db, path.join(dir.dir, 'booking-events-1.csv'), { now });
    const r2 = await ingestBookingEventFile(db, path.join(dir.dir, 'booking-events-2.csv'), { now });
    expect(r1.rowsDuplicate).toBe(2);
    expect(r2.rowsDuplicate).toBe(26);
    events = all;
    facts = caseFacts(events);
    const r = rng(7);
    const lines = ['date,service_id,provider_ods,slots_available'];
    for (const d of [
      '2025-03-20',
      '2025-03-29',
      '2025-03-30',
      '2025-03-31',
      '2025-10-26',
      '2025-10-27',
      '2026-01-01',
    ]) {
      for (const [s, p] of SERVICES.slice(0, 3)) {
        const n = Math.floor(r() * 20);
        slots.push({ date: d, service: s, provider: p, n });
        lines.push(`${d},${s},${p},${n}`);
      }
    }
    fs.writeFileSync(path.join(dir.dir, 'booking-slots.csv'), lines.join('\n') + '\n');
    await ingestBookingSlotsFile(db, path.join(dir.dir, 'booking-slots.csv'), { now });
  });
  afterAll(() => {
    db.close();
    dir.remove();
  });

  it('loads the journeys once each', async () => {
    expect(await db.scalar<number>('SELECT count(*) FROM booking_event')).toBe(events.length);
    const dates = events.map((e) => dateOf(e.time)).sort();
    expect(await bookingRange(db)).toEqual({ first: dates[0], last: dates[dates.length - 1] });
    // The generator made what the test is about.
    const types = new Set(events.map((e) => e.event_type));
    expect(types.size).toBe(9);
    expect(
      events.filter(
        (e) => e.event_type === 'appointment_rebooked' && e.previous_appointment_id!.endsWith('-1'),
      ).length,
    ).toBeGreaterThan(0);
    expect([...facts.values()].filter((c) => c.practice === 'ZZZ999').length).toBeGreaterThan(0);
  });

  const RANGES: [string, string][] = [
    ['2025-03-01', '2025-11-30'],
    ['2025-03-30', '2025-03-30'],
    ['2025-03-31', '2025-04-06'],
    ['2025-10-26', '2025-10-31'],
    ['2025-10-25', '2025-10-25'],
  ];

  it('every measure, grouping and range equals the brute force', async () => {
    let compared = 0;
    let nonZero = 0;
    for (const m of BOOKING_MEASURES) {
      for (const [i, [from, to]] of RANGES.entries()) {
        // The total on every range; each grouping once, on a range that changes with the grouping.
        const groupings: BookingGrouping[] = [
          'none',
          ...m.groupings.filter((_, k) => k % RANGES.length === i),
        ];
        for (const g of groupings) {
          const got = await bookingAnswer(db, { measure: m.id, from, to, groupBy: g });
          const want = expected(events, facts, slots, m.id, g, from, to);
          expect(plain(got), `${m.id} by ${g}, ${from} to ${to}`).toEqual(plain(want));
          compared += 1;
          if (want.some((w) => w.count > 0)) nonZero += 1;
        }
      }
    }
    expect(compared).toBeGreaterThan(150);
    // The comparisons are not of empty answers.
    expect(nonZero / compared).toBeGreaterThan(0.7);
  });

  it('narrowed to an area: every measure, as a total and by each area below, equals the brute force', async () => {
    // Areas of each level, one of them holding no case at all (its figures are 0, not missing).
    const AREAS: BookingArea[] = [
      { level: 'region', code: 'Y63' },
      { level: 'icb', code: 'QHM' },
      { level: 'icb', code: 'QWO' },
      { level: 'sub-icb', code: '02Y' },
      { level: 'pcn', code: 'U00001' },
      { level: 'practice', code: 'A81002' },
    ];
    let compared = 0;
    let nonZero = 0;
    for (const m of BOOKING_MEASURES) {
      for (const [i, area] of AREAS.entries()) {
        const [from, to] = RANGES[i % RANGES.length]!;
        for (const g of bookingGroupingsWithin(m, area)) {
          const q = { measure: m.id, from, to, groupBy: g, area };
          const got = await bookingAnswer(db, q);
          const want = expected(events, facts, slots, m.id, g, from, to, area);
          expect(plain(got), `${m.id} within ${area.level} ${area.code} by ${g}, ${from} to ${to}`).toEqual(
            plain(want),
          );
          compared += 1;
          if (want.some((w) => w.count > 0)) nonZero += 1;
        }
      }
    }
    expect(compared).toBeGreaterThan(100);
    expect(nonZero / compared).toBeGreaterThan(0.5);
    // The areas' totals add up to England's less the cases of practices no area holds.
    const whole = { measure: 'rep-cons-01', from: '2025-03-01', to: '2025-11-30', groupBy: 'none' as const };
    const england = (await bookingAnswer(db, whole))[0]!;
    const regions = await Promise.all(
      ['Y62', 'Y63'].map(
        async (code) => (await bookingAnswer(db, { ...whole, area: { level: 'region', code } }))[0]!,
      ),
    );
    const unknown = (await bookingAnswer(db, { ...whole, groupBy: 'region' })).find(
      (r) => r.group === 'Unknown',
    );
    expect(regions[0]!.count + regions[1]!.count + (unknown?.count ?? 0)).toBe(england.count);
    expect(unknown?.count ?? 0).toBeGreaterThan(0);
    // Slots are a provider's, not an area's: no data within an area.
    const slotsWithin = await bookingAnswer(db, {
      measure: 'rep-prov-03',
      from: '2025-03-01',
      to: '2025-11-30',
      groupBy: 'none',
      area: { level: 'icb', code: 'QHM' },
    });
    expect(slotsWithin[0]!.paired).toBeNull();
    expect(slotsWithin[0]!.count).toBeGreaterThan(0);
  });

  it('series narrowed to an area: each point equals the brute force over its dates', async () => {
    const area: BookingArea = { level: 'icb', code: 'QHM' };
    for (const measure of ['rep-cons-01', 'rep-cons-12', 'rep-prov-04']) {
      const points = await bookingSeries(db, {
        measure,
        from: '2025-03-25',
        to: '2025-10-28',
        grain: 'month',
        area,
      });
      expect(points.length).toBeGreaterThan(3);
      for (const p of points) {
        const want = expected(events, facts, slots, measure, 'none', p.periodStart, p.periodEnd, area)[0];
        expect({ count: p.count, paired: p.paired }, `${measure} ${p.periodStart}`).toEqual({
          count: want?.count ?? 0,
          paired: want?.paired ?? null,
        });
      }
    }
  });

  it('totals of every measure at once equal each measure asked alone (and so the brute force)', async () => {
    const ids = BOOKING_MEASURES.map((m) => m.id);
    const areas: (BookingArea | undefined)[] = [
      undefined,
      { level: 'icb', code: 'QHM' },
      { level: 'practice', code: 'C83001' },
    ];
    let nonZero = 0;
    for (const [from, to] of RANGES) {
      for (const area of areas) {
        const totals = await bookingTotals(db, { measures: ids, from, to, ...(area ? { area } : {}) });
        expect([...totals.keys()]).toEqual(ids);
        for (const id of ids) {
          const [alone] = await bookingAnswer(db, {
            measure: id,
            from,
            to,
            groupBy: 'none',
            ...(area ? { area } : {}),
          });
          expect(totals.get(id), `${id} ${from} to ${to} ${area?.code ?? 'England'}`).toEqual(alone);
          if (alone!.count > 0) nonZero += 1;
        }
      }
    }
    expect(nonZero).toBeGreaterThan(60);
    // Nothing loaded for the range: no totals at all, not zeros.
    expect((await bookingTotals(db, { measures: ids, from: '2024-01-01', to: '2024-12-31' })).size).toBe(0);
    await expect(
      bookingTotals(db, { measures: ['rep-cons-99'], from: '2025-01-01', to: '2025-01-31' }),
    ).rejects.toThrow(BookingQueryError);
  });

  it('no data is not zero: a range with no events loaded is empty; inside it, a total of 0', async () => {
    expect(
      await bookingAnswer(db, {
        measure: 'rep-cons-01',
        from: '2024-01-01',
        to: '2024-12-31',
        groupBy: 'none',
      }),
    ).toEqual([]);
    const none = await bookingAnswer(db, {
      measure: 'rep-cons-07',
      from: '2025-06-01',
      to: '2025-06-30',
      groupBy: 'none',
    });
    expect(none).toEqual([{ measure: 'rep-cons-07', group: null, count: 0, paired: null, ratio: null }]);
  });

  it('series: each week and month point equals the brute force over its dates, and the points add up to the range', async () => {
    for (const m of BOOKING_MEASURES) {
      for (const grain of ['week', 'month'] as const) {
        // Grouped series for a few measures (the grouping itself is checked above); the total for the rest.
        const g: BookingGrouping =
          m.id === 'rep-cons-06'
            ? 'error'
            : m.id === 'rep-prov-03'
              ? 'provider'
              : m.id === 'rep-cons-12'
                ? 'practice'
                : 'none';
        const points = await bookingSeries(db, {
          measure: m.id,
          from: '2025-03-25',
          to: '2025-10-28',
          grain,
          groupBy: g,
        });
        expect(points.length).toBeGreaterThan(0);
        for (const p of points) {
          const want = expected(events, facts, slots, m.id, g, p.periodStart, p.periodEnd).find(
            (w) => w.group === p.group,
          );
          expect(
            { count: p.count, paired: p.paired },
            `${m.id} ${grain} ${p.periodStart} ${p.group}`,
          ).toEqual({
            count: want?.count ?? 0,
            paired: want?.paired ?? (m.paired === null || m.id === 'rep-prov-03' ? null : 0),
          });
        }
        const total = (
          await bookingAnswer(db, { measure: m.id, from: '2025-03-25', to: '2025-10-28', groupBy: 'none' })
        )[0]!;
        expect(points.reduce((s, p) => s + p.count, 0)).toBe(total.count);
      }
    }
  });

  it('refuses questions it cannot answer', async () => {
    await expect(
      bookingAnswer(db, { measure: 'rep-cons-99', from: '2025-01-01', to: '2025-01-31', groupBy: 'none' }),
    ).rejects.toThrow(BookingQueryError);
    await expect(
      bookingAnswer(db, {
        measure: 'rep-prov-03',
        from: '2025-01-01',
        to: '2025-01-31',
        groupBy: 'practice',
      }),
    ).rejects.toThrow(/groupBy for rep-prov-03/);
    await expect(
      bookingAnswer(db, { measure: 'rep-cons-01', from: '2025-02-30', to: '2025-03-31', groupBy: 'none' }),
    ).rejects.toThrow(/from must be a date/);
    await expect(
      bookingAnswer(db, { measure: 'rep-cons-01', from: '2025-03-31', to: '2025-03-01', groupBy: 'none' }),
    ).rejects.toThrow(/after/);
    await expect(
      bookingAnswer(db, { measure: 'rep-cons-01', from: '2025-03-01', to: '2025-03-31', groupBy: 'error' }),
    ).rejects.toThrow(/groupBy/);
  });
});

describe('namedBookingArea', () => {
  const row = (level: 'england' | 'region' | 'icb' | 'sub_icb', code: string, name: string) => ({
    level,
    code,
    ons_code: null,
    name,
    parent_level: null,
    parent_code: null,
    postcode: null,
    supplier_name: null,
    first_extract: null,
    last_extract: null,
    is_current: true,
    place_name: null,
  });
  it('names regions, ICBs and sub-ICB locations, but not England or the Unknown rows, which hold no practice', () => {
    expect(namedBookingArea(row('icb', 'QWO', 'NHS West Yorkshire ICB'))).toEqual({
      level: 'icb',
      code: 'QWO',
      name: 'NHS West Yorkshire ICB',
    });
    expect(namedBookingArea(row('sub_icb', '15F', 'Leeds'))?.level).toBe('sub-icb');
    expect(namedBookingArea(row('england', 'E92000001', 'England'))).toBeNull();
    for (const level of ['region', 'icb', 'sub_icb'] as const)
      expect(namedBookingArea(row(level, 'UNKNOWN', 'Unknown'))).toBeNull();
  });
});
