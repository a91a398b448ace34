/**
 * Synthetic urgent-care booking journeys for the demo (issue 13, item 5): a booking-events CSV and a
 * booking-slots CSV in exactly the canonical columns of src/domain/booking.ts, for the demo's GP practices
 * (their patients are the callers) over the demo's date span. Loaded through the normal booking ingest.
 *
 * Everything here is synthetic and labelled so: the consumers (three NHS 111 services and two clinical
 * assessment services) and the UTC and pharmacy providers have made-up ODS-shaped codes in the Y9…/FY9…
 * ranges, which no real organisation uses; GP services are hosted at real practices of the demo's
 * reference data (as extended-access hubs would be). DoS service ids are made-up numbers.
 *
 * The journey of a case follows the Booking Standard's flow: triage (a disposition with its real time
 * frame) → services presented (the top DoS entry, bookable or not) → a service selected (sometimes below
 * the top entry while the top was bookable) → slots offered (some of them after the time frame: they
 * would cause a breach) → booking succeeded, or failed with 409 (slot taken, often retried) or another
 * error → referral sent (success, or failure then a retry) → sometimes cancelled in the call, on a
 * call-back or after the call, or rebooked (and a rebook rebooked again). Calibrated to the seed's
 * example: about 80 % of successful referrals end in a booking, and about a fifth of the slots made
 * available are booked.
 *
 * Deterministic: the same practices, dates, volume and seed give the same files, byte for byte.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  BOOKING_EVENT_COLUMNS,
  BOOKING_SLOT_COLUMNS,
  DISPOSITION_MINUTES,
  type BookingEventColumn,
  type BookingEventType,
  type CancelStage,
} from '../domain/booking.ts';
import type { Clock } from '../domain/clock.ts';
import { DEMO_WEEKS, demoWindow, type DemoPracticeRecord } from '../domain/demo-model.ts';
import { addDays, dayOfWeek, daysBetween, londonDayStartUtc } from '../domain/periods.ts';
import type { Warehouse } from '../warehouse/db.ts';
import { loadDemoPractices } from './generate.ts';

/** Urgent-care cases with a primary-care disposition per day in England, at scale 1 (an estimate). */
export const NATIONAL_BOOKING_CASES_PER_DAY = 20_000;

export const BOOKING_EVENTS_FILE = 'booking-events-demo.csv';
export const BOOKING_SLOTS_FILE = 'booking-slots-demo.csv';

/** A registered practice code that is in no practice map: its cases count under "Unknown". */
export const UNKNOWN_PRACTICE_CODE = 'V81999';

export interface DemoConsumer {
  readonly ods: string;
  readonly name: string;
  readonly kind: '111' | 'CAS';
  readonly weight: number;
}

/** Synthetic consumers (the systems that book): ODS-shaped codes no real organisation has. */
export const DEMO_BOOKING_CONSUMERS: readonly DemoConsumer[] = [
  { ods: 'Y9X11', name: 'Synthetic NHS 111 North', kind: '111', weight: 0.3 },
  { ods: 'Y9X12', name: 'Synthetic NHS 111 Midlands', kind: '111', weight: 0.25 },
  { ods: 'Y9X13', name: 'Synthetic NHS 111 South', kind: '111', weight: 0.2 },
  { ods: 'Y9X21', name: 'Synthetic Clinical Assessment Service East', kind: 'CAS', weight: 0.15 },
  { ods: 'Y9X22', name: 'Synthetic Clinical Assessment Service West', kind: 'CAS', weight: 0.1 },
];

export type DemoServiceKind = 'GP' | 'UTC' | 'Pharmacy';

export interface DemoService {
  /** DoS service id (made up). */
  readonly serviceId: string;
  readonly providerOds: string;
  readonly name: string;
  readonly kind: DemoServiceKind;
  readonly icbCode: string;
}

/** Share of cases with each disposition (the primary-care dispositions of NHS Pathways). */
const DISPOSITION_WEIGHTS: Readonly<Record<string, number>> = {
  Dx05: 0.22,
  Dx06: 0.12,
  Dx07: 0.06,
  Dx08: 0.1,
  Dx11: 0.1,
  Dx12: 0.12,
  Dx13: 0.1,
  Dx14: 0.06,
  Dx15: 0.09,
  Dx117: 0.03,
};

