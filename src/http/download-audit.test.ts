import { describe, expect, it } from 'vitest';
import { downloadTarget } from './download-audit.ts';

describe('downloadTarget', () => {
  it('keeps the path and query of a download, without the free-text search', () => {
    expect(downloadTarget('/data.csv?level=icb&metric=logins')).toBe('/data.csv?level=icb&metric=logins');
    expect(downloadTarget('/data.csv?q=LS1%204AP&level=practice')).toBe('/data.csv?level=practice');
    expect(downloadTarget('/data.csv?q=anything')).toBe('/data.csv');
    expect(downloadTarget('/booking/breach.csv')).toBe('/booking/breach.csv');
  });

  it('cuts a long address to 400 characters', () => {
    const long = `/data.csv?${Array.from({ length: 60 }, (_, i) => `metric=m${i}xxxxxxxx`).join('&')}`;
    const t = downloadTarget(long);
    expect(t).toHaveLength(400);
    expect(t.endsWith('…')).toBe(true);
    expect(long.startsWith(t.slice(0, 399))).toBe(true);
  });
});
