/**
 * A handful of urgent-care booking journeys in December 2025 with answers worked out by hand (CLI and API
 * tests of the booking MI, issue 13), loaded through the real ingest into a migrated in-memory warehouse.
 *
 *   K1  practice A81001  Dx05 (2 h) 2 Dec 09:00: top entry bookable, S1 rank 1, slots 10:00 (in time) and
 *       12:00 (breach), booked 10:00, referral success
 *   K2  practice ZZZ999 (unknown)  Dx06 (6 h) 5 Dec 10:00: S2 chosen at rank 2 over a bookable top entry, slot
 *       6 Dec 10:00 (breach), booking failed 409 (error "=HYPERLINK(evil)"), referral success, never booked
 *   K3  practice A81001  Dx05 10 Dec: S1, referral success, no slot offered
 *   K4  practice B82001  Dx11 (1 h) 20 Dec 14:00: slot 14:30, booked, rebooked on call-back, the new
 *       appointment cancelled on call-back 21 Dec, referral success
 *   K5  a booking on 30 Nov 23:30 UTC (30 Nov in London): outside December
 * Slot availability: S1/A81001 2 Dec 10, 3 Dec 5; S2/Y01234 5 Dec 7.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BOOKING_EVENT_COLUMNS } from '../../src/domain/booking.ts';
import { ingestBookingEventFile, ingestBookingSlotsFile } from '../../src/ingest/booking.ts';
import type { Warehouse } from '../../src/warehouse/db.ts';
import { openWarehouse } from './feed-files.ts';
import { insertPracticeChain } from './area-ancestry.ts';

type Row = Partial<Record<(typeof BOOKING_EVENT_COLUMNS)[number], string>>;

const T = (id: string, time: string, caseId: string, type: string, more: Row = {}): Row => ({
  event_id: id,
  event_time: time,
  case_id: caseId,
  event_type: type,
  consumer_ods: 'NRX01',
  ...more,
});

export const BOOKING_JOURNEYS: Row[] = [
  T('k1-1', '2025-12-02T09:00:00Z', 'K1', 'triage_completed', {
    registered_practice: 'A81001',
    disposition_code: 'Dx05',
    disposition_minutes: '120',
  }),
  T('k1-2', '2025-12-02T09:01:00Z', 'K1', 'services_presented', { top_service_bookable: 'true' }),
  T('k1-3', '2025-12-02T09:02:00Z', 'K1', 'service_selected', {
    service_id: 'S1',
    provider_ods: 'A81001',
    service_rank: '1',
  }),
  T('k1-4', '2025-12-02T09:03:00Z', 'K1', 'slot_offered', {
    slot_id: 'a',
    slot_start: '2025-12-02T10:00:00Z',
  }),
  T('k1-5', '2025-12-02T09:03:00Z', 'K1', 'slot_offered', {
    slot_id: 'b',
    slot_start: '2025-12-02T12:00:00Z',
  }),
  T('k1-6', '2025-12-02T09:04:00Z', 'K1', 'booking_succeeded', {
    appointment_id: 'ap1',
    slot_id: 'a',
    slot_start: '2025-12-02T10:00:00Z',
  }),
  T('k1-7', '2025-12-02T09:05:00Z', 'K1', 'referral_sent', {
    service_id: 'S1',
    provider_ods: 'A81001',
    referral_outcome: 'success',
  }),
  T('k2-1', '2025-12-05T10:00:00Z', 'K2', 'triage_completed', {
    registered_practice: 'ZZZ999',
    disposition_code: 'Dx06',
    disposition_minutes: '360',
  }),
  T('k2-2', '2025-12-05T10:01:00Z', 'K2', 'services_presented', { top_service_bookable: 'true' }),
  T('k2-3', '2025-12-05T10:02:00Z', 'K2', 'service_selected', {
    service_id: 'S2',
    provider_ods: 'Y01234',
    service_rank: '2',
  }),
  T('k2-4', '2025-12-05T10:03:00Z', 'K2', 'slot_offered', {
    slot_id: 'c',
    slot_start: '2025-12-06T10:00:00Z',
  }),
  T('k2-5', '2025-12-05T10:04:00Z', 'K2', 'booking_failed', {
    slot_id: 'c',
    http_status: '409',
    error_message: '=HYPERLINK(evil)',
  }),
  T('k2-6', '2025-12-05T10:05:00Z', 'K2', 'referral_sent', {
    service_id: 'S2',
    provider_ods: 'Y01234',
    referral_outcome: 'success',
  }),
  T('k3-1', '2025-12-10T11:00:00Z', 'K3', 'triage_completed', {
    registered_practice: 'A81001',
    disposition_code: 'Dx05',
    disposition_minutes: '120',
  }),
  T('k3-2', '2025-12-10T11:02:00Z', 'K3', 'service_selected', {
    service_id: 'S1',
    provider_ods: 'A81001',
    service_rank: '1',
  }),
  T('k3-3', '2025-12-10T11:05:00Z', 'K3', 'referral_sent', {
    service_id: 'S1',
    provider_ods: 'A81001',
    referral_outcome: 'success',
  }),
  T('k4-1', '2025-12-20T14:00:00Z', 'K4', 'triage_completed', {
    registered_practice: 'B82001',
    disposition_code: 'Dx11',
    disposition_minutes: '60',
  }),
  T('k4-2', '2025-12-20T14:02:00Z', 'K4', 'service_selected', {
    service_id: 'S1',
    provider_ods: 'A81001',
    service_rank: '1',
  }),
  T('k4-3', '2025-12-20T14:03:00Z', 'K4', 'slot_offered', {
    slot_id: 'd',
    slot_start: '2025-12-20T14:30:00Z',
  }),
  T('k4-4', '2025-12-20T14:04:00Z', 'K4', 'booking_succeeded', {
    appointment_id: 'ap4',
    slot_id: 'd',
    slot_start: '2025-12-20T14:30:00Z',
  }),
  T('k4-5', '2025-12-20T14:05:00Z', 'K4', 'referral_sent', {
    service_id: 'S1',
    provider_ods: 'A81001',
    referral_outcome: 'success',
  }),
  T('k4-6', '2025-12-20T16:00:00Z', 'K4', 'appointment_rebooked', {
    appointment_id: 'ap5',
    previous_appointment_id: 'ap4',
    cancel_stage: 'call_back',
  }),
  T('k4-7', '2025-12-21T09:00:00Z', 'K4', 'appointment_cancelled', {
    appointment_id: 'ap5',
    cancel_stage: 'call_back',
  }),
  T('k5-1', '2025-11-30T23:30:00Z', 'K5', 'booking_succeeded', {
    appointment_id: 'ap9',
    slot_id: 'e',
    slot_start: '2025-12-01T09:00:00Z',
    service_id: 'S1',
  }),
];

export const BOOKING_SLOTS_CSV =
  'date,service_id,provider_ods,slots_available\n2025-12-02,S1,A81001,10\n2025-12-03,S1,A81001,5\n2025-12-05,S2,Y01234,7\n';

const PRACTICES: [string, string, string, string, string][] = [
  ['A81001', 'U00001', '00K', 'QHM', 'Y63'],
  ['B82001', 'U00002', '02Y', 'QOQ', 'Y63'],
];

/** Loads the journeys (and the practices they name) into `db` through the booking ingest. */
export async function loadBookingJourneys(db: Warehouse): Promise<void> {
  for (const [code, pcn, sub, icb, region] of PRACTICES) {
    await insertPracticeChain(db, code, pcn, sub, icb, region);
    await db.run(
      "INSERT INTO area VALUES ('practice', $1, NULL, $2, 'pcn', $3, NULL, NULL, NULL, NULL, true, NULL)",
      [code, `Practice ${code}`, pcn],
    );
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'booking-journeys-'));
  try {
    const csv = [
      BOOKING_EVENT_COLUMNS.join(','),
      ...BOOKING_JOURNEYS.map((r) => BOOKING_EVENT_COLUMNS.map((c) => r[c] ?? '').join(',')),
    ].join('\n');
    fs.writeFileSync(path.join(dir, 'booking-events.csv'), csv + '\n');
    fs.writeFileSync(path.join(dir, 'booking-slots.csv'), BOOKING_SLOTS_CSV);
    const now = new Date('2026-01-15T12:00:00Z');
    await ingestBookingEventFile(db, path.join(dir, 'booking-events.csv'), { now });
    await ingestBookingSlotsFile(db, path.join(dir, 'booking-slots.csv'), { now });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A migrated in-memory warehouse holding the journeys. */
export async function bookingWarehouse(): Promise<Warehouse> {
  const db = await openWarehouse();
  await loadBookingJourneys(db);
  return db;
}