/** Hour-of-day weights of triage (London time): 111 is busiest in the evening. */
const HOUR_WEIGHTS = [
  2, 1.5, 1, 0.8, 0.7, 0.8, 1.2, 2, 3.5, 4.5, 4.5, 4.2, 4, 4, 4, 4.2, 4.6, 5.2, 5.6, 5.4, 4.8, 4, 3.2, 2.6,
];
/** Day-of-week factors, Monday first: weekends (practices closed) are busier. */
const WEEKDAY_FACTORS = [1.15, 0.9, 0.85, 0.85, 0.95, 1.5, 1.45];

/** Booking failures other than 409, with their HTTP status and the message the consumer logs. */
const OTHER_ERRORS: readonly { status: number; message: string; weight: number }[] = [
  { status: 500, message: 'Internal server error at the provider system', weight: 0.35 },
  { status: 403, message: 'Organisation is not permitted to book into this service', weight: 0.2 },
  { status: 422, message: 'Invalid NHS number', weight: 0.2 },
  { status: 404, message: 'Service is not mapped to a schedule', weight: 0.15 },
  { status: 502, message: 'Spine Secure Proxy error', weight: 0.1 },
];
export const SLOT_TAKEN_MESSAGE = 'Slot is no longer available';

/** The probabilities of the journey (exported so that tests state their bounds against them). */
export const BOOKING_JOURNEY_MODEL = {
  /** The top DoS entry can be booked into. */
  topBookable: 0.93,
  /** The user picks an entry below the top one (any reason). */
  belowTop: 0.07,
  /** An entry below the top is bookable. */
  lowerBookable: 0.8,
  /** A bookable service returns no slot for this case. */
  noSlots: 0.04,
  /** The user books when at least one offered slot is within the time frame / when all would breach. */
  bookWithinFrame: 0.97,
  bookAllBreach: 0.75,
  /** A booking attempt fails; of the failures, the share with 409 (slot taken). */
  bookingFails: 0.07,
  slotTakenShare: 0.7,
  /** After a 409 the user tries another offered slot. */
  retryAfterTaken: 0.85,
  /** The case ends without a referral (caller declined, call dropped). */
  noReferral: 0.02,
  /** A referral fails; then it is sent again. */
  referralFails: 0.03,
  referralRetried: 0.8,
  /** After a booking: cancelled in the call, rebooked in the call, cancelled on call-back, cancelled after the call. */
  cancelInCall: 0.012,
  rebookInCall: 0.015,
  cancelOnCallBack: 0.02,
  cancelAfterCall: 0.025,
  /** A rebooked appointment is rebooked again (on call-back). */
  rebookAgain: 0.2,
  /** Registered practice missing, or a code in no practice map. */
  practiceEmpty: 0.015,
  practiceUnknown: 0.015,
  /** Slots made available per booking (about 20 % slot utilisation, as the seed's 2,000 of 10,000). */
  slotsPerBooking: 5,
} as const;

export interface BookingDemoOptions {
  /** Practices whose patients call (the demo's practice list); current ones are used. */
  practices: readonly Pick<DemoPracticeRecord, 'code' | 'patients13plus' | 'icbCode' | 'goneBy'>[];
  /** First and last London day, inclusive. */
  from: string;
  to: string;
  /** Share of England to simulate (1 = national volume, NATIONAL_BOOKING_CASES_PER_DAY cases a day). */
  scale: number;
  seed: number;
}

export interface BookingJourneyEvent {
  readonly event_id: string;
  readonly event_time: string;
  readonly event_type: BookingEventType;
  readonly case_id: string;
  readonly consumer_ods: string;
  readonly registered_practice: string;
  readonly disposition_code: string;
  readonly disposition_minutes: number | '';
  readonly service_id: string;
  readonly provider_ods: string;
  readonly service_rank: number | '';
  readonly top_service_bookable: boolean | '';
  readonly slot_id: string;
  readonly slot_start: string;
  readonly appointment_id: string;
  readonly previous_appointment_id: string;
  readonly referral_outcome: '' | 'success' | 'failure';
  readonly http_status: number | '';
  readonly error_message: string;
  readonly cancel_stage: '' | CancelStage;
}

export interface BookingSlotRow {
  readonly date: string;
  readonly service_id: string;
  readonly provider_ods: string;
  readonly slots_available: number;
}

export interface BookingDemo {
  readonly services: readonly DemoService[];
  /** Every event, in case order (events of a case in time order). */
  readonly events: readonly BookingJourneyEvent[];
  readonly slots: readonly BookingSlotRow[];
  readonly cases: number;
}

