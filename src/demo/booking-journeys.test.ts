/**
 * The demo's booking journeys: deterministic, in the canonical columns, accepted whole by the real booking
 * ingest, and shaped like the seed's example (funnel proportions within stated bounds, counted here from the
 * events: about 80 % booking utilisation, a fifth of the slots made available booked, and every kind of
 * journey the measures count: 409s and other errors, cancellations at each stage, rebooks of rebooks, unknown
 * practices, breaching and non-breaching slots).
 */
import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { BOOKING_EVENT_COLUMNS, BOOKING_SLOT_COLUMNS, DISPOSITION_MINUTES } from '../domain/booking.ts';
import { ingestBookingEventFile, ingestBookingSlotsFile } from '../ingest/booking.ts';
import { openWarehouse, tempDir } from '../../test/support/feed-files.ts';
import {
  DEMO_BOOKING_CONSUMERS,
  generateBookingJourneys,
  UNKNOWN_PRACTICE_CODE,
  writeBookingFiles,
  type BookingJourneyEvent,
} from './booking-journeys.ts';

const PRACTICES = Array.from({ length: 60 }, (_, i) => ({
  code: `A${String(81001 + i)}`,
  patients13plus: 2000 + ((i * 7919) % 9000),
  icbCode: `QA${i % 4}`,
  goneBy: i === 59 ? '2025-01-01' : null,
}));
const OPTIONS = { practices: PRACTICES, from: '2025-10-01', to: '2025-12-31', scale: 0.0015, seed: 42 };
const demo = generateBookingJourneys(OPTIONS);
const dir = tempDir('booking-demo-');
afterAll(() => dir.remove());

const byType = (t: string, where: (e: BookingJourneyEvent) => boolean = () => true) =>
  demo.events.filter((e) => e.event_type === t && where(e));

