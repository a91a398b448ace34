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
