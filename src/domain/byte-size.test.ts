import { describe, expect, it } from 'vitest';
import { duckdbMemoryLimit, parseByteSize } from './byte-size.ts';

describe('memory sizes', () => {
  it('reads DuckDB memory settings in decimal and binary units', () => {
    expect(parseByteSize('4GB')).toBe(4e9);
    expect(parseByteSize('8 GiB')).toBe(8 * 2 ** 30);
    expect(parseByteSize('512MiB')).toBe(512 * 2 ** 20);
    expect(parseByteSize('1.5gb')).toBe(1.5e9);
    expect(parseByteSize('lots')).toBeNaN();
  });

  it("gives DuckDB's buffers seven tenths of the configured limit, in whole MiB", () => {
    // 0.7 × 4e9 bytes = 2,800,000,000 bytes = 2670.28… MiB.
    expect(duckdbMemoryLimit('4GB')).toBe('2670MiB');
    // 0.7 × 8 GiB = 5734.4 MiB.
    expect(duckdbMemoryLimit('8GiB')).toBe('5734MiB');
    expect(duckdbMemoryLimit('1MB')).toBe('1MiB');
    expect(duckdbMemoryLimit('odd')).toBe('odd');
  });
});