/** mulberry32: a small, fast, seedable generator (deterministic across platforms). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function pickWeighted<T>(items: readonly T[], weight: (t: T) => number, u: number): T {
  let total = 0;
  for (const item of items) total += weight(item);
  let x = u * total;
  for (const item of items) {
    x -= weight(item);
    if (x < 0) return item;
  }
  return items[items.length - 1]!;
}

/** Cumulative weights and a binary search: picking among thousands of practices per case. */
function cumulativePicker<T>(items: readonly T[], weight: (t: T) => number): (u: number) => T {
  const cum: number[] = [];
  let total = 0;
  for (const item of items) {
    total += weight(item);
    cum.push(total);
  }
  return (u) => {
    const x = u * total;
    let lo = 0;
    let hi = cum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cum[mid]! > x) hi = mid;
      else lo = mid + 1;
    }
    return items[lo]!;
  };
}

/**
 * The demo's services: per ICB, three GP services (hosted at the ICB's three largest practices, as
 * extended-access hubs), one urgent treatment centre and one pharmacy, with made-up DoS ids.
 */
export function demoBookingServices(
  practices: readonly Pick<DemoPracticeRecord, 'code' | 'patients13plus' | 'icbCode'>[],
): DemoService[] {
  const byIcb = new Map<string, Pick<DemoPracticeRecord, 'code' | 'patients13plus'>[]>();
  for (const p of practices) {
    const list = byIcb.get(p.icbCode) ?? [];
    list.push(p);
    byIcb.set(p.icbCode, list);
  }
  const icbs = [...byIcb.keys()].sort();
  const services: DemoService[] = [];
  icbs.forEach((icb, i) => {
    const hosts = byIcb
      .get(icb)!
      .slice()
      .sort((a, b) => b.patients13plus - a.patients13plus || a.code.localeCompare(b.code))
      .slice(0, 3);
    const n = String(i + 1).padStart(2, '0');
    hosts.forEach((h, k) =>
      services.push({
        serviceId: String(2000100000 + i * 10 + k),
        providerOds: h.code,
        name: `Synthetic GP extended access hub ${n}-${k + 1}`,
        kind: 'GP',
        icbCode: icb,
      }),
    );
    services.push({
      serviceId: String(2000100000 + i * 10 + 5),
      providerOds: `Y9U${n}`,
      name: `Synthetic urgent treatment centre ${n}`,
      kind: 'UTC',
      icbCode: icb,
    });
    services.push({
      serviceId: String(2000100000 + i * 10 + 7),
      providerOds: `FY9${n}`,
      name: `Synthetic community pharmacy ${n}`,
      kind: 'Pharmacy',
      icbCode: icb,
    });
  });
  return services;
}

