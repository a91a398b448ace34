import { describe, expect, it } from 'vitest';
import { parseNumberListOption, UsageError } from './args.ts';

describe('parseNumberListOption', () => {
  it('reads a comma-separated list, each value once, in the order given', () => {
    expect(parseNumberListOption('scale', '0.05,0.1', 0.0001, 2)).toEqual([0.05, 0.1]);
    expect(parseNumberListOption('threads', '2, 1,2', 1, 256)).toEqual([2, 1]);
    expect(parseNumberListOption('threads', undefined, 1, 256)).toEqual([]);
  });

  it('refuses an empty item or a value out of range, naming the option', () => {
    expect(() => parseNumberListOption('scale', '0.05,', 0.0001, 2)).toThrow(UsageError);
    expect(() => parseNumberListOption('threads', '1,0', 1, 256)).toThrow(
      /--threads must be a number from 1/,
    );
    expect(() => parseNumberListOption('scale', 'half', 0.0001, 2)).toThrow(/--scale/);
  });
});
