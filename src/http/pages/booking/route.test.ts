/**
 * The Urgent care booking pages over a real warehouse: the small API test warehouse (14 practices) with
 * synthetic booking journeys from the demo generator loaded through the real booking ingest. Access (anonymous
 * visitors sent to sign in, staff 200), the sentences and tables checked against counts made here from the
 * generated events themselves (not from the query), CSV, "no data" for a range with nothing loaded, and bad
 * parameters answered 400 / 404, never 500.
 */
import { parse } from 'csv-parse/sync';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WarehouseQueries } from '../../../app/warehouse-queries.ts';
import { loadConfig } from '../../../config.ts';
import type { Viewer } from '../../../domain/access.ts';
import { londonDate } from '../../../domain/periods.ts';
import {
  generateBookingJourneys,
  writeBookingFiles,
  type BookingJourneyEvent,
} from '../../../demo/booking-journeys.ts';
import { ingestBookingEventFile, ingestBookingSlotsFile } from '../../../ingest/booking.ts';
import { formatNumber } from '../../../web/format.ts';
import { buildAppAs } from '../../../../test/support/signed-in.ts';
import { TEST_CLOCK, TEST_RELEASES } from '../../../../test/support/api-warehouse.ts';
import { openWarehouse, tempDir } from '../../../../test/support/feed-files.ts';
import { loadCatalogue } from '../../../metrics/catalogue.ts';
import type { Warehouse } from '../../../warehouse/db.ts';
import * as buildSql from '../../../warehouse/sql/build.ts';
import { insertPracticeChain } from '../../../../test/support/area-ancestry.ts';

const STAFF: Viewer = { signedIn: true, role: 'viewer', userId: 'staff', via: 'session' };
const OPTIONS = {
  practices: TEST_RELEASES['2026-08-01']!.map(([code, , , , icb], i) => ({
    code,
    icbCode: icb,
    patients13plus: 500 + 100 * i,
    goneBy: null,
  })),
  from: '2026-08-01',
  to: '2026-11-15',
  scale: 0.0004,
  seed: 7,
};

let db: Warehouse;
let dir: { dir: string; remove: () => void };
let anon: FastifyInstance;
let staff: FastifyInstance;
let events: readonly BookingJourneyEvent[];

async function appFor(signedInAs: Viewer | null): Promise<FastifyInstance> {
  const catalogue = loadCatalogue();
  const app = await buildAppAs(
    {
      db,
      config: loadConfig({ DATA_DIR: dir.dir }),
      clock: TEST_CLOCK,
      queries: new WarehouseQueries(db, catalogue),
      catalogue,
    },
    signedInAs,
  );
  await app.ready();
  return app;
}

beforeAll(async () => {
  // A migrated warehouse holding only the booking journeys (the pages need no App activity), marked as demo.
  db = await openWarehouse();
  dir = tempDir('booking-routes-');
  await db.run(buildSql.setMeta, [
    'demo',
    JSON.stringify({ scale: 0.0004, seed: 7, generatedAt: '2026-11-21T12:00:00.000Z' }),
  ]);
  const demo = generateBookingJourneys(OPTIONS);
  events = demo.events;
  const files = writeBookingFiles(demo, { ...OPTIONS, outDir: dir.dir });
  const now = TEST_CLOCK.now();
  await ingestBookingEventFile(db, files.eventsFile, { demo: true, now });
  await ingestBookingSlotsFile(db, files.slotsFile, { demo: true, now });
  anon = await appFor(null);
  staff = await appFor(STAFF);
}, 120_000);

afterAll(async () => {
  await anon?.close();
  await staff?.close();
  db?.close();
  dir?.remove();
});

const text = (html: string) =>
  html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#39;|&rsquo;/g, '’')
    .replace(/\s+/g, ' ');

/** Events of a type whose London date is in [from, to], counted from the generated events. */
/** Each case's triage from the generated events: its time, disposition and time frame (minutes). */
function triageOfCase(): Map<string, { time: number; code: string; minutes: number }> {
  const triage = new Map<string, { time: number; code: string; minutes: number }>();
  for (const e of events)
    if (e.event_type === 'triage_completed')
      triage.set(e.case_id, {
        time: Date.parse(e.event_time),
        code: e.disposition_code,
        minutes: Number(e.disposition_minutes),
      });
  return triage;
}

