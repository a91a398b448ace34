/**
 * `query booking` prints the API's rows (issue 13): CSV `measure, group, count, paired, ratio` (group blank for
 * the total) and JSON, over the hand-worked journeys of test/support/booking-journeys.ts; bad options are
 * usage errors naming the option.
 */
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Warehouse } from '../warehouse/db.ts';
import { bookingWarehouse } from '../../test/support/booking-journeys.ts';
import { UsageError } from './args.ts';
import { bookingOptions, bookingQueryText } from './booking-command.ts';

let db: Warehouse;
beforeAll(async () => {
  db = await bookingWarehouse();
}, 60_000);
afterAll(() => db?.close());

const DEC = { from: '2025-12-01', to: '2025-12-31' };

describe('nhs-app-analytics query booking', () => {
  it('prints CSV: the total with a blank group, and groups', async () => {
    expect(await bookingQueryText(db, { measure: 'rep-prov-04', ...DEC })).toBe(
      'measure,group,count,paired,ratio\nrep-prov-04,,2,4,0.5\n',
    );
    const rows = parse(
      await bookingQueryText(db, { measure: 'rep-cons-12', ...DEC, 'group-by': 'disposition' }),
      {
        columns: true,
      },
    );
    expect(rows).toEqual([{ measure: 'rep-cons-12', group: 'Dx06', count: '1', paired: '', ratio: '' }]);
  });

  it('narrows to the patients registered in an area with --area, as the API does', async () => {
    // By hand: A81001's cases K1 (booked) and K3 (referred, not booked); B82001's K4 (booked).
    expect(await bookingQueryText(db, { measure: 'rep-cons-01', ...DEC, area: 'a81001' })).toBe(
      'measure,group,count,paired,ratio\nrep-cons-01,,1,2,0.5\n',
    );
    const json = JSON.parse(
      await bookingQueryText(db, { measure: 'rep-cons-01', ...DEC, area: 'B82001', format: 'json' }),
    );
    expect(json.area).toEqual({ level: 'practice', code: 'B82001', name: 'Practice B82001' });
    expect(json.data[0]).toMatchObject({ count: 1, paired: 1 });
    await expect(bookingQueryText(db, { measure: 'rep-cons-01', ...DEC, area: 'QZZ' })).rejects.toThrow(
      /--area: there is no region, ICB, sub-ICB location, PCN or practice with the code QZZ/,
    );
    await expect(
      bookingQueryText(db, { measure: 'rep-cons-01', ...DEC, area: 'A81001', 'group-by': 'consumer' }),
    ).rejects.toThrow(/^--group-by within a practice must be one of none/);
    expect(() => bookingOptions({ measure: 'rep-cons-01', ...DEC, area: "A81001'--" })).toThrow(
      /--area must be/,
    );
  });

  it('prints JSON with the same rows as the API', async () => {
    const out = JSON.parse(await bookingQueryText(db, { measure: 'rep-cons-10', ...DEC, format: 'json' }));
    expect(out).toMatchObject({
      measure: 'rep-cons-10',
      groupBy: 'none',
      paired: 'slots offered that would not cause a breach',
    });
    expect(out.data).toEqual([
      { measure: 'rep-cons-10', group: null, groupName: null, count: 2, paired: 2, ratio: 1 },
    ]);
  });

  it('refuses bad options, naming them', () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ ...DEC }, /^--measure must be one of/],
      [{ measure: 'rep-cons-01', from: '2025-12-01' }, /^--to must be a date/],
      [{ measure: 'rep-cons-01', from: '2025-12-31', to: '2025-12-01' }, /^--from .* is after/],
      [
        { measure: 'rep-prov-03', ...DEC, 'group-by': 'icb' },
        /^--group-by for rep-prov-03 must be one of none, service, provider/,
      ],
      [{ measure: 'rep-cons-01', ...DEC, format: 'xml' }, /^--format must be csv or json/],
    ];
    for (const [values, message] of cases) {
      expect(() => bookingOptions(values), JSON.stringify(values)).toThrow(UsageError);
      expect(() => bookingOptions(values)).toThrow(message);
    }
  });
});
