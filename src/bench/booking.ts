/**
 * The booking MI benchmark (issue 13, item 6), part of `npm run bench` and alone as `bench booking`:
 *
 * 1. booking events ingested per second: a year of synthetic journeys from the demo generator (the real
 *    practices of the bundled reference data) written as CSV and loaded through `ingestBookingEventFile`
 *    (validation, dedupe, case facts), beside DuckDB's bare scan of the same file (the floor);
 * 2. a year of national-scale journeys summarised: the loaded year copied inside DuckDB (new event, case and
 *    appointment ids per copy, case facts copied alike; the copied event table has no primary-key index) up to
 *    `scale` × NATIONAL_BOOKING_CASES_PER_DAY cases a day, the daily figures (booking_daily) rebuilt for the
 *    whole year as one big load would, then `bookingAnswer` and `bookingSeries` timed for a month and for the
 *    whole year, total and grouped (target < 1 s).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initialise, openWarehouse } from '../app/bootstrap.ts';
import { loadConfig } from '../config.ts';
import { BOOKING_MEASURES, type BookingArea, type BookingGrouping } from '../domain/booking.ts';
import {
  generateBookingJourneys,
  NATIONAL_BOOKING_CASES_PER_DAY,
  writeBookingFiles,
} from '../demo/booking-journeys.ts';
import { loadDemoPractices } from '../demo/generate.ts';
import { ingestBookingEventFile, rebuildBookingDaily } from '../ingest/booking.ts';
import { bookingAnswer, bookingSeries, bookingTotals } from '../query/booking.ts';
import { sqlLiteral } from '../warehouse/sql.ts';

/** The year of journeys generated and ingested (the copies are made from it). */
const YEAR = { from: '2025-01-01', to: '2025-12-31' };
/** Share of national volume generated in TypeScript and ingested: about 300,000 events. */
const SAMPLE_SCALE = 0.005;

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const started = process.hrtime.bigint();
  const result = await fn();
  return [result, Number(process.hrtime.bigint() - started) / 1e9];
}

/** The median of three timed runs, after one warm-up run (the first read of a table pays for loading it). */
async function medianOfThree<T>(fn: () => Promise<T>): Promise<[T, number]> {
  await fn();
  const runs = [await timed(fn), await timed(fn), await timed(fn)].sort((a, b) => a[1] - b[1]);
  return runs[1]!;
}

