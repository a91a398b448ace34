import { describe, expect, it } from 'vitest';
import { IngestError } from '../errors.ts';
import { importPracticeSnapshot, SNAPSHOT_COLUMNS } from './practice-snapshot.ts';
import { days, feedCounts, feedTest, rejection, writeCsv } from '../../../test/support/feed-files.ts';

const feed = feedTest('feed-snapshot-');

const HEADER = SNAPSHOT_COLUMNS.join(',');
const PRACTICES = ['A81001', 'B82005', 'Y02345'];

/** A realistic week: one row per practice per day; some blank counts (read as 0). */
function week(first: string, bump = 0): string[] {
  const rows: string[] = [];
  days(first, 7).forEach((day, d) => {
    PRACTICES.forEach((p, i) => {
      const base = 10 * (i + 1) + d + bump;
      // P5NewAppUsers … RecordViewsSCR; NomPharmacy and ODWithdrawals often blank in the real feed.
      rows.push(
        [
          day,
          p,
          base,
          base + 1,
          base + 2,
          50 * base,
          7 * base,
          3 * base,
          '',
          base,
          1,
          2,
          '',
          0,
          4,
          2 * base,
          base,
        ].join(','),
      );
    });
  });
  return rows;
}

describe('importPracticeSnapshot', () => {
  it('loads a weekly nhs_app_table_snapshot file, blanks as 0', async () => {
    const file = writeCsv(feed.dir, 'nhs_app_table_snapshot_2025_03_09.csv', [HEADER, ...week('2025-03-03')]);
    const r = await importPracticeSnapshot(feed.db, file);
    expect(r).toMatchObject({
      kind: 'practice-snapshot',
      status: 'loaded',
      rowsRead: 21,
      rowsLoaded: 21,
      firstDate: '2025-03-03',
      lastDate: '2025-03-09',
      periods: 7,
      replaced: null,
      warnings: [],
    });
    const row = await feed.db.one(
      "SELECT * FROM feed_practice_daily WHERE date = DATE '2025-03-03' AND practice_code = 'A81001'",
    );
    expect(row).toMatchObject({
      p5_new_app_users: 10,
      accepted_terms_and_conditions: 11,
      p9_verified_nhs_app_users: 12,
      logins: 500,
      nom_pharmacy: 0,
      od_withdrawals: 0,
      record_views_scr: 10,
      load_id: r.loadId,
    });
    const load = await feed.db.one('SELECT * FROM feed_load');
    expect(load).toMatchObject({
      kind: 'practice-snapshot',
      file_kind: 'snapshot',
      source_file: 'nhs_app_table_snapshot_2025_03_09.csv',
      rows_read: 21,
      rows_loaded: 21,
      rows_replaced: 0,
      first_date: '2025-03-03',
      last_date: '2025-03-09',
    });
  });

  it('loads a gzipped delivery, and the same content plain is then a no-op', async () => {
    const lines = [HEADER, ...week('2025-03-10')];
    const gz = writeCsv(feed.dir, 'nhs_app_table_snapshot_2025_03_16.csv.gz', lines);
    expect((await importPracticeSnapshot(feed.db, gz)).rowsLoaded).toBe(21);
    const plain = writeCsv(feed.dir, 'nhs_app_table_snapshot_2025_03_16.csv', lines);
    const again = await importPracticeSnapshot(feed.db, plain);
    expect(again.status).toBe('already_loaded');
    expect(await feedCounts(feed.db)).toMatchObject({ feed_load: 1, feed_practice_daily: 21 });
  });

  it('loading the same file twice is a no-op', async () => {
    const file = writeCsv(feed.dir, 'nhs_app_table_snapshot_2025_03_23.csv', [HEADER, ...week('2025-03-17')]);
    const first = await importPracticeSnapshot(feed.db, file);
    const before = await feedCounts(feed.db);
    const second = await importPracticeSnapshot(feed.db, file);
    expect(second).toMatchObject({ status: 'already_loaded', loadId: first.loadId, rowsLoaded: 0 });
    expect(await feedCounts(feed.db)).toEqual(before);
  });

  it('rejects bad rows naming line and field, and leaves the warehouse unchanged', async () => {
    const good = writeCsv(feed.dir, 'nhs_app_table_snapshot_2025_03_30.csv', [HEADER, ...week('2025-03-24')]);
    await importPracticeSnapshot(feed.db, good);
    const before = await feedCounts(feed.db);
    const rows = week('2025-03-31');
    rows[1] = rows[1]!.replace(',B82005,20,', ',B82005,-3,'); // line 3: negative P5NewAppUsers
    rows[4] = rows[4]!.replace(',B82005,', ',B8200,'); // line 6: bad practice code
    rows[6] = rows[6]!.replace(/^2025-04-02,A81001,(\d+),(\d+),/, '2025-04-02,A81001,$1,2.5,'); // line 8: fraction
    rows[9] = rows[9]!.replace(/^2025-04-03/, '2025-04-31'); // line 11: no such date
    rows[12] = rows[12]!.replace(',A81001,', ',,'); // line 14: blank OdsCode
    const bad = writeCsv(feed.dir, 'nhs_app_table_snapshot_2025_04_06.csv', [HEADER, ...rows]);
    const err = await rejection(importPracticeSnapshot(feed.db, bad));
    expect(err).toBeInstanceOf(IngestError);
    const e = err as unknown as IngestError;
    expect(e.totalProblems).toBe(5);
    expect(e.problems.map((p) => [p.line, p.field])).toEqual([
      [3, 'P5NewAppUsers'],
      [6, 'OdsCode'],
      [8, 'AcceptedTermsAndConditions'],
      [11, 'Date'],
      [14, 'OdsCode'],
    ]);
    expect(e.message).toContain(
      'nhs_app_table_snapshot_2025_04_06.csv line 3, field P5NewAppUsers: -3 is negative',
    );
    expect(e.message).toContain('line 8, field AcceptedTermsAndConditions: 2.5 is not a whole number');
    expect(await feedCounts(feed.db)).toEqual(before);
  });

  it('rejects a file repeating a (Date, OdsCode) with both lines', async () => {
    const rows = week('2025-04-07');
    const bad = writeCsv(feed.dir, 'nhs_app_table_snapshot_dup.csv', [HEADER, ...rows, rows[2]!]);
    const before = await feedCounts(feed.db);
    const err = (await rejection(importPracticeSnapshot(feed.db, bad))) as unknown as IngestError;
    expect(err.line).toBe(23);
    expect(err.field).toBe('Date, OdsCode');
    expect(err.message).toContain('repeats the Date and OdsCode as line 4 (2025-04-07, Y02345)');
    expect(await feedCounts(feed.db)).toEqual(before);
  });

  it('rejects a file without Date or OdsCode', async () => {
    const file = writeCsv(feed.dir, 'nhs_app_table_snapshot_nohdr.csv', [
      'Day,Practice,Logins',
      '2025-03-03,A81001,5',
    ]);
    const err = (await rejection(importPracticeSnapshot(feed.db, file))) as unknown as IngestError;
    expect(err.message).toContain('line 1: missing columns Date, OdsCode');
  });

  it('a corrected re-delivery replaces the days it covers and says so', async () => {
    const first = await importPracticeSnapshot(
      feed.db,
      writeCsv(feed.dir, 'nhs_app_table_snapshot_2025_04_20.csv', [HEADER, ...week('2025-04-14')]),
    );
    // The correction covers the last 3 days of that week, for two of the three practices.
    const corrected = week('2025-04-14', 1000)
      .filter((r) => r >= '2025-04-18')
      .filter((r) => !r.includes(',Y02345,'));
    const r = await importPracticeSnapshot(
      feed.db,
      writeCsv(feed.dir, 'nhs_app_table_snapshot_2025_04_20_v2.csv', [HEADER, ...corrected]),
    );
    expect(r.status).toBe('loaded');
    expect(r.replaced).toEqual({
      periods: ['2025-04-18', '2025-04-19', '2025-04-20'],
      rows: 9,
      loadIds: [first.loadId],
    });
    expect(r.notes.join('\n')).toMatch(/correction: replaced 3 days already loaded/);
    // A partial week: a warning, not an error.
    expect(r.warnings.join('\n')).toMatch(
      /3 distinct dates from 2025-04-18 to 2025-04-20; .*exactly 7 consecutive days/,
    );
    const byDay = await feed.db.all<{ date: string; n: number; load_id: number }>(
      'SELECT date, count(*) AS n, min(load_id) AS load_id FROM feed_practice_daily GROUP BY date ORDER BY date',
    );
    expect(byDay.map((d) => [d.date, d.n, d.load_id])).toEqual([
      ['2025-04-14', 3, first.loadId],
      ['2025-04-15', 3, first.loadId],
      ['2025-04-16', 3, first.loadId],
      ['2025-04-17', 3, first.loadId],
      // The replaced days hold the correction only (Y02345 is not in it).
      ['2025-04-18', 2, r.loadId],
      ['2025-04-19', 2, r.loadId],
      ['2025-04-20', 2, r.loadId],
    ]);
    const load = await feed.db.one<{ rows_replaced: number; warnings: string }>(
      'SELECT rows_replaced, warnings FROM feed_load WHERE load_id = $1',
      [r.loadId],
    );
    expect(load?.rows_replaced).toBe(9);
    expect(load?.warnings).toMatch(/3 distinct dates/);
  });

  it('warns when a week has a gap, and loads NULL for a column the delivery lacks', async () => {
    const header = SNAPSHOT_COLUMNS.filter((c) => c !== 'RecordViewsSCR').join(',');
    const rows = week('2025-05-05')
      .filter((r) => !r.startsWith('2025-05-07'))
      .map((r) => r.replace(/,[^,]*$/, ''));
    const r = await importPracticeSnapshot(
      feed.db,
      writeCsv(feed.dir, 'nhs_app_table_snapshot_gap.csv', [header, ...rows]),
    );
    expect(r.periods).toBe(6);
    expect(r.warnings.join('\n')).toContain(
      '6 distinct dates from 2025-05-05 to 2025-05-11 (1 day missing in between)',
    );
    expect(r.warnings.join('\n')).toContain('RecordViewsSCR missing; loaded as NULL');
    expect(
      await feed.db.scalar('SELECT count(*) FROM feed_practice_daily WHERE record_views_scr IS NULL'),
    ).toBe(18);
  });
});
