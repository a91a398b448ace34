/**
 * Issue 15's performance targets and the table every bench mode ends with ("Targets (issue 15)"): one row
 * per target, with the figure the mode measured, its ratio to the target and whether it is met. A mode fills
 * in the targets it measures; the other rows name the mode that measures them. Pure: no I/O.
 */

export type TargetId =
  | 'parquet-ingest'
  | 'full-build'
  | 'new-week'
  | 'pipeline-memory'
  | 'national-week-time'
  | 'national-week-memory'
  | 'national-week-scaling'
  | 'page-first-view'
  | 'api-uncached'
  | 'page-cached-p95'
  | 'api-cached-p95';

export type Unit = 'events/s' | '×' | 'share' | 'bytes' | 's' | 'ms' | 'points';

export interface Target {
  id: TargetId;
  /**
   * The issue's item: 15.1 the pipeline, 15.2 the national week, 15.3 pages and API; 4 for issue 4's cached
   * p95s (ADR 0010), which 15.3 asks to be printed beside its own.
   */
  item: string;
  what: string;
  /** The limit; for `pipeline-memory` the configured DUCKDB_MEMORY_LIMIT is passed with the figure. */
  limit: number;
  unit: Unit;
  /** higher: a throughput (met when measured ≥ limit); lower: a cost (met when measured ≤ limit). */
  better: 'higher' | 'lower';
  /** The bench mode that measures it. */
  mode: string;
}

const PIPELINE = 'npm run bench -- --events 20000000';
const NATIONAL = 'npm run bench -- --national-week';
const HTTP = 'npm run bench -- http';

export const ISSUE_15_TARGETS: readonly Target[] = [
  {
    id: 'parquet-ingest',
    item: '15.1',
    what: 'Parquet ingest (20 M events, 2 cores)',
    limit: 2_000_000,
    unit: 'events/s',
    better: 'higher',
    mode: PIPELINE,
  },
  {
    id: 'full-build',
    item: '15.1',
    what: 'full build ÷ Parquet scan (same run)',
    limit: 15,
    unit: '×',
    better: 'lower',
    mode: PIPELINE,
  },
  {
    id: 'new-week',
    item: '15.1',
    what: 'one new week ÷ full build',
    limit: 1 / 50,
    unit: 'share',
    better: 'lower',
    mode: PIPELINE,
  },
  {
    id: 'pipeline-memory',
    item: '15.1',
    what: 'peak memory (RSS) within DUCKDB_MEMORY_LIMIT',
    limit: NaN,
    unit: 'bytes',
    better: 'lower',
    mode: PIPELINE,
  },
  {
    id: 'national-week-time',
    item: '15.2',
    what: 'national weekly refresh (ingest + build), 2 cores',
    limit: 300,
    unit: 's',
    better: 'lower',
    mode: NATIONAL,
  },
  {
    id: 'national-week-memory',
    item: '15.2',
    what: 'national weekly refresh, peak memory (RSS)',
    limit: 8 * 2 ** 30,
    unit: 'bytes',
    better: 'lower',
    mode: NATIONAL,
  },
  {
    id: 'national-week-scaling',
    item: '15.2',
    what: 'scaling reported: core counts and event scales (fewer of the two)',
    limit: 2,
    unit: 'points',
    better: 'higher',
    mode: `${NATIONAL} --threads 1,2 --scale 0.05,0.1`,
  },
  {
    id: 'page-first-view',
    item: '15.3',
    what: 'first view of every page, uncached (slowest)',
    limit: 300,
    unit: 'ms',
    better: 'lower',
    mode: HTTP,
  },
  {
    id: 'api-uncached',
    item: '15.3',
    what: 'every API answer, uncached, one at a time (slowest)',
    limit: 50,
    unit: 'ms',
    better: 'lower',
    mode: HTTP,
  },
  {
    id: 'page-cached-p95',
    item: '4',
    what: 'pages from the response cache, 50 connections (worst p95)',
    limit: 50,
    unit: 'ms',
    better: 'lower',
    mode: HTTP,
  },
  {
    id: 'api-cached-p95',
    item: '4',
    what: 'API from the response cache, 50 connections (worst p95)',
    limit: 20,
    unit: 'ms',
    better: 'lower',
    mode: HTTP,
  },
];