const MINUTE = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** Generates the journeys and the slot availability in memory (the files are written by writeBookingDemo). */
export function generateBookingJourneys(options: BookingDemoOptions): BookingDemo {
  const M = BOOKING_JOURNEY_MODEL;
  if (!(options.scale > 0 && options.scale <= 1))
    throw new RangeError(`scale must be in (0, 1], got ${options.scale}`);
  if (!Number.isSafeInteger(options.seed))
    throw new RangeError(`seed must be an integer, got ${options.seed}`);
  const days = daysBetween(options.from, options.to) + 1;
  if (!(days >= 1)) throw new RangeError(`empty date range ${options.from} to ${options.to}`);
  const practices = options.practices.filter((p) => p.goneBy === null && p.patients13plus > 0);
  if (practices.length === 0) throw new Error('No current GP practices to generate booking journeys for.');
  const services = demoBookingServices(practices);
  const servicesByIcb = new Map<string, DemoService[]>();
  for (const s of services) servicesByIcb.set(s.icbCode, [...(servicesByIcb.get(s.icbCode) ?? []), s]);
  const icbOf = new Map(practices.map((p) => [p.code, p.icbCode]));
  const icbs = [...servicesByIcb.keys()];
  const pickPractice = cumulativePicker(practices, (p) => p.patients13plus);
  const hourWeights = HOUR_WEIGHTS.map((w, h) => ({ h, w }));
  const dispositions = Object.keys(DISPOSITION_WEIGHTS);
  const rnd = seededRandom(options.seed ^ 0x5eed600d);
  const chance = (p: number) => rnd() < p;
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const events: BookingJourneyEvent[] = [];
  const bookingsByService = new Map<string, number>();
  const perDay = options.scale * NATIONAL_BOOKING_CASES_PER_DAY;
  let cases = 0;

  for (let d = 0; d < days; d++) {
    const date = addDays(options.from, d);
    const dayStart = londonDayStartUtc(date).getTime();
    const winter = [12, 1, 2].includes(Number(date.slice(5, 7))) ? 1.15 : 1;
    const expected = perDay * WEEKDAY_FACTORS[dayOfWeek(date) - 1]! * winter;
    const n = Math.max(0, Math.round(expected * (0.9 + 0.2 * rnd())));
    const compact = date.replaceAll('-', '');
    for (let c = 0; c < n; c++) {
      cases++;
      const caseId = `SYN-${compact}-${String(c + 1).padStart(5, '0')}`;
      let seq = 0;
      const emit = (
        type: BookingEventType,
        ms: number,
        fields: Partial<Omit<BookingJourneyEvent, 'event_id' | 'event_time' | 'event_type' | 'case_id'>>,
      ) => {
        seq++;
        // One object shape for every event (all fields, in column order): spreads made this the slow part.
        events.push({
          event_id: `${caseId}-${seq < 10 ? '0' : ''}${seq}`,
          event_time: iso(ms),
          event_type: type,
          case_id: caseId,
          consumer_ods: consumer.ods,
          registered_practice: fields.registered_practice ?? '',
          disposition_code: fields.disposition_code ?? '',
          disposition_minutes: fields.disposition_minutes ?? '',
          service_id: fields.service_id ?? '',
          provider_ods: fields.provider_ods ?? '',
          service_rank: fields.service_rank ?? '',
          top_service_bookable: fields.top_service_bookable ?? '',
          slot_id: fields.slot_id ?? '',
          slot_start: fields.slot_start ?? '',
          appointment_id: fields.appointment_id ?? '',
          previous_appointment_id: fields.previous_appointment_id ?? '',
          referral_outcome: fields.referral_outcome ?? '',
          http_status: fields.http_status ?? '',
          error_message: fields.error_message ?? '',
          cancel_stage: fields.cancel_stage ?? '',
        });
      };
      const consumer = pickWeighted(DEMO_BOOKING_CONSUMERS, (x) => x.weight, rnd());
      const practice = pickPractice(rnd());
      const u = rnd();
      const registered =
        u < M.practiceEmpty
          ? ''
          : u < M.practiceEmpty + M.practiceUnknown
            ? UNKNOWN_PRACTICE_CODE
            : practice.code;
      const icb = icbOf.get(registered) ?? icbs[Math.floor(rnd() * icbs.length)]!;
      const disposition = pickWeighted(dispositions, (x) => DISPOSITION_WEIGHTS[x]!, rnd());
      const frame = DISPOSITION_MINUTES[disposition]!;
      const hour = pickWeighted(hourWeights, (x) => x.w, rnd()).h;
      const t0 = dayStart + (hour * 60 + Math.floor(rnd() * 60)) * MINUTE + Math.floor(rnd() * 60) * 1000;
      let t = t0;
      emit('triage_completed', t, {
        registered_practice: registered,
        disposition_code: disposition,
        disposition_minutes: frame,
      });

      // The DoS list: the ICB's services in a random order; the top entry bookable or not.
      const local = servicesByIcb.get(icb)!.slice();
      for (let i = local.length - 1; i > 0; i--) {
        const j = Math.floor(rnd() * (i + 1));
        [local[i], local[j]] = [local[j]!, local[i]!];
      }
      const top = local[0]!;
      const topBookable = chance(M.topBookable);
      t += int(1, 3) * MINUTE;
      emit('services_presented', t, {
        service_id: top.serviceId,
        provider_ods: top.providerOds,
        service_rank: 1,
        top_service_bookable: topBookable,
      });
      const rank = chance(M.belowTop) ? int(2, Math.min(4, local.length)) : 1;
      const selected = local[rank - 1]!;
      const bookable = rank === 1 ? topBookable : chance(M.lowerBookable);
      t += int(1, 2) * MINUTE;
      const svc = { service_id: selected.serviceId, provider_ods: selected.providerOds };
      emit('service_selected', t, { ...svc, service_rank: rank });

      let appointment: string | null = null;
      let apptSeq = 0;
      const newAppointment = () => `${caseId}-A${++apptSeq}`;
      if (bookable && !chance(M.noSlots)) {
        // Slots offered: starting 20 minutes to 2.5 time frames after triage, on 10-minute boundaries.
        const count = int(2, 6);
        const offered: { id: string; start: number; breach: boolean }[] = [];
        t += MINUTE;
        for (let s = 0; s < count; s++) {
          const offset = 20 + Math.floor((rnd() * (2.5 * frame - 20)) / 10) * 10;
          const start = Math.ceil((t0 + offset * MINUTE) / (10 * MINUTE)) * 10 * MINUTE;
          const id = `${selected.serviceId}-${start / MINUTE}-${int(100, 999)}`;
          if (offered.some((o) => o.id === id)) continue;
          offered.push({ id, start, breach: start > t0 + frame * MINUTE });
          emit('slot_offered', t, { ...svc, slot_id: id, slot_start: iso(start) });
        }
        const within = offered.filter((o) => !o.breach);
        const wants = within.length > 0 ? chance(M.bookWithinFrame) : chance(M.bookAllBreach);
        if (wants) {
          // Earliest non-breaching slot first (or the earliest of all), then the others in start order.
          const order = offered
            .slice()
            .sort((a, b) => Number(a.breach) - Number(b.breach) || a.start - b.start);
          for (let k = 0; k < order.length; k++) {
            const slot = order[k]!;
            t += int(1, 2) * MINUTE;
            if (chance(M.bookingFails)) {
              const taken = chance(M.slotTakenShare);
              const err = taken
                ? { status: 409, message: SLOT_TAKEN_MESSAGE }
                : pickWeighted(OTHER_ERRORS, (x) => x.weight, rnd());
              emit('booking_failed', t, {
                ...svc,
                slot_id: slot.id,
                slot_start: iso(slot.start),
                http_status: err.status,
                error_message: err.message,
              });
              if (taken && chance(M.retryAfterTaken)) continue;
              break;
            }
            appointment = newAppointment();
            emit('booking_succeeded', t, {
              ...svc,
              slot_id: slot.id,
              slot_start: iso(slot.start),
              appointment_id: appointment,
            });
            bookingsByService.set(selected.serviceId, (bookingsByService.get(selected.serviceId) ?? 0) + 1);
            break;
          }
        }
      }

      if (chance(M.noReferral) && appointment === null) continue;
      t += int(1, 3) * MINUTE;
      if (chance(M.referralFails)) {
        emit('referral_sent', t, {
          ...svc,
          referral_outcome: 'failure',
          http_status: 500,
          error_message: 'Referral could not be delivered',
        });
        if (!chance(M.referralRetried)) continue;
        t += int(1, 5) * MINUTE;
      }
      emit('referral_sent', t, { ...svc, referral_outcome: 'success' });
      if (appointment === null) continue;

      // After the booking: a cancellation or a rebook (a later slot), in the call or later.
      const v = rnd();
      const rebook = (stage: CancelStage, at: number) => {
        const previous = appointment!;
        appointment = newAppointment();
        const start = Math.ceil((at + int(30, Math.max(40, frame)) * MINUTE) / (10 * MINUTE)) * 10 * MINUTE;
        emit('appointment_rebooked', at, {
          ...svc,
          appointment_id: appointment,
          previous_appointment_id: previous,
          slot_id: `${selected.serviceId}-${start / MINUTE}-${int(100, 999)}`,
          slot_start: iso(start),
          cancel_stage: stage,
        });
        bookingsByService.set(selected.serviceId, (bookingsByService.get(selected.serviceId) ?? 0) + 1);
      };
      if (v < M.cancelInCall) {
        emit('appointment_cancelled', t + int(1, 4) * MINUTE, {
          ...svc,
          appointment_id: appointment,
          cancel_stage: 'in_call',
        });
      } else if (v < M.cancelInCall + M.rebookInCall) {
        t += int(1, 4) * MINUTE;
        rebook('in_call', t);
        if (chance(M.rebookAgain)) rebook('call_back', t + int(30, 240) * MINUTE);
      } else if (v < M.cancelInCall + M.rebookInCall + M.cancelOnCallBack) {
        emit('appointment_cancelled', t + int(20, Math.max(30, frame - 10)) * MINUTE, {
          ...svc,
          appointment_id: appointment,
          cancel_stage: 'call_back',
        });
      } else if (v < M.cancelInCall + M.rebookInCall + M.cancelOnCallBack + M.cancelAfterCall) {
        emit('appointment_cancelled', t + int(30, frame + 600) * MINUTE, {
          ...svc,
          appointment_id: appointment,
          cancel_stage: 'after_call',
        });
      }
    }
  }

  // Slot availability: per service and day, about slotsPerBooking slots for each booking the service takes
  // on an average day, varied by day; GP hubs and pharmacies are closed on Sundays.
  const slots: BookingSlotRow[] = [];
  const srnd = seededRandom(fnv1a(`slots|${options.seed}`));
  for (const s of services) {
    const mean = ((bookingsByService.get(s.serviceId) ?? 0) / days) * M.slotsPerBooking;
    for (let d = 0; d < days; d++) {
      const date = addDays(options.from, d);
      const sunday = dayOfWeek(date) === 7;
      const u = srnd();
      if (sunday && s.kind !== 'UTC') continue;
      slots.push({
        date,
        service_id: s.serviceId,
        provider_ods: s.providerOds,
        slots_available: Math.max(1, Math.round(mean * (0.6 + 0.8 * u))),
      });
    }
  }
  return { services, events, slots, cases };
}

