import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { SNAPSHOT_COLUMNS } from './practice-snapshot.ts';
import { POMI_COLUMNS } from './pomi.ts';
import { detectFeedKind, FEED_KINDS, importFeedFile } from './index.ts';
import { feedCounts, openWarehouse, tempDir, writeCsv } from '../../../test/support/feed-files.ts';

const tmp = tempDir('feed-index-');
afterAll(() => tmp.remove());
const REAL_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../data/reference/nhs-app',
);

describe('detectFeedKind', () => {
  it('recognises every format by its header, gzipped or not', async () => {
    const cases: [string, string[], string][] = [
      ['a.csv', [SNAPSHOT_COLUMNS.join(','), '2025-03-03,A81001' + ',1'.repeat(15)], 'practice-snapshot'],
      [
        'b.csv.gz',
        ['Date,OdsCode,Provider,JumpOff,Clicks', '2025-03-03,A81001,PKB,messages,1'],
        'integrated-partners',
      ],
      ['c.csv', ['Date,Type,Count', '2025-03-03,Apple,1'], 'downloads'],
      ['d.csv', [POMI_COLUMNS.join(',')], 'pomi'],
      ['e.csv', ['MONTH,LatestLogins', '2025-03-01,1'], 'mi-publication'],
    ];
    for (const [name, lines, kind] of cases) {
      expect(await detectFeedKind(writeCsv(tmp.dir, name, lines))).toBe(kind);
    }
    expect(await detectFeedKind(path.join(REAL_DIR, 'nhs-app-mi_icb_monthly_2025-03_to_2025-08.csv'))).toBe(
      'mi-publication',
    );
    expect(await detectFeedKind(path.join(REAL_DIR, 'nhs-app-mi_august-2025.xlsx'))).toBe('mi-publication');
  });

  it('falls back to the NHS file name, and says undefined for anything else', async () => {
    expect(
      await detectFeedKind(writeCsv(tmp.dir, 'WeeklyDownloads_NHSApp_Counts_20250309.csv', ['D,T,C'])),
    ).toBe('downloads');
    expect(await detectFeedKind(writeCsv(tmp.dir, 'other.csv', ['a,b', '1,2']))).toBeUndefined();
    expect(
      await detectFeedKind(path.join(REAL_DIR, 'nhs-app-foi_logins_by_ageband_2025-03_to_2025-05.csv')),
    ).toBeUndefined();
  });
});

describe('importFeedFile', () => {
  it('dispatches on the kind', async () => {
    expect(FEED_KINDS).toEqual([
      'practice-snapshot',
      'integrated-partners',
      'downloads',
      'pomi',
      'mi-publication',
    ]);
    const db = await openWarehouse();
    try {
      const file = writeCsv(tmp.dir, 'WeeklyDownloads_NHSApp_Counts_20250105.csv', [
        'Date,Type,Count',
        ...[
          '2024-12-30',
          '2024-12-31',
          '2025-01-01',
          '2025-01-02',
          '2025-01-03',
          '2025-01-04',
          '2025-01-05',
        ].map((d, i) => `${d},Apple,${100 + i}`),
      ]);
      const kind = await detectFeedKind(file);
      const r = await importFeedFile(db, kind!, file);
      expect(r).toMatchObject({ kind: 'downloads', fileKind: 'weekly', rowsLoaded: 7, warnings: [] });
      expect(await feedCounts(db)).toMatchObject({ feed_load: 1, feed_downloads_daily: 7 });
    } finally {
      db.close();
    }
  });
});