function countEvents(
  type: string,
  from: string,
  to: string,
  where: (e: BookingJourneyEvent) => boolean = () => true,
) {
  return events.filter((e) => {
    if (e.event_type !== type || !where(e)) return false;
    const d = londonDate(e.event_time);
    return d >= from && d <= to;
  }).length;
}

describe('access', () => {
  it('sends anonymous visitors to sign in, for every booking page and download', async () => {
    for (const url of [
      '/booking',
      '/booking?view=provider',
      '/booking/measure/rep-cons-01',
      '/booking/measure/rep-cons-01/csv',
      '/booking/measure/rep-cons-01/series.csv',
      '/booking/breach',
      '/booking/breach.csv',
    ]) {
      const res = await anon.inject(url);
      expect(res.statusCode, url).toBe(303);
      expect(res.headers.location, url).toMatch(/^\/sign-in/);
    }
  });

  it('shows the header link to signed-in staff only', async () => {
    expect((await anon.inject('/about')).body).not.toContain('href="/booking"');
    expect((await staff.inject('/about')).body).toContain('href="/booking"');
  });
});

describe('GET /booking', () => {
  it('defaults to the last complete month and states every consumer measure as a sentence, with the figures counted from the events', async () => {
    const res = await staff.inject('/booking');
    expect(res.statusCode).toBe(200);
    const page = text(res.body);
    // Events are loaded to 15 November 2026 (and slot starts beyond): October is the last complete month.
    expect(page).toContain('Consumer measures, October 2026');
    const booked = countEvents('booking_succeeded', '2026-10-01', '2026-10-31');
    const referrals = countEvents(
      'referral_sent',
      '2026-10-01',
      '2026-10-31',
      (e) => e.referral_outcome === 'success',
    );
    expect(booked).toBeGreaterThan(50);
    const pct = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 1 }).format(
      (100 * booked) / referrals,
    );
    expect(page).toContain(
      `In October 2026 there were ${formatNumber(booked)} appointments booked and ${formatNumber(referrals)} successful referrals: ${pct}% booking utilisation.`,
    );
    const taken = countEvents('booking_failed', '2026-10-01', '2026-10-31', (e) => e.http_status === 409);
    expect(page).toMatch(new RegExp(`there (were|was) ${taken} booking`));
    for (let i = 1; i <= 12; i++)
      expect(res.body).toContain(`id="sentence-rep-cons-${String(i).padStart(2, '0')}"`);
    expect(page).toContain('Demo data: synthetic booking journeys');
    // Quick picks for the months in the data, and the provider view.
    expect(res.body).toContain('href="/booking?view=consumer&amp;from=2026-11-01&amp;to=2026-11-30"');
    expect(res.body).toContain('href="/booking?view=provider&amp;from=2026-10-01&amp;to=2026-10-31"');
  });

  it('has a provider view with the provider measures', async () => {
    const res = await staff.inject('/booking?view=provider&from=2026-09-01&to=2026-09-30');
    expect(res.statusCode).toBe(200);
    const page = text(res.body);
    expect(page).toContain('Provider measures, September 2026');
    const booked = countEvents('booking_succeeded', '2026-09-01', '2026-09-30');
    expect(page).toContain(`In September 2026 there were ${formatNumber(booked)} appointments booked.`);
    expect(page).toMatch(/appointment slots made available: [\d.]+% slot utilisation/);
    expect(page).not.toContain('rep-cons-01');
  });

  it('says "no data" for a range with nothing loaded, never 0', async () => {
    const res = await staff.inject('/booking?from=2020-01-01&to=2020-01-31');
    expect(res.statusCode).toBe(200);
    const page = text(res.body);
    expect(page).toContain('No data for these dates');
    expect(page).toContain('In January 2020: no data');
    expect(page).not.toMatch(/there were 0 /);
  });
});