export function targetLimit(id: TargetId): number {
  return ISSUE_15_TARGETS.find((t) => t.id === id)!.limit;
}

/** A figure a bench measured for one target. */
export interface Measurement {
  id: TargetId;
  value: number;
  /** Overrides the target's limit (the configured memory limit). */
  limit?: number;
  /** How it was measured, when that differs from the target's terms (scale, cores, extrapolation). */
  note?: string;
}

export interface TargetRow {
  target: Target;
  limit: number;
  value: number | null;
  ratio: number | null;
  met: boolean | null;
  note: string;
}

/** Measured ÷ limit for a cost, limit ÷ measured for a throughput: either way 1 or less meets it. */
export function ratioToTarget(better: Target['better'], value: number, limit: number): number {
  if (better === 'lower') return value / limit;
  return value > 0 ? limit / value : Infinity;
}

export function isMet(better: Target['better'], value: number, limit: number): boolean {
  if (!Number.isFinite(value) || !Number.isFinite(limit)) return false;
  return better === 'lower' ? value <= limit : value >= limit;
}

/** Every target, in order, with what was measured (the last measurement of a target counts). */
export function targetRows(measured: readonly Measurement[]): TargetRow[] {
  return ISSUE_15_TARGETS.map((target) => {
    const m = [...measured].reverse().find((x) => x.id === target.id);
    const limit = m?.limit ?? target.limit;
    if (!m)
      return { target, limit, value: null, ratio: null, met: null, note: `not measured: ${target.mode}` };
    return {
      target,
      limit,
      value: m.value,
      ratio: ratioToTarget(target.better, m.value, limit),
      met: isMet(target.better, m.value, limit),
      note: m.note ?? '',
    };
  });
}

export function formatFigure(value: number, unit: Unit): string {
  if (!Number.isFinite(value)) return String(value);
  switch (unit) {
    case 'events/s':
      return `${Math.round(value).toLocaleString('en-GB')} events/s`;
    case '×':
      return `${value.toFixed(1)}×`;
    case 'share':
      return `${value.toFixed(3)} (1/${value > 0 ? Math.round(1 / value) : '∞'})`;
    case 'bytes':
      return `${(value / 2 ** 30).toFixed(2)} GiB`;
    case 's':
      return `${value.toFixed(1)} s`;
    case 'ms':
      return `${value.toFixed(1)} ms`;
    case 'points':
      return `${value}`;
  }
}

function targetText(t: Target, limit: number): string {
  // The configured memory limit is known only to the bench that measures against it.
  if (!Number.isFinite(limit)) return t.what;
  return `${t.what} ${t.better === 'lower' ? '≤' : '≥'} ${formatFigure(limit, t.unit)}`;
}

/** The "Targets (issue 15)" table, as printed lines. */
export function targetTable(measured: readonly Measurement[]): string {
  const rows = targetRows(measured);
  const cells = rows.map((r) => [
    r.target.item,
    targetText(r.target, r.limit),
    r.value === null ? '-' : formatFigure(r.value, r.target.unit),
    r.ratio === null ? '-' : r.ratio.toFixed(r.ratio < 10 ? 2 : 1),
    r.met === null ? '-' : r.met ? 'yes' : 'NO',
    r.note,
  ]);
  const head = ['item', 'target', 'measured', 'ratio', 'met', 'note'];
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) =>
    c
      .map((x, i) => (i === 2 || i === 3 ? x.padStart(widths[i]!) : x.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [
    'Targets (issue 15)',
    'ratio: measured ÷ target for limits, target ÷ measured for throughput; 1 or less meets the target.',
    line(head),
    line(widths.map((w) => '-'.repeat(w))),
    ...cells.map(line),
  ].join('\n');
}