export async function runBookingBench(opts: { memoryLimit: string; scale?: number }): Promise<void> {
  const scale = opts.scale ?? 1;
  if (!(scale >= SAMPLE_SCALE && scale <= 2))
    throw new RangeError(`booking scale must be from ${SAMPLE_SCALE} to 2, got ${scale}`);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'nhs-app-booking-bench-'));
  const config = loadConfig({ DATA_DIR: root, DUCKDB_MEMORY_LIMIT: opts.memoryLimit });
  const db = await openWarehouse(config);
  try {
    await initialise(db, () => undefined);
    const practices = await loadDemoPractices(db);
    console.log(
      `\nBooking MI benchmark: generating a year of journeys at ${SAMPLE_SCALE} of national volume …`,
    );
    const demo = generateBookingJourneys({ practices, ...YEAR, scale: SAMPLE_SCALE, seed: 1 });
    const files = writeBookingFiles(demo, { outDir: root, ...YEAR });
    const [, floor] = await timed(() =>
      db.all(
        `SELECT count(*), count(DISTINCT case_id), max(event_time) FROM read_csv(${sqlLiteral(files.eventsFile)}, header = true, all_varchar = true)`,
      ),
    );
    const [loaded, ingestSeconds] = await timed(() =>
      ingestBookingEventFile(db, files.eventsFile, { now: new Date('2026-06-01T00:00:00Z') }),
    );
    const rate = Math.round(loaded.rowsLoaded / ingestSeconds);
    console.log(
      `booking ingest from CSV (validate, dedupe, case facts)  ${ingestSeconds.toFixed(2).padStart(7)} s ` +
        `${rate.toLocaleString('en-GB').padStart(10)} events/s  (${loaded.rowsLoaded.toLocaleString('en-GB')} events; ` +
        `${(ingestSeconds / floor).toFixed(1)}× DuckDB's bare scan of the file)`,
    );

    // Copies of the year up to national scale: the same journeys with new ids, their case facts alike.
    const copies = Math.max(0, Math.round(scale / SAMPLE_SCALE) - 1);
    const [, copySeconds] = await timed(async () => {
      if (copies === 0) return;
      const suffix = (col: string) => `CASE WHEN ${col} IS NULL THEN NULL ELSE ${col} || '~' || k END`;
      // Built as a new table and swapped in: the copy has no primary-key index to maintain (the bench reads;
      // the ingest above paid for the index), which keeps national volume within the memory limit.
      await db.run(
        `CREATE TABLE booking_event_national AS
         SELECT * FROM booking_event
         UNION ALL
         SELECT booking_event.* REPLACE (${suffix('event_id')} AS event_id, ${suffix('case_id')} AS case_id,
                           ${suffix('appointment_id')} AS appointment_id,
                           ${suffix('previous_appointment_id')} AS previous_appointment_id)
         FROM booking_event, range(1, $1 + 1) AS r(k)`,
        [copies],
      );
      await db.run('DROP TABLE booking_event');
      await db.run('ALTER TABLE booking_event_national RENAME TO booking_event');
      await db.run(
        `INSERT INTO booking_case
         SELECT booking_case.* REPLACE (${suffix('case_id')} AS case_id, ${suffix('first_referral')} AS first_referral)
         FROM booking_case, range(1, $1 + 1) AS r(k) WHERE NOT contains(case_id, '~')`,
        [copies],
      );
    });
    // The copies bypass the ingest: their daily figures are rebuilt for every date, as one load of the year would.
    const [, dailySeconds] = await timed(async () => {
      if (copies > 0) await rebuildBookingDaily(db);
    });
    const dailyRows = (await db.scalar<number>('SELECT count(*) FROM booking_daily'))!;
    const events = (await db.scalar<number>('SELECT count(*) FROM booking_event'))!;
    const cases = (await db.scalar<number>('SELECT count(*) FROM booking_case'))!;
    console.log(
      `a year at ${scale} of national volume (${NATIONAL_BOOKING_CASES_PER_DAY.toLocaleString('en-GB')} cases a day at 1): ` +
        `${cases.toLocaleString('en-GB')} cases, ${events.toLocaleString('en-GB')} events (copied in ${copySeconds.toFixed(1)} s)`,
    );
    console.log(
      `booking daily figures for the year: ${dailyRows.toLocaleString('en-GB')} rows` +
        (copies > 0
          ? ` (rebuilt from every event in ${dailySeconds.toFixed(1)} s)`
          : ' (kept by the ingest)'),
    );

    const questions: {
      label: string;
      from: string;
      to: string;
      measure: string;
      groupBy: BookingGrouping;
      area?: BookingArea;
    }[] = [
      {
        label: 'December, total',
        ...{ from: '2025-12-01', to: '2025-12-31' },
        measure: 'rep-cons-01',
        groupBy: 'none',
      },
      {
        label: 'December, by practice',
        from: '2025-12-01',
        to: '2025-12-31',
        measure: 'rep-cons-01',
        groupBy: 'practice',
      },
      { label: 'the year, total', ...YEAR, measure: 'rep-cons-01', groupBy: 'none' },
      { label: 'the year, by practice', ...YEAR, measure: 'rep-cons-01', groupBy: 'practice' },
      { label: 'the year, by service', ...YEAR, measure: 'rep-prov-02', groupBy: 'service' },
      { label: 'the year, by ICB', ...YEAR, measure: 'rep-cons-01', groupBy: 'icb' },
      { label: 'the year, breach by disposition', ...YEAR, measure: 'rep-cons-11', groupBy: 'disposition' },
      { label: 'the year, referred not booked', ...YEAR, measure: 'rep-prov-04', groupBy: 'none' },
      // Narrowed to one ICB's patients (the summary page for an ICB asks each measure so).
      {
        label: 'December, one ICB (QWO)',
        from: '2025-12-01',
        to: '2025-12-31',
        measure: 'rep-cons-01',
        groupBy: 'none',
        area: { level: 'icb', code: 'QWO' },
      },
      {
        label: 'the year, one ICB (QWO) by practice',
        ...YEAR,
        measure: 'rep-cons-12',
        groupBy: 'practice',
        area: { level: 'icb', code: 'QWO' },
      },
      // The breach analysis for one ICB's patients (ADR 0070: practice-disposition rows).
      {
        label: 'the year, one ICB (QWO) by disposition',
        ...YEAR,
        measure: 'rep-cons-11',
        groupBy: 'disposition',
        area: { level: 'icb', code: 'QWO' },
      },
      {
        label: 'the year, a region (Y63) by disposition',
        ...YEAR,
        measure: 'rep-cons-11',
        groupBy: 'disposition',
        area: { level: 'region', code: 'Y63' },
      },
    ];
    let worst = 0;
    for (const q of questions) {
      const [rows, seconds] = await medianOfThree(() => bookingAnswer(db, q));
      worst = Math.max(worst, seconds);
      console.log(
        `bookingAnswer ${q.measure} ${q.label.padEnd(34)} ${seconds.toFixed(3).padStart(7)} s  (${rows.length} rows)`,
      );
    }
    // A summary page's question: every consumer measure's total at once, for England and for one ICB.
    const consumer = BOOKING_MEASURES.filter((m) => m.side === 'consumer').map((m) => m.id);
    for (const [label, area] of [
      ['December, England', undefined],
      ['December, one ICB (QWO)', { level: 'icb', code: 'QWO' }],
    ] as const) {
      const question = {
        measures: consumer,
        from: '2025-12-01',
        to: '2025-12-31',
        ...(area ? { area } : {}),
      };
      const [totals, seconds] = await medianOfThree(() => bookingTotals(db, question));
      worst = Math.max(worst, seconds);
      console.log(
        `bookingTotals 12 consumer measures ${label.padEnd(26)} ${seconds.toFixed(3).padStart(7)} s  (${totals.size} totals)`,
      );
    }
    const series: { label: string; grain: 'week' | 'month'; groupBy: BookingGrouping }[] = [
      { label: 'the year by week, total', grain: 'week', groupBy: 'none' },
      { label: 'the year by month, by region', grain: 'month', groupBy: 'region' },
    ];
    for (const q of series) {
      const question = { ...q, ...YEAR, measure: 'rep-cons-01' };
      const [rows, seconds] = await medianOfThree(() => bookingSeries(db, question));
      worst = Math.max(worst, seconds);
      console.log(
        `bookingSeries rep-cons-01 ${q.label.padEnd(34)} ${seconds.toFixed(3).padStart(7)} s  (${rows.length} rows)`,
      );
    }
    console.log(`slowest booking summary (median of 3 runs): ${worst.toFixed(3)} s (target < 1 s)`);
  } finally {
    db.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
}
