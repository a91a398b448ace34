import { describe, expect, it } from 'vitest';
import { toCsv } from './csv.ts';
import { breakdownRows, seriesRows } from './query-command.ts';

describe('query CSV output (issue 16)', () => {
  it('neutralises spreadsheet formulas as the API does (ADR 0010): = + - @ tab CR get a leading quote', () => {
    const rows = [
      { provider: '=HYPERLINK("http://x","y")', service: '+messages', value: 12, share: -0.5 },
      { provider: '-1+2', service: '@SUM(A1)', value: 0, share: null },
      { provider: '\tTabbed', service: '\rReturn', value: 3, share: 0.25 },
      { provider: 'Patients Know Best', service: 'a, b', value: 4, share: 1 },
    ];
    expect(toCsv(rows, ['provider', 'service', 'value', 'share'])).toBe(
      [
        'provider,service,value,share',
        `"'=HYPERLINK(""http://x"",""y"")",'+messages,12,-0.5`,
        `'-1+2,'@SUM(A1),0,`,
        `'\tTabbed,"'\rReturn",3,0.25`,
        'Patients Know Best,"a, b",4,1',
        '',
      ].join('\n'),
    );
  });
});

describe('query series and breakdown CSV columns (issue 14.6, ADR 0032)', () => {
  it('starts a series with the area’s code, name, level and ONS code on every row, formula-safe', () => {
    const points = [
      // The figure reader gives each point's change on the one before (src/query/figures.ts).
      { periodStart: '2026-09-01', value: 200, complete: true, changePct: null },
      { periodStart: '2026-10-01', value: 250, complete: true, changePct: 25 },
    ];
    const { columns, rows } = seriesRows(
      { code: 'QA9', name: '=cmd|x', level: 'icb', onsCode: 'E54000050' },
      points,
      false,
    );
    expect(toCsv(rows, columns)).toBe(
      [
        'area_code,area_name,area_place_name,area_level,area_ons_code,period_start,value,complete,change_pct',
        "QA9,'=cmd|x,,icb,E54000050,2026-09-01,200,true,",
        "QA9,'=cmd|x,,icb,E54000050,2026-10-01,250,true,25",
        '',
      ].join('\n'),
    );
  });

  it('gives each child of a breakdown its own area columns, an empty ONS code where it has none', () => {
    const { columns, rows } = breakdownRows(
      'practice',
      [
        {
          code: 'P00001',
          name: 'Practice One',
          onsCode: null,
          value: 10,
          shareOfParent: 0.4,
          isCurrent: true,
        },
        {
          code: 'UNKNOWN',
          name: 'Unknown',
          onsCode: null,
          value: null,
          shareOfParent: null,
          isCurrent: true,
        },
      ],
      true,
    );
    expect(toCsv(rows, columns)).toBe(
      [
        'area_code,area_name,area_place_name,area_level,area_ons_code,value,share_of_parent,current',
        'P00001,Practice One,,practice,,10,0.4,true',
        'UNKNOWN,Unknown,,practice,,,,true',
        '',
      ].join('\n'),
    );
  });
});
