/**
 * Where a metric comes from (`metrics explain ID`, issue 9): the YAML line that defines it, and the build
 * steps and queries that produce its stored cells, decided by the same tests the build makes
 * (`buildableMetrics`, `isStoredRatio`, `isPatientRate`), so the answer follows the build.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  isPatientRate,
  isStoredRatio,
  PATIENTS_13PLUS,
  type MetricDefinition,
} from '../domain/metric-definition.ts';
import { buildableMetrics, JUMP_OFF_BREAKDOWN } from './build.ts';
import { METRICS_DIR } from './catalogue.ts';
import { selectorKind } from './selectors.ts';
import type { Query } from '../warehouse/query.ts';
import * as buildSql from '../warehouse/sql/build.ts';
import * as querySql from '../warehouse/sql/query.ts';
import { isKind } from '../domain/metric-kind.ts';

/** The file and 1-based line where `id: ID` is written, or null when there is no such file or line. */
export function definitionLine(id: string, dir = METRICS_DIR): { file: string; line: number } | null {
  const file = path.join(dir, `${id}.yaml`);
  if (!/^[a-z][a-z0-9_]*$/.test(id) || !fs.existsSync(file)) return null;
  const lines = fs.readFileSync(file, 'utf8').split(/\r?\n/);
  const at = lines.findIndex((l) => /^id:\s*['"]?([a-z0-9_]+)['"]?\s*(#.*)?$/.exec(l)?.[1] === id);
  return at < 0 ? null : { file, line: at + 1 };
}

export interface BuildStep {
  /** The query of the step (src/warehouse/sql/<module>.ts), or null for a step done in TypeScript. */
  sql: Query | null;
  what: string;
}

export interface MetricOrigin {
  /** Where its figures are kept: the cube (metric_cell, read through the metric_value view), the 13+
   * denominators (area_den_cell, read through area_denominator), or nowhere (computed when read). */
  table: 'metric_cell' | 'area_den_cell' | null;
  /** Breakdown cells kept beside the cube (jump-offs by provider and service). */
  breakdownTable: 'jump_off_cell' | null;
  summary: string;
  steps: BuildStep[];
}

const ROLL_UP: BuildStep[] = [
  { sql: buildSql.rollupPractices, what: 'practice figures on today’s structure' },
  { sql: buildSql.rollupChainsCurrent, what: 'rolled up to every level' },
  { sql: buildSql.rollupAsRecorded, what: 'and on the structure in force at the time (as recorded)' },
  { sql: buildSql.storeCells, what: 'stored in metric_cell' },
];

const FEED_STEP: Record<string, BuildStep> = {
  practice_snapshot: {
    sql: buildSql.factFeedDays,
    what: 'per practice and period from the daily practice snapshot feed (feed_practice_daily)',
  },
  integrated_partners: {
    sql: buildSql.factFeedDays,
    what: 'per practice and period from the integrated-partners feed',
  },
  pomi: { sql: buildSql.factPomi, what: 'per practice and month from the POMI feed (feed_pomi)' },
};

const feedSelector = (m: MetricDefinition) =>
  m.feed && Object.keys(m.feed).length > 0 ? JSON.stringify(m.feed) : 'the whole feed';

/** How the build produces a metric's cells (src/metrics/build.ts `buildMetrics`). */
export function metricOrigin(m: MetricDefinition, catalogue: readonly MetricDefinition[]): MetricOrigin {
  const built = buildableMetrics([...catalogue]).some((b) => b.id === m.id);
  const jumpOffs = (Object.values(JUMP_OFF_BREAKDOWN) as string[]).includes(m.id);
  const breakdownTable = jumpOffs ? ('jump_off_cell' as const) : null;
  const cube = (summary: string, steps: BuildStep[]): MetricOrigin => ({
    table: 'metric_cell',
    breakdownTable,
    summary,
    steps: jumpOffs
      ? [
          ...steps,
          ...(m.source === 'events'
            ? [{ sql: buildSql.factJumpOffs, what: 'the same clicks per provider and service' }]
            : []),
          { sql: buildSql.storeJumpOffCells, what: 'by provider and service in jump_off_cell' },
        ]
      : steps,
  });
  if (m.id === PATIENTS_13PLUS) {
    return {
      table: 'area_den_cell',
      breakdownTable: null,
      summary:
        'GP list sizes aged 13+ per practice and period, rolled up: the denominator of rates (ADR 0006)',
      steps: [
        { sql: buildSql.createPracticeDen, what: 'each practice’s 13+ list size in force in each period' },
        { sql: buildSql.areaDenominators, what: 'rolled up today’s structure into area_den_cell' },
      ],
    };
  }
  if (isPatientRate(m)) {
    return {
      table: null,
      breakdownTable: null,
      summary:
        `not stored: computed when read from the stored cells of ${m.numerator} and the 13+ list sizes ` +
        `(area_den_cell), × ${m.multiplier ?? 1} (ADR 0006; the formula is src/domain/rate.ts patientRate, used by ` +
        'series, data table, area children and the API breakdown; peers and ranking compute it in SQL)',
      steps: [
        {
          sql: querySql.areaValues,
          what: `the numerator ${m.numerator}, with the part not covered by list sizes`,
        },
        { sql: querySql.areaPatients, what: 'the patients aged 13+ of the area (area_denominator)' },
      ],
    };
  }
  if (!built) {
    return {
      table: null,
      breakdownTable: null,
      summary: `not built: the build has no step for source ${m.source} with aggregation ${m.aggregation}`,
      steps: [],
    };
  }
  if (isStoredRatio(m)) {
    return cube(
      `a ratio of two stored metrics, ${m.numerator} ÷ ${m.denominator} × ${m.multiplier ?? 1}, stored by the build (ADR 0009); explain each part for where it comes from`,
      [
        {
          sql: buildSql.storedRatio,
          what: 'from the stored cells of both parts, wherever the denominator > 0',
        },
      ],
    );
  }
  if (isKind(m, 'running_total')) {
    return cube(`the running total of ${m.of}, from its first period`, [
      { sql: buildSql.createCumMap, what: `which count each running total follows (${m.of})` },
      {
        sql: buildSql.cumulativeRunning,
        what: 'running totals per practice and per area as recorded (after an incremental build’s first day, from the stored totals)',
      },
      { sql: buildSql.cumulativePractices, what: 'the practices’ totals' },
      { sql: buildSql.rollupChainsCurrent, what: 'rolled up today’s structure' },
      { sql: buildSql.cumulativeAsRecorded, what: 'and as recorded' },
      { sql: buildSql.storeCells, what: 'stored in metric_cell' },
    ]);
  }
  if (m.source === 'events') {
    const selector: BuildStep = {
      sql: buildSql.insertMetricSelector,
      what: `its event selector (${m.events!.types.join(', ')}${m.events!.where ? ` where ${JSON.stringify(m.events!.where)}` : ''})`,
    };
    const kind = selectorKind(m);
    if (kind === 'count') {
      return cube('a count of activity events per practice, week and month', [
        selector,
        { sql: buildSql.factCounts, what: 'counted per practice and period from activity_event' },
        ...ROLL_UP,
      ]);
    }
    const perPeriod: BuildStep[] = [
      {
        sql: buildSql.createUserEventView,
        what: 'the events its selector qualifies, with practice, week and month',
      },
      {
        sql: buildSql.createUserPeriod,
        what: 'each user’s last qualifying event per period, one partition of users at a time (ADR 0027, 0055)',
      },
      {
        sql: buildSql.resolveTiedUserPeriods,
        what: 'when a user’s latest millisecond holds events at two practices, the last one by time then event id',
      },
      { sql: buildSql.factUniquePeriod, what: 'users counted once, at the practice of that event' },
      { sql: buildSql.insertUserMonth, what: 'each user’s last event per month kept in user_month' },
    ];
    if (kind === 'unique') {
      return cube('unique users per practice, week and month', [selector, ...perPeriod, ...ROLL_UP]);
    }
    return cube('unique users in the 12 months to each month, from user_month', [
      selector,
      ...perPeriod,
      {
        sql: buildSql.factUnique12m,
        what: 'users of the 12 months to each month, at their latest practice, from the stored state carried on',
      },
      {
        sql: buildSql.factUnique12mFromMonths,
        what: 'or, with no state to carry (a full build), every month in one pass over user_month',
      },
      ...ROLL_UP,
    ]);
  }
  if (m.source === 'downloads') {
    return cube('app store downloads, England only', [
      { sql: buildSql.insertFeedSelector, what: `its feed selector (${feedSelector(m)})` },
      {
        sql: buildSql.feedDownloads,
        what: 'summed per week and month from feed_downloads_daily, stored for England',
      },
      { sql: buildSql.storeCells, what: 'stored in metric_cell' },
    ]);
  }
  if (m.source === 'list_sizes') {
    return cube('GP list sizes per practice and period (the release in force)', [
      { sql: buildSql.factPatientsAll, what: 'each practice’s list size in force in each period' },
      ...ROLL_UP,
    ]);
  }
  const feed = FEED_STEP[m.source];
  return cube(`figures of the ${m.source} feed`, [
    { sql: buildSql.insertFeedSelector, what: `its feed selector (${feedSelector(m)})` },
    ...(feed ? [feed] : []),
    ...ROLL_UP,
  ]);
}

/** Ids of the catalogue closest to `id` (edit distance, then shared prefix), for an unknown id. */
export function closeMatches(id: string, ids: readonly string[], max = 5): string[] {
  const distance = (a: string, b: string) => {
    let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      const cur = [i];
      for (let j = 1; j <= b.length; j++)
        cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
    return prev[b.length]!;
  };
  const scored = ids.map((c) => ({
    c,
    d: c.includes(id) || id.includes(c) ? 0 : distance(id, c),
  }));
  const limit = Math.max(2, Math.floor(id.length / 3));
  return scored
    .filter((s) => s.d <= limit)
    .sort((a, b) => a.d - b.d || a.c.localeCompare(b.c))
    .slice(0, max)
    .map((s) => s.c);
}