describe('GET /booking/measure/:id', () => {
  it('tables a measure by consumer, with a CSV whose rows add up to the total', async () => {
    const url = '/booking/measure/rep-cons-01?from=2026-09-01&to=2026-10-31&groupBy=consumer';
    const res = await staff.inject(url);
    expect(res.statusCode).toBe(200);
    const page = text(res.body);
    const booked = countEvents('booking_succeeded', '2026-09-01', '2026-10-31');
    expect(page).toContain(
      `From 1 September 2026 to 31 October 2026 there were ${formatNumber(booked)} appointments booked`,
    );
    expect(res.body).toContain('id="booking-table"');
    expect(res.body).toContain('<svg');
    expect(res.body).toContain('id="booking-trend-table"');
    const csv = await staff.inject(
      '/booking/measure/rep-cons-01/csv?from=2026-09-01&to=2026-10-31&groupBy=consumer',
    );
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const rows: Record<string, string>[] = parse(csv.body, { columns: true });
    expect(Object.keys(rows[0]!)).toEqual(['measure', 'group', 'group_name', 'count', 'paired', 'ratio']);
    const byConsumer = new Map<string, number>();
    for (const e of events)
      if (e.event_type === 'booking_succeeded') {
        const d = londonDate(e.event_time);
        if (d >= '2026-09-01' && d <= '2026-10-31')
          byConsumer.set(e.consumer_ods, (byConsumer.get(e.consumer_ods) ?? 0) + 1);
      }
    expect(Object.fromEntries(rows.map((r) => [r.group, Number(r.count)]))).toEqual(
      Object.fromEntries(byConsumer),
    );
  });

  it('shows failed bookings by error when no grouping is asked for, and the total on request', async () => {
    const q = 'from=2026-09-01&to=2026-10-31';
    const res = await staff.inject(`/booking/measure/rep-cons-06?${q}`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('id="booking-table"');
    expect(res.body).toContain('<option value="error" selected>');
    // The CSV without a grouping is the same table: failed bookings per error message, from the events.
    const csv = await staff.inject(`/booking/measure/rep-cons-06/csv?${q}`);
    const rows: Record<string, string>[] = parse(csv.body, { columns: true });
    const byError = new Map<string, number>();
    for (const e of events)
      if (e.event_type === 'booking_failed') {
        const d = londonDate(e.event_time);
        if (d >= '2026-09-01' && d <= '2026-10-31')
          byError.set(e.error_message, (byError.get(e.error_message) ?? 0) + 1);
      }
    expect(byError.size).toBeGreaterThan(1);
    expect(rows.map((r) => Number(r.count)).sort((a, b) => a - b)).toEqual(
      [...byError.values()].sort((a, b) => a - b),
    );
    // The total is one choice away, and the page's own links keep it.
    const total = await staff.inject(`/booking/measure/rep-cons-06?${q}&groupBy=none`);
    expect(total.statusCode).toBe(200);
    expect(total.body).not.toContain('id="booking-table"');
    expect(total.body).toContain('<option value="none" selected>');
    expect(total.body).toMatch(/href="\/booking\/measure\/rep-cons-06\?[^"]*groupBy=none/);
    // Other measures still open on their total.
    expect((await staff.inject(`/booking/measure/rep-cons-01?${q}`)).body).not.toContain(
      'id="booking-table"',
    );
  });

  it('draws a weekly trend with its table and series CSV', async () => {
    const res = await staff.inject('/booking/measure/rep-prov-01?from=2026-10-01&to=2026-10-31&grain=week');
    expect(res.statusCode).toBe(200);
    expect(text(res.body)).toContain('Week commencing');
    const series = await staff.inject(
      '/booking/measure/rep-prov-01/series.csv?from=2026-10-01&to=2026-10-31&grain=week',
    );
    expect(series.statusCode).toBe(200);
    const rows: Record<string, string>[] = parse(series.body, { columns: true });
    expect(rows.reduce((a, r) => a + Number(r.count), 0)).toBe(
      countEvents('booking_succeeded', '2026-10-01', '2026-10-31'),
    );
  });

  it('answers 400 for bad parameters and 404 for an unknown measure, never 500', async () => {
    const bad = [
      '/booking?from=2026-02-30&to=2026-03-01',
      '/booking?from=2026-10-31&to=2026-10-01',
      '/booking?from=2026-10-01',
      '/booking?view=everyone',
      '/booking?colour=blue',
      '/booking/measure/rep-cons-01?groupBy=error',
      '/booking/measure/rep-cons-01?groupBy=postcode',
      '/booking/measure/rep-cons-01?grain=day',
      '/booking/measure/rep-prov-03?groupBy=practice',
      '/booking/measure/rep-cons-01/csv?from=1999-01-01&to=1999-01-31',
      '/booking/breach?from=yesterday&to=today',
      "/booking/measure/rep-cons-01?from=2026-10-01'--&to=2026-10-31",
      '/booking/measure/rep-cons-01?groupBy=consumer&page=0',
      '/booking/measure/rep-cons-01?groupBy=consumer&page=two',
      // The consumers' table fits on one page: there is no second.
      '/booking/measure/rep-cons-01?groupBy=consumer&page=2',
    ];
    for (const url of bad) {
      const res = await staff.inject(url);
      expect(res.statusCode, url).toBe(400);
      expect(res.headers['content-type'], url).toMatch(/text\/html/);
    }
    expect((await staff.inject('/booking/measure/rep-cons-01?groupBy=consumer&page=1')).statusCode).toBe(200);
    expect((await staff.inject('/booking/measure/rep-cons-99')).statusCode).toBe(404);
    expect((await staff.inject('/booking/measure/%3Cscript%3E')).statusCode).toBe(400);
  });
});

