import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Warehouse } from '../../warehouse/db.ts';
import type { IngestError } from '../errors.ts';
import { importPomi, POMI_COLUMNS } from './pomi.ts';
import { feedCounts, openWarehouse, rejection, tempDir, writeCsv } from '../../../test/support/feed-files.ts';

const tmp = tempDir('feed-pomi-');
afterAll(() => tmp.remove());

const HEADER = POMI_COLUMNS.join(',');
const PRACTICES = [
  { code: 'A81001', region: 'Y63', sub: 'Y63', ccg: '16C', supplier: 'TPP' },
  { code: 'B82005', region: 'Y63', sub: 'Y63', ccg: '42D', supplier: 'EMIS' },
  { code: 'Y02345', region: 'Y56', sub: 'Y56', ccg: '07W', supplier: 'EMIS (IM1)' },
];
const FIELDS = ['Pat_Appts_Use', 'Pat_Appts_Enbld', 'Pat_Presc_Use', 'Total_Pat_Enbld', 'patient_list_size'];

/** A month of POMI in its long format: one row per practice and field. */
function month(end: string, bump = 0): string[] {
  const out: string[] = [];
  let id = 1;
  for (const [i, p] of PRACTICES.entries()) {
    for (const [j, field] of FIELDS.entries()) {
      const value = 100 * (i + 1) + j + bump;
      out.push(
        [
          end,
          p.region,
          p.sub,
          p.ccg,
          p.code,
          p.supplier,
          field,
          value,
          `${end} 00:00:00`,
          'v1',
          'monthly',
          id++,
          9001,
        ].join(','),
      );
    }
  }
  return out;
}

let db: Warehouse;
beforeEach(async () => {
  db = await openWarehouse();
});
afterEach(() => db.close());

describe('importPomi', () => {
  it('loads a month of POMI (long format) keyed by month, practice and field', async () => {
    const r = await importPomi(db, writeCsv(tmp.dir, 'pomi_2503.csv.gz', [HEADER, ...month('2025-03-31')]));
    expect(r).toMatchObject({
      kind: 'pomi',
      fileKind: 'monthly',
      rowsRead: 15,
      rowsLoaded: 15,
      firstDate: '2025-03-01',
      lastDate: '2025-03-01',
      periods: 1,
      warnings: [],
    });
    expect(
      await db.one(
        "SELECT * EXCLUDE (load_id) FROM feed_pomi WHERE practice_code = 'Y02345' AND field = 'Pat_Presc_Use'",
      ),
    ).toEqual({
      month: '2025-03-01',
      report_period_end: '2025-03-31',
      practice_code: 'Y02345',
      field: 'Pat_Presc_Use',
      value: 302,
      supplier: 'EMIS (IM1)',
      region_code: 'Y56',
      subregion_code: 'Y56',
      ccg_code: '07W',
      effective_snapshot_date: '2025-03-31',
      report_period_length: 'monthly',
    });
  });

  it('loading the same file twice is a no-op', async () => {
    const file = writeCsv(tmp.dir, 'pomi_2504.csv', [HEADER, ...month('2025-04-30')]);
    await importPomi(db, file);
    const before = await feedCounts(db);
    expect((await importPomi(db, file)).status).toBe('already_loaded');
    expect(await feedCounts(db)).toEqual(before);
  });

  it('rejects bad rows and repeated keys with line and field, the warehouse unchanged', async () => {
    await importPomi(db, writeCsv(tmp.dir, 'pomi_2505.csv', [HEADER, ...month('2025-05-31')]));
    const before = await feedCounts(db);
    const rows = month('2025-06-30');
    rows[0] = rows[0]!.replace(',Pat_Appts_Use,100,', ',Pat_Appts_Use,-100,'); // line 2
    rows[2] = rows[2]!.replace(',A81001,', ',A8100X,'); // line 4
    rows[5] = rows[5]!.replace(',Pat_Appts_Use,', ',Pat Appts Use,'); // line 7
    rows[9] = rows[9]!.replace(/^2025-06-30/, '2025-06-31'); // line 11
    const err = (await rejection(
      importPomi(db, writeCsv(tmp.dir, 'pomi_2506_bad.csv', [HEADER, ...rows])),
    )) as unknown as IngestError;
    expect(err.problems.map((p) => [p.line, p.field])).toEqual([
      [2, 'Value'],
      [4, 'Practice_Code'],
      [7, 'Field'],
      [11, 'Report_Period_End'],
    ]);
    const dup = [...month('2025-06-30'), month('2025-06-30')[3]!];
    const dupErr = (await rejection(
      importPomi(db, writeCsv(tmp.dir, 'pomi_2506_dup.csv', [HEADER, ...dup])),
    )) as unknown as IngestError;
    expect(dupErr.message).toContain(
      'line 17, field Report_Period_End, Practice_Code, Field: repeats the month, Practice_Code and Field as line 5 (2025-06, A81001, Total_Pat_Enbld)',
    );
    expect(await feedCounts(db)).toEqual(before);
  });

  it('a re-delivery of a month replaces it; unknown Field codes load with a warning', async () => {
    const first = await importPomi(db, writeCsv(tmp.dir, 'pomi_2507.csv', [HEADER, ...month('2025-07-31')]));
    await importPomi(db, writeCsv(tmp.dir, 'pomi_2508.csv', [HEADER, ...month('2025-08-31')]));
    const revised = [
      ...month('2025-07-31', 1).slice(0, 10),
      '2025-07-31,Y63,Y63,16C,A81001,TPP,Pat_Msg_Use,7,,,,,',
    ];
    const r = await importPomi(db, writeCsv(tmp.dir, 'pomi_2507_revised.csv', [HEADER, ...revised]));
    expect(r.replaced).toEqual({ periods: ['2025-07-01'], rows: 15, loadIds: [first.loadId] });
    expect(r.notes.join('\n')).toContain('correction: replaced 1 month already loaded');
    expect(r.warnings.join('\n')).toContain('Pat_Msg_Use (1 row)');
    expect(
      await db.all(
        'SELECT month, count(*) AS n, sum(value) AS total FROM feed_pomi GROUP BY month ORDER BY month',
      ),
    ).toEqual([
      {
        month: '2025-07-01',
        n: 11,
        total: 10 * 1 + (100 + 101 + 102 + 103 + 104 + 200 + 201 + 202 + 203 + 204) + 7,
      },
      { month: '2025-08-01', n: 15, total: 5 * (100 + 200 + 300) + 3 * (0 + 1 + 2 + 3 + 4) },
    ]);
  });
});