describe('booking demo journeys', () => {
  it('is deterministic and writes the canonical columns', () => {
    // The same seed gives the same journeys: a shorter run's are the first days of the longer one's.
    const short = { ...OPTIONS, to: '2025-10-07' };
    const again = generateBookingJourneys(short);
    const firstWeek = demo.events.filter((e) => e.case_id < 'SYN-20251008');
    expect(again.events).toEqual(firstWeek);
    expect(generateBookingJourneys(short).slots).toEqual(again.slots);
    expect(generateBookingJourneys({ ...short, seed: 43 }).events).not.toEqual(again.events);
    const files = writeBookingFiles(demo, { ...OPTIONS, outDir: dir.dir });
    expect(fs.readFileSync(files.eventsFile, 'utf8').split('\n', 1)[0]).toBe(BOOKING_EVENT_COLUMNS.join(','));
    expect(fs.readFileSync(files.slotsFile, 'utf8').split('\n', 1)[0]).toBe(BOOKING_SLOT_COLUMNS.join(','));
    expect(new Set(demo.events.map((e) => e.event_id)).size).toBe(demo.events.length);
  });

  it('is accepted whole by the booking ingest', async () => {
    const db = await openWarehouse();
    try {
      const files = writeBookingFiles(demo, { ...OPTIONS, outDir: dir.dir });
      const now = new Date('2026-01-15T12:00:00Z');
      const ev = await ingestBookingEventFile(db, files.eventsFile, { demo: true, now });
      expect([ev.rowsRead, ev.rowsLoaded, ev.rowsDuplicate]).toEqual([
        demo.events.length,
        demo.events.length,
        0,
      ]);
      const sl = await ingestBookingSlotsFile(db, files.slotsFile, { demo: true, now });
      expect(sl.rowsLoaded).toBe(demo.slots.length);
    } finally {
      db.close();
    }
  });

  it('has the funnel of the seed, within bounds', () => {
    const booked = byType('booking_succeeded').length;
    const referrals = byType('referral_sent', (e) => e.referral_outcome === 'success').length;
    const available = demo.slots.reduce((a, s) => a + s.slots_available, 0);
    expect(demo.cases).toBeGreaterThan(2000);
    // About 80 % booking utilisation, about 20 % of the slots made available booked.
    expect(booked / referrals).toBeGreaterThan(0.74);
    expect(booked / referrals).toBeLessThan(0.86);
    expect(booked / available).toBeGreaterThan(0.12);
    expect(booked / available).toBeLessThan(0.3);
    const failed = byType('booking_failed');
    const taken = failed.filter((e) => e.http_status === 409);
    expect(taken.length / failed.length).toBeGreaterThan(0.6);
    expect(taken.length / failed.length).toBeLessThan(0.8);
    expect(new Set(failed.map((e) => e.http_status)).size).toBeGreaterThanOrEqual(4);
    // The top entry passed over while bookable: a few per cent of cases.
    const topBookable = new Map(byType('services_presented').map((e) => [e.case_id, e.top_service_bookable]));
    const passedOver = byType(
      'service_selected',
      (e) => Number(e.service_rank) > 1 && topBookable.get(e.case_id) === true,
    );
    expect(passedOver.length / demo.cases).toBeGreaterThan(0.03);
    expect(passedOver.length / demo.cases).toBeLessThan(0.1);
    // Referred without any slot offered, and referred with slots but not booked: both happen, both small.
    const offered = new Set(byType('slot_offered').map((e) => e.case_id));
    const bookedCases = new Set(byType('booking_succeeded').map((e) => e.case_id));
    const referred = new Set(
      byType('referral_sent', (e) => e.referral_outcome === 'success').map((e) => e.case_id),
    );
    const noSlots = [...referred].filter((c) => !offered.has(c) && !bookedCases.has(c)).length;
    const slotsNotBooked = [...referred].filter((c) => offered.has(c) && !bookedCases.has(c)).length;
    expect(noSlots / referred.size).toBeGreaterThan(0.03);
    expect(noSlots / referred.size).toBeLessThan(0.15);
    expect(slotsNotBooked / referred.size).toBeGreaterThan(0.03);
    expect(slotsNotBooked / referred.size).toBeLessThan(0.15);
  });

  it('has every kind of journey the measures count', () => {
    const stages = new Set(byType('appointment_cancelled').map((e) => e.cancel_stage));
    expect([...stages].sort()).toEqual(['after_call', 'call_back', 'in_call']);
    const rebooks = byType('appointment_rebooked');
    const rebooked = new Set(rebooks.map((e) => e.appointment_id));
    expect(rebooks.some((e) => rebooked.has(e.previous_appointment_id))).toBe(true);
    const practices = new Set(byType('triage_completed').map((e) => e.registered_practice));
    expect(practices.has('')).toBe(true);
    expect(practices.has(UNKNOWN_PRACTICE_CODE)).toBe(true);
    expect(practices.has('A81060')).toBe(false); // closed practice
    expect(new Set(demo.events.map((e) => e.consumer_ods))).toEqual(
      new Set(DEMO_BOOKING_CONSUMERS.map((c) => c.ods)),
    );
    // Dispositions carry their real time frames; slots offered both within and after them.
    const triage = new Map(byType('triage_completed').map((e) => [e.case_id, e]));
    for (const t of triage.values())
      expect(t.disposition_minutes).toBe(DISPOSITION_MINUTES[t.disposition_code]);
    let breaching = 0;
    let within = 0;
    for (const s of byType('slot_offered')) {
      const t = triage.get(s.case_id)!;
      if (Date.parse(s.slot_start) > Date.parse(t.event_time) + Number(t.disposition_minutes) * 60_000)
        breaching++;
      else within++;
    }
    expect(breaching / (breaching + within)).toBeGreaterThan(0.4);
    expect(breaching / (breaching + within)).toBeLessThan(0.8);
    // Events of a case are in time order, starting with the triage.
    const first = new Map<string, string>();
    for (const e of demo.events) if (!first.has(e.case_id)) first.set(e.case_id, e.event_type);
    expect(new Set(first.values())).toEqual(new Set(['triage_completed']));
  });

  it('supplies slots per service per day, GP hubs and pharmacies closed on Sundays', () => {
    const services = new Set(demo.slots.map((s) => s.service_id));
    expect(services.size).toBe(demo.services.length);
    const sundays = demo.slots.filter((s) => new Date(`${s.date}T12:00:00Z`).getUTCDay() === 0);
    const utc = new Set(demo.services.filter((s) => s.kind === 'UTC').map((s) => s.serviceId));
    expect(sundays.every((s) => utc.has(s.service_id))).toBe(true);
  });
});