function csvField(value: string | number | boolean): string {
  const s = String(value);
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** The events as CSV text in the canonical column order (header first). */
export function bookingEventsCsv(events: readonly BookingJourneyEvent[]): string {
  const lines = [BOOKING_EVENT_COLUMNS.join(',')];
  for (const e of events)
    lines.push(BOOKING_EVENT_COLUMNS.map((c: BookingEventColumn) => csvField(e[c])).join(','));
  return `${lines.join('\n')}\n`;
}

export function bookingSlotsCsv(slots: readonly BookingSlotRow[]): string {
  const lines = [BOOKING_SLOT_COLUMNS.join(',')];
  for (const s of slots) lines.push(BOOKING_SLOT_COLUMNS.map((c) => csvField(s[c])).join(','));
  return `${lines.join('\n')}\n`;
}

export interface BookingDemoFiles {
  eventsFile: string;
  slotsFile: string;
  events: number;
  slotRows: number;
  cases: number;
  from: string;
  to: string;
}

/** Generates the journeys and writes the two files into outDir (replacing earlier ones). */
export function writeBookingDemo(options: BookingDemoOptions & { outDir: string }): BookingDemoFiles {
  return writeBookingFiles(generateBookingJourneys(options), options);
}

/** Writes generated journeys as the two canonical files into outDir (replacing earlier ones). */
export function writeBookingFiles(
  demo: BookingDemo,
  options: { outDir: string; from: string; to: string },
): BookingDemoFiles {
  fs.mkdirSync(options.outDir, { recursive: true });
  const eventsFile = path.resolve(options.outDir, BOOKING_EVENTS_FILE);
  const slotsFile = path.resolve(options.outDir, BOOKING_SLOTS_FILE);
  // Written beside, then renamed: a half-written file is never left under the final name.
  fs.writeFileSync(`${eventsFile}.tmp`, bookingEventsCsv(demo.events));
  fs.writeFileSync(`${slotsFile}.tmp`, bookingSlotsCsv(demo.slots));
  fs.renameSync(`${eventsFile}.tmp`, eventsFile);
  fs.renameSync(`${slotsFile}.tmp`, slotsFile);
  return {
    eventsFile,
    slotsFile,
    events: demo.events.length,
    slotRows: demo.slots.length,
    cases: demo.cases,
    from: options.from,
    to: options.to,
  };
}

/** The demo's booking window: the same weeks as the App activity demo (src/domain/demo-model.ts). */
export function bookingDemoWindow(clock: Clock, weeks = DEMO_WEEKS): { from: string; to: string } {
  const w = demoWindow(clock, weeks);
  return { from: w.from, to: w.to };
}

/**
 * The demo's booking files for the warehouse's practices over the demo window (the same weeks as the App
 * activity demo), written into outDir: what `demo` and `serve --demo` load beside the activity events.
 */
export async function generateBookingDemoFiles(
  db: Warehouse,
  options: { scale: number; seed: number; clock: Clock; outDir: string; weeks?: number },
): Promise<BookingDemoFiles> {
  const practices = await loadDemoPractices(db);
  return writeBookingDemo({
    practices,
    ...bookingDemoWindow(options.clock, options.weeks),
    scale: options.scale,
    seed: options.seed,
    outDir: options.outDir,
  });
}
