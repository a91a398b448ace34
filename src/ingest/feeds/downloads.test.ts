import { describe, expect, it } from 'vitest';
import type { IngestError } from '../errors.ts';
import { downloadsFileKindOfName, importDownloads } from './downloads.ts';
import { days, feedCounts, feedTest, rejection, writeCsv } from '../../../test/support/feed-files.ts';

const feed = feedTest('feed-downloads-');

const HEADER = 'Date,Type,Count';

function rows(first: string, n: number, types: readonly string[], base = 1000): string[] {
  return days(first, n).flatMap((day, i) => types.map((t, j) => `${day},${t},${base + 10 * i + j}`));
}

describe('downloadsFileKindOfName', () => {
  it('reads the file kind from the NHS names', () => {
    expect(downloadsFileKindOfName('/in/WeeklyDownloads_NHSApp_Counts_20250309.csv')).toBe('weekly');
    expect(downloadsFileKindOfName('MonthlyDownloads_NHSApp_Counts_20250331.csv.gz')).toBe('monthly');
    expect(downloadsFileKindOfName('downloads.csv')).toBeUndefined();
  });
});

describe('importDownloads', () => {
  it('loads a weekly file (Apple and Google per day)', async () => {
    const file = writeCsv(feed.dir, 'WeeklyDownloads_NHSApp_Counts_20250309.csv', [
      HEADER,
      ...rows('2025-03-03', 7, ['Apple', 'Google']),
    ]);
    const r = await importDownloads(feed.db, file);
    expect(r).toMatchObject({
      kind: 'downloads',
      fileKind: 'weekly',
      rowsLoaded: 14,
      periods: 7,
      firstDate: '2025-03-03',
      lastDate: '2025-03-09',
      warnings: [],
    });
    expect(
      await feed.db.all(
        "SELECT device_type, downloads, file_kind FROM feed_downloads_daily WHERE date = DATE '2025-03-04' ORDER BY 1",
      ),
    ).toEqual([
      { device_type: 'Apple', downloads: 1010, file_kind: 'weekly' },
      { device_type: 'Google', downloads: 1011, file_kind: 'weekly' },
    ]);
  });

  it('loads a monthly file with every day of the month, gzipped, and a second load is a no-op', async () => {
    const file = writeCsv(feed.dir, 'MonthlyDownloads_NHSApp_Counts_202502.csv.gz', [
      HEADER,
      ...rows('2025-02-01', 28, ['google']),
    ]);
    const r = await importDownloads(feed.db, file);
    expect(r).toMatchObject({ fileKind: 'monthly', rowsLoaded: 28, periods: 28, warnings: [] });
    expect(
      await feed.db.scalar(
        "SELECT count(*) FROM feed_downloads_daily WHERE device_type = 'Google' AND file_kind = 'monthly'",
      ),
    ).toBe(28);
    const before = await feedCounts(feed.db);
    expect((await importDownloads(feed.db, file)).status).toBe('already_loaded');
    expect(await feedCounts(feed.db)).toEqual(before);
  });

  it('rejects a monthly file missing a day of the month, or spanning two months', async () => {
    const before = await feedCounts(feed.db);
    const short = rows('2025-03-01', 31, ['Apple', 'Google']).filter(
      (r) => !r.startsWith('2025-03-17,Google'),
    );
    let err = (await rejection(
      importDownloads(
        feed.db,
        writeCsv(feed.dir, 'MonthlyDownloads_NHSApp_Counts_202503.csv', [HEADER, ...short]),
      ),
    )) as unknown as IngestError;
    expect(err.field).toBe('Date');
    expect(err.message).toContain('Google has 30 of the 31 days of 2025-03 (missing 2025-03-17)');
    expect(err.message).not.toContain('Apple has');

    const spanning = rows('2025-03-02', 31, ['Apple']);
    err = (await rejection(
      importDownloads(
        feed.db,
        writeCsv(feed.dir, 'MonthlyDownloads_NHSApp_Counts_202503b.csv', [HEADER, ...spanning]),
      ),
    )) as unknown as IngestError;
    expect(err.line).toBe(32);
    expect(err.message).toContain('must cover one calendar month; it has dates in 2025-03, 2025-04');
    expect(await feedCounts(feed.db)).toEqual(before);
  });

  it('rejects bad rows and repeated (Date, Type) with line and field, the warehouse unchanged', async () => {
    await importDownloads(
      feed.db,
      writeCsv(feed.dir, 'WeeklyDownloads_NHSApp_Counts_20250316.csv', [
        HEADER,
        ...rows('2025-03-10', 7, ['Apple']),
      ]),
    );
    const before = await feedCounts(feed.db);
    const bad = rows('2025-03-17', 7, ['Apple', 'Google']);
    bad[1] = '2025-03-17,Huawei,10'; // line 3
    bad[4] = '2025-03-19,Apple,12.5'; // line 6
    bad[6] = '2025-03-20,Apple,'; // line 8
    let err = (await rejection(
      importDownloads(
        feed.db,
        writeCsv(feed.dir, 'WeeklyDownloads_NHSApp_Counts_20250323.csv', [HEADER, ...bad]),
      ),
    )) as unknown as IngestError;
    expect(err.problems.map((p) => `${p.line} ${p.field}: ${p.reason}`)).toEqual([
      '3 Type: "Huawei" is not Apple or Google',
      '6 Count: 12.5 is not a whole number',
      '8 Count: is empty (a count is required)',
    ]);
    const dup = [...rows('2025-03-17', 7, ['Apple', 'Google']), '2025-03-18,apple,5'];
    err = (await rejection(
      importDownloads(
        feed.db,
        writeCsv(feed.dir, 'WeeklyDownloads_NHSApp_Counts_20250323b.csv', [HEADER, ...dup]),
      ),
    )) as unknown as IngestError;
    expect(err.message).toContain(
      'line 16, field Date, Type: repeats the Date and Type as line 4 (2025-03-18, Apple)',
    );
    expect(await feedCounts(feed.db)).toEqual(before);
  });

  it('a re-delivery replaces only the days and device types it covers', async () => {
    const weekly = await importDownloads(
      feed.db,
      writeCsv(feed.dir, 'WeeklyDownloads_NHSApp_Counts_20250406.csv', [
        HEADER,
        ...rows('2025-03-31', 7, ['Apple', 'Google']),
      ]),
    );
    // A Google-only monthly file for April covers 2025-04-01..06 of the weekly file: only Google is replaced.
    const monthly = await importDownloads(
      feed.db,
      writeCsv(feed.dir, 'MonthlyDownloads_NHSApp_Counts_202504.csv', [
        HEADER,
        ...rows('2025-04-01', 30, ['Google'], 5000),
      ]),
    );
    expect(monthly.replaced).toEqual({
      periods: days('2025-04-01', 6),
      rows: 6,
      loadIds: [weekly.loadId],
    });
    expect(monthly.notes.join('\n')).toContain('correction: replaced 6 days already loaded');
    const apr2 = await feed.db.all(
      "SELECT device_type, downloads, file_kind FROM feed_downloads_daily WHERE date = DATE '2025-04-02' ORDER BY 1",
    );
    expect(apr2).toEqual([
      { device_type: 'Apple', downloads: 1020, file_kind: 'weekly' },
      { device_type: 'Google', downloads: 5010, file_kind: 'monthly' },
    ]);
    expect(await feed.db.scalar('SELECT count(*) FROM feed_downloads_daily')).toBe(14 - 6 + 30);
  });

  it('warns about a weekly file without 7 consecutive days, and about a name without Weekly/Monthly', async () => {
    const r = await importDownloads(
      feed.db,
      writeCsv(feed.dir, 'downloads.csv', [HEADER, ...rows('2025-05-01', 8, ['Apple'])]),
    );
    expect(r.fileKind).toBe('weekly');
    expect(r.warnings.join('\n')).toContain('treated as a weekly file');
    expect(r.warnings.join('\n')).toContain('8 distinct dates from 2025-05-01 to 2025-05-08');
  });
});