describe('narrowed to the patients registered in an area', () => {
  // Today's structure of the test practices: [code, postcode, PCN, sub-ICB, ICB, region].
  const rows = TEST_RELEASES['2026-08-01']!;
  beforeAll(async () => {
    const put = (
      level: string,
      code: string,
      name: string,
      parentLevel: string | null,
      parent: string | null,
    ) =>
      db.run(
        'INSERT INTO area VALUES ($1, $2, NULL, $3, $4, $5, NULL, NULL, NULL, NULL, true, NULL) ON CONFLICT DO NOTHING',
        [level, code, name, parentLevel, parent],
      );
    for (const [code, , pcn, sub, icb, region] of rows) {
      await insertPracticeChain(db, code, pcn, sub, icb, region);
      await put('practice', code, `Practice ${code}`, 'pcn', pcn);
      await put('pcn', pcn, `PCN ${pcn}`, 'sub_icb', sub);
      await put('sub_icb', sub, `Sub-ICB ${sub}`, 'icb', icb);
      await put('icb', icb, `ICB ${icb}`, 'region', region);
      await put('region', region, `Region ${region}`, 'england', 'E92000001');
    }
  });

  /** Each case's registered practice: that of its first event naming one (by time, then id). */
  function practiceOfCase(): Map<string, string> {
    const out = new Map<string, { at: string; id: string; practice: string }>();
    for (const e of events) {
      if (!e.registered_practice) continue;
      const seen = out.get(e.case_id);
      if (!seen || e.event_time < seen.at || (e.event_time === seen.at && e.event_id < seen.id))
        out.set(e.case_id, { at: e.event_time, id: e.event_id, practice: e.registered_practice });
    }
    return new Map([...out].map(([k, v]) => [k, v.practice]));
  }

  it("states every consumer measure for an ICB's patients, counted from the events of its practices' cases", async () => {
    const practices = new Set(rows.filter((r) => r[4] === 'QA9').map((r) => r[0]));
    const ofCase = practiceOfCase();
    const inIcb = (e: BookingJourneyEvent) => practices.has(ofCase.get(e.case_id) ?? '');
    const booked = countEvents('booking_succeeded', '2026-10-01', '2026-10-31', inIcb);
    const referrals = countEvents(
      'referral_sent',
      '2026-10-01',
      '2026-10-31',
      (e) => inIcb(e) && e.referral_outcome === 'success',
    );
    const all = countEvents('booking_succeeded', '2026-10-01', '2026-10-31');
    expect(booked).toBeGreaterThan(10);
    expect(booked).toBeLessThan(all);
    const res = await staff.inject('/booking?from=2026-10-01&to=2026-10-31&area=qa9');
    expect(res.statusCode).toBe(200);
    const page = text(res.body);
    expect(page).toContain('Consumer measures, October 2026, for patients registered in ICB QA9 (QA9)');
    expect(page).toContain(
      `In October 2026 there were ${formatNumber(booked)} appointments booked and ${formatNumber(referrals)} successful referrals`,
    );
    expect(res.body).toContain('<option value="QA9" selected>ICB QA9 (QA9)</option>');
    // The measure links and the other view keep the area.
    expect(res.body).toContain(
      'href="/booking/measure/rep-cons-01?from=2026-10-01&amp;to=2026-10-31&amp;area=QA9"',
    );
    expect(res.body).toContain(
      'href="/booking?view=provider&amp;from=2026-10-01&amp;to=2026-10-31&amp;area=QA9"',
    );
    // Slot availability is a provider's: no data for an area, not 0.
    const provider = text(
      (await staff.inject('/booking?view=provider&from=2026-10-01&to=2026-10-31&area=QA9')).body,
    );
    expect(provider).toContain('appointment slots made available: no data (not loaded)');
  });

  it('groups a measure by the areas below, each linking to its own figures, and narrows the CSVs', async () => {
    const q = 'from=2026-09-01&to=2026-10-31';
    const res = await staff.inject(`/booking/measure/rep-cons-01?${q}&area=Y56&groupBy=icb`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain(
      'href="/booking/measure/rep-cons-01?from=2026-09-01&amp;to=2026-10-31&amp;area=QA9"',
    );
    // Groupings that are not areas below the region are not offered.
    expect(res.body).not.toContain('<option value="consumer"');
    const csv = await staff.inject(`/booking/measure/rep-cons-01/csv?${q}&area=Y56&groupBy=practice`);
    expect(csv.headers['content-disposition']).toContain('Y56');
    const got: Record<string, string>[] = parse(csv.body, { columns: true });
    const ofCase = practiceOfCase();
    const want = new Map<string, number>();
    const inRegion = new Set(rows.filter((r) => r[5] === 'Y56').map((r) => r[0]));
    for (const e of events) {
      const p = ofCase.get(e.case_id);
      const d = londonDate(e.event_time);
      if (
        e.event_type === 'booking_succeeded' &&
        p &&
        inRegion.has(p) &&
        d >= '2026-09-01' &&
        d <= '2026-10-31'
      )
        want.set(p, (want.get(p) ?? 0) + 1);
    }
    expect(want.size).toBeGreaterThan(2);
    expect(
      Object.fromEntries(got.filter((r) => Number(r.count) > 0).map((r) => [r.group, Number(r.count)])),
    ).toEqual(Object.fromEntries(want));
    const series = await staff.inject(`/booking/measure/rep-cons-01/series.csv?${q}&area=Y56`);
    const points: Record<string, string>[] = parse(series.body, { columns: true });
    expect(points.reduce((a, r) => a + Number(r.count), 0)).toBe(
      [...want.values()].reduce((a, b) => a + b, 0),
    );
  });

  it("analyses breaches by disposition for an ICB's patients, counted from the events of its practices' cases", async () => {
    const practices = new Set(rows.filter((r) => r[4] === 'QA9').map((r) => r[0]));
    const ofCase = practiceOfCase();
    const triage = triageOfCase();
    // Slots offered in September and October to the ICB's patients, by disposition: within the time frame or not.
    const want = new Map<string, [number, number]>();
    let elsewhere = 0;
    for (const e of events) {
      if (e.event_type !== 'slot_offered') continue;
      const d = londonDate(e.event_time);
      if (d < '2026-09-01' || d > '2026-10-31') continue;
      if (!practices.has(ofCase.get(e.case_id) ?? '')) {
        elsewhere++;
        continue;
      }
      const t = triage.get(e.case_id)!;
      const pair = want.get(t.code) ?? [0, 0];
      pair[Date.parse(e.slot_start) > t.time + t.minutes * 60_000 ? 1 : 0]++;
      want.set(t.code, pair);
    }
    expect(want.size).toBeGreaterThan(1);
    expect(elsewhere).toBeGreaterThan(0);
    const res = await staff.inject('/booking/breach?from=2026-09-01&to=2026-10-31&area=QA9');
    expect(res.statusCode).toBe(200);
    expect(text(res.body)).toContain(
      'Bookings and slots offered by disposition, 1 September 2026 to 31 October 2026, for patients registered in ICB QA9 (QA9)',
    );
    expect(res.body).toContain('<option value="QA9" selected>ICB QA9 (QA9)</option>');
    expect(text(res.body)).toContain('The slots are those offered in these cases.');
    expect(res.body).toContain('href="/booking?from=2026-09-01&amp;to=2026-10-31&amp;area=QA9"');
    const csvHref = /href="([^"]+)" download id="breach-csv"/.exec(res.body)![1]!.replace(/&amp;/g, '&');
    expect(csvHref).toBe('/booking/breach.csv?from=2026-09-01&to=2026-10-31&area=QA9');
    const csv = await staff.inject(csvHref);
    expect(csv.headers['content-disposition']).toContain('QA9');
    const got: Record<string, string>[] = parse(csv.body, { columns: true });
    expect(
      Object.fromEntries(
        got
          .filter((r) => Number(r.slots_not_breaching) + Number(r.slots_breaching) > 0)
          .map((r) => [r.disposition, [Number(r.slots_not_breaching), Number(r.slots_breaching)]]),
      ),
    ).toEqual(Object.fromEntries(want));
    // The summary's link to the breach analysis keeps the area.
    const summary = await staff.inject('/booking?from=2026-09-01&to=2026-10-31&area=QA9');
    expect(summary.body).toContain('href="/booking/breach?from=2026-09-01&amp;to=2026-10-31&amp;area=QA9"');
  });

  it('answers 400 for an area no practice map holds, or a grouping outside the area, never 500', async () => {
    for (const url of [
      '/booking?area=QZZ',
      '/booking?area=Q-1',
      '/booking/measure/rep-cons-01?area=QA9&groupBy=consumer',
      '/booking/measure/rep-cons-01?area=QA9&groupBy=region',
      '/booking/measure/rep-cons-01/csv?area=nowhere',
      '/booking/measure/rep-cons-01/series.csv?area=QZZ',
      '/booking/breach?area=QZZ',
      '/booking/breach.csv?area=Q-1',
      '/booking/measure/rep-cons-06?area=QA9&groupBy=service-error',
    ]) {
      const res = await staff.inject(url);
      expect(res.statusCode, url).toBe(400);
    }
    expect(text((await staff.inject('/booking?area=QZZ')).body)).toMatch(
      /No region, ICB, sub-ICB location, PCN or GP practice has the ODS code (&quot;|")QZZ/,
    );
    // A measure whose default table cannot be narrowed (failed bookings by error) opens on its total.
    const failed = await staff.inject('/booking/measure/rep-cons-06?area=QA9');
    expect(failed.statusCode).toBe(200);
    expect(failed.body).toContain('<option value="none" selected>');
  });
});

