/**
 * The one CSV writer (ADR 0010): RFC 4180 quoting and formula defusing, the same for every download. The
 * map's CSV used its own escaper and let a tab or CR through; it now writes with this one.
 */
import { describe, expect, it } from 'vitest';
import { mapCsv } from '../http/pages/map/view.ts';
import { csvCell, csvFilename, csvLine, toCsv } from './csv.ts';

describe('csvCell', () => {
  it('quotes commas, quotes, line breaks and edge spaces, doubling quotes', () => {
    expect(csvCell('Leeds, North')).toBe('"Leeds, North"');
    expect(csvCell('Say "hi"')).toBe('"Say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell(' padded')).toBe('" padded"');
    expect(csvCell('plain')).toBe('plain');
  });

  it('defuses text a spreadsheet would run as a formula, tab and CR included', () => {
    for (const start of ['=', '+', '-', '@', '\t', '\r'])
      expect(csvCell(`${start}1+1`).replace(/^"/, '')).toMatch(/^'/);
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    // Numbers are numbers, negative ones too: only text is defused.
    expect(csvCell(-3)).toBe('-3');
  });

  it('writes empty cells for missing values and non-finite numbers', () => {
    for (const v of [null, undefined, Number.NaN, Number.POSITIVE_INFINITY]) expect(csvCell(v)).toBe('');
    expect(csvCell(true)).toBe('true');
  });

  it('writes lines and whole files with CRLF, and safe file names', () => {
    expect(csvLine(['a', 1, null])).toBe('a,1,\r\n');
    expect(toCsv(['x', 'y'], [{ x: 1, y: '=2' }])).toBe("x,y\r\n1,'=2\r\n");
    expect(csvFilename(['nhs app', '../etc', null])).toBe('nhs-app--etc.csv');
  });
});

describe('the map CSV', () => {
  it('uses the same writer: a tab at the start of a name is defused', () => {
    const out = mapCsv({ csv: { header: ['area_name', 'value'], rows: [['\tEvil', 1]] } } as never);
    expect(out).toBe("area_name,value\r\n'\tEvil,1\r\n");
  });
});
