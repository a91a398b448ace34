import { describe, expect, it } from 'vitest';
import { toCsv } from './query-command.ts';

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