describe('GET /booking/breach', () => {
  it('shows bookings and breaching / non-breaching slots per disposition, counted from the events', async () => {
    const res = await staff.inject('/booking/breach?from=2026-10-01&to=2026-10-31');
    expect(res.statusCode).toBe(200);
    // Slots offered in October for Dx05 cases, split by whether they start after triage + 120 minutes.
    const triage = triageOfCase();
    let within = 0;
    let breaching = 0;
    for (const e of events) {
      if (e.event_type !== 'slot_offered') continue;
      const d = londonDate(e.event_time);
      const t = triage.get(e.case_id)!;
      if (d < '2026-10-01' || d > '2026-10-31' || t.code !== 'Dx05') continue;
      if (Date.parse(e.slot_start) > t.time + t.minutes * 60_000) breaching++;
      else within++;
    }
    const row = res.body.slice(res.body.indexOf('data-disposition="Dx05"'));
    const cells = [...row.slice(0, row.indexOf('</tr>')).matchAll(/<td[^>]*>([^<]*)<\/td>/g)].map(
      (m) => m[1],
    );
    expect(cells[0]).toBe('2 hours');
    expect(cells[2]).toBe(formatNumber(within));
    expect(cells[3]).toBe(formatNumber(breaching));
    const csv = await staff.inject('/booking/breach.csv?from=2026-10-01&to=2026-10-31');
    const rows: Record<string, string>[] = parse(csv.body, { columns: true });
    const dx05 = rows.find((r) => r.disposition === 'Dx05')!;
    expect([Number(dx05.slots_not_breaching), Number(dx05.slots_breaching)]).toEqual([within, breaching]);
  });
});
