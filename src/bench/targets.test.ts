import { describe, expect, it } from 'vitest';
import { ISSUE_15_TARGETS, isMet, ratioToTarget, targetRows, targetTable } from './targets.ts';

const row = (rows: ReturnType<typeof targetRows>, id: string) => rows.find((r) => r.target.id === id)!;

describe('issue 15 targets', () => {
  it('divides measured by the limit for costs and the limit by measured for throughput', () => {
    expect(ratioToTarget('lower', 450, 300)).toBe(1.5);
    expect(ratioToTarget('lower', 150, 300)).toBe(0.5);
    expect(ratioToTarget('higher', 500_000, 2_000_000)).toBe(4);
    expect(ratioToTarget('higher', 4_000_000, 2_000_000)).toBe(0.5);
    expect(ratioToTarget('higher', 0, 2_000_000)).toBe(Infinity);
  });

  it('meets a limit at or under it, a throughput at or over it', () => {
    expect(isMet('lower', 300, 300)).toBe(true);
    expect(isMet('lower', 300.1, 300)).toBe(false);
    expect(isMet('higher', 2_000_000, 2_000_000)).toBe(true);
    expect(isMet('higher', 1_999_999, 2_000_000)).toBe(false);
    expect(isMet('lower', NaN, 300)).toBe(false);
  });

  it('fills in the measured rows, with the configured limit where one is passed', () => {
    const rows = targetRows([
      { id: 'parquet-ingest', value: 1_000_000 },
      { id: 'full-build', value: 12 },
      { id: 'new-week', value: 0.1 },
      { id: 'pipeline-memory', value: 3 * 2 ** 30, limit: 4e9, note: 'at 2 M events' },
    ]);
    expect(rows.map((r) => r.target.id)).toEqual(ISSUE_15_TARGETS.map((t) => t.id));
    expect(row(rows, 'parquet-ingest')).toMatchObject({ ratio: 2, met: false });
    expect(row(rows, 'full-build')).toMatchObject({ ratio: 0.8, met: true });
    expect(row(rows, 'new-week').ratio).toBeCloseTo(5, 10);
    expect(row(rows, 'new-week').met).toBe(false);
    expect(row(rows, 'pipeline-memory')).toMatchObject({ limit: 4e9, met: true, note: 'at 2 M events' });
    expect(row(rows, 'pipeline-memory').ratio).toBeCloseTo((3 * 2 ** 30) / 4e9, 10);
    expect(row(rows, 'api-uncached')).toMatchObject({ value: null, ratio: null, met: null });
    expect(row(rows, 'api-uncached').note).toContain('bench -- http');
  });

  it('prints one line per target under the heading, met or not', () => {
    const text = targetTable([
      { id: 'page-first-view', value: 240 },
      { id: 'api-uncached', value: 75 },
    ]);
    const lines = text.split('\n');
    expect(lines[0]).toBe('Targets (issue 15)');
    expect(lines).toHaveLength(4 + ISSUE_15_TARGETS.length);
    const page = lines.find((l) => l.includes('first view of every page'))!;
    expect(page).toMatch(/≤ 300\.0 ms\s+240\.0 ms\s+0\.80\s+yes/);
    const api = lines.find((l) => l.includes('every API answer'))!;
    expect(api).toMatch(/≤ 50\.0 ms\s+75\.0 ms\s+1\.50\s+NO/);
    expect(lines.find((l) => l.includes('Parquet ingest'))).toMatch(/-\s+-\s+-\s+not measured/);
  });
});
