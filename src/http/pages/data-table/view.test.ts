/** The data table's URL state and view helpers. Pure. */
import { describe, expect, it } from 'vitest';
import { dataUrl, levelForArea, selectionFields, type DataSelection } from './state.ts';
import { pageNumbers } from './view.ts';
import { csvCell as csvField } from '../../../domain/csv.ts';

describe('data table view helpers', () => {
  const sel: DataSelection = {
    level: 'region',
    area: null,
    metrics: ['logins'],
    grain: 'month',
    from: null,
    to: null,
    includePartial: false,
    page: 1,
    defaultMetrics: ['logins'],
  };

  it('writes only non-default settings into URLs and hidden fields', () => {
    expect(dataUrl(sel)).toBe('/data');
    expect(dataUrl({ ...sel, page: 3 })).toBe('/data?page=3');
    expect(dataUrl({ ...sel, page: 3 }, { csv: true })).toBe('/data.csv');
    const full = {
      ...sel,
      level: 'practice' as const,
      area: 'QE1',
      metrics: ['logins', 'registrations'],
      grain: 'week' as const,
      from: '2026-01-05',
      to: '2026-02-02',
      includePartial: true,
      page: 2,
    };
    expect(dataUrl(full)).toBe(
      '/data?level=practice&area=QE1&metric=logins&metric=registrations&grain=week&from=2026-01-05&to=2026-02-02&partial=1&page=2',
    );
    expect(selectionFields(full).map((f) => f.name)).toEqual([
      'level',
      'area',
      'metric',
      'metric',
      'grain',
      'from',
      'to',
      'partial',
    ]);
  });

  it('numbers pages with the first, the last and two either side of the current one', () => {
    expect(pageNumbers(1, 1)).toEqual([1]);
    expect(pageNumbers(1, 4)).toEqual([1, 2, 3, 4]);
    expect(pageNumbers(10, 20)).toEqual([1, null, 8, 9, 10, 11, 12, null, 20]);
    expect(pageNumbers(20, 20)).toEqual([1, null, 18, 19, 20]);
  });

  it('shows a chosen area at the selected level when it is at or below the area', () => {
    expect(levelForArea('practice', 'icb')).toBe('practice');
    expect(levelForArea('region', 'icb')).toBe('icb');
  });

  it('writes CSV fields that spreadsheets read safely', () => {
    expect(csvField('Leeds, North')).toBe('"Leeds, North"');
    expect(csvField('Say "hi"')).toBe('"Say ""hi"""');
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField(0.1 + 0.2)).toBe('0.30000000000000004');
    expect(csvField(null)).toBe('');
    expect(csvField(true)).toBe('true');
  });
});
