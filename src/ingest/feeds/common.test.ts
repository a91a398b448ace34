import { describe, expect, it } from 'vitest';
import { IngestError, ProblemCollector } from '../errors.ts';
import { parseCount, parseDay, requiredCount, weeklyDatesWarning } from './common.ts';

describe('parseDay', () => {
  it('accepts the date shapes the NHS feeds are written in', () => {
    for (const raw of [
      '2025-03-01',
      '2025-03-01 00:00:00',
      '2025-03-01T00:00:00.000Z',
      '20250301',
      '01/03/2025',
    ]) {
      expect(parseDay(raw)).toEqual({ ok: true, value: '2025-03-01' });
    }
  });
  it('rejects times of day, impossible dates and implausible years', () => {
    expect(parseDay('2025-03-01 10:30:00')).toMatchObject({
      ok: false,
      reason: expect.stringContaining('time of day'),
    });
    expect(parseDay('2025-02-29')).toMatchObject({
      ok: false,
      reason: expect.stringContaining('not a valid calendar date'),
    });
    expect(parseDay('1999-01-01')).toMatchObject({ ok: false, reason: expect.stringContaining('outside') });
    expect(parseDay('March 1st')).toMatchObject({ ok: false });
    expect(parseDay('')).toEqual({ ok: false, reason: 'is empty' });
  });
});

describe('parseCount', () => {
  it('accepts whole numbers ≥ 0 (also 12.0 as pandas writes them) and reports blanks', () => {
    expect(parseCount('12')).toEqual({ ok: true, value: 12 });
    expect(parseCount('12.0')).toEqual({ ok: true, value: 12 });
    expect(parseCount(' ')).toEqual({ ok: 'blank' });
  });
  it('rejects negatives, fractions and text', () => {
    expect(parseCount('-1')).toEqual({ ok: false, reason: '-1 is negative' });
    expect(parseCount('1.5')).toEqual({ ok: false, reason: '1.5 is not a whole number' });
    expect(parseCount('1,234')).toMatchObject({ ok: false });
    expect(parseCount('n/a')).toMatchObject({ ok: false });
    expect(parseCount('99999999999999999999')).toMatchObject({
      ok: false,
      reason: expect.stringContaining('too large'),
    });
  });
});

describe('requiredCount', () => {
  it('gives the count, or reports a blank or a bad value at its line and column and gives null', () => {
    const problems = new ProblemCollector('f.csv');
    expect(requiredCount(problems, 2, 'Count', '12')).toBe(12);
    expect(problems.count).toBe(0);
    expect(requiredCount(problems, 3, 'Count', '')).toBeNull();
    expect(requiredCount(problems, 4, 'Clicks', '-1')).toBeNull();
    let error: unknown;
    try {
      problems.throwIfAny();
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(IngestError);
    expect((error as Error).message).toContain('line 3, field Count: is empty (a count is required)');
    expect((error as Error).message).toContain('line 4, field Clicks: -1 is negative');
  });
});

describe('weeklyDatesWarning', () => {
  it('is silent for 7 consecutive days and explains anything else', () => {
    expect(weeklyDatesWarning('f.csv', 7, '2025-03-03', '2025-03-09')).toBeNull();
    expect(weeklyDatesWarning('f.csv', 7, '2025-03-03', '2025-03-10')).toContain(
      '(1 day missing in between)',
    );
    expect(weeklyDatesWarning('f.csv', 14, '2025-03-03', '2025-03-16')).toContain('14 distinct dates');
  });
});
