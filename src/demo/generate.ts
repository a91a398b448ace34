/**
 * The demo data generator (`nhs-app-analytics demo`): synthetic NHS App activity events in the canonical
 * format for every real GP practice, for the two years up to the last complete week, sampled in DuckDB
 * from the model in src/domain/demo-model.ts and written as one Parquet file (ZSTD) per London calendar
 * month: `<outDir>/nhs-app-events-YYYY-MM.parquet`.
 *
 * It reads the practice list and list sizes from the warehouse and writes nothing there but temporary
 * tables (dropped afterwards): the files are loaded through the normal event ingest.
 * Deterministic: the same seed, scale, clock and reference data give the same set of events.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Clock } from '../domain/clock.ts';
import {
  DEMO_MODEL,
  DEMO_WEEKS,
  cumulativeShares,
  demoWindow,
  featureRate,
  featureTable,
  lookupCells,
  planDemo,
  poissonCdf,
  type DemoModel,
  type DemoPracticeRecord,
} from '../domain/demo-model.ts';
import { londonDayEndUtc, londonDayStartUtc } from '../domain/periods.ts';
import type { Warehouse } from '../warehouse/db.ts';
import { sqlLiteral } from '../warehouse/sql.ts';
import * as demoSql from '../warehouse/sql/demo.ts';

export interface DemoOptions {
  /** Share of England's users to simulate (1 = full national scale). */
  scale: number;
  seed: number;
  clock: Clock;
  /** Folder for the monthly files; earlier `nhs-app-events-*.parquet` files in it are replaced. */
  outDir: string;
  /** Whole weeks to generate up to the last complete week (default 104, two years). */
  weeks?: number;
  model?: DemoModel;
}

export interface DemoResult {
  /** The monthly Parquet files written, in month order (absolute paths). */
  files: string[];
  /** Registrations of the users who joined before the window (one event each), dated 2019 onwards. */
  historyFile: string;
  /** Events written (all types). */
  events: number;
  /** Synthetic users with at least one event in the window. */
  users: number;
  /** First (Monday) and last (Sunday) London day of the window. */
  from: string;
  to: string;
  /** Login events written, and practices the users are spread over. */
  logins: number;
  practices: number;
  /** Wall-clock time of the generation, in milliseconds. */
  elapsedMs: number;
}

/** Registrations of users who joined before the window (the App's history), written beside the month files. */
export const DEMO_HISTORY_FILE = 'nhs-app-registrations-before-window.parquet';

export const DEMO_FILE_PATTERN = /^nhs-app-events-(\d{4}-\d{2})\.parquet$/;

export function demoFileName(month: string): string {
  return `nhs-app-events-${month}.parquet`;
}

interface PracticeRow {
  code: string;
  patients13plus: number;
  list_size_source: string;
  pcnCode: string | null;
  subIcbCode: string;
  icbCode: string;
  lastSeen: string;
  goneBy: string | null;
}

/** The practices of every practice-map release with their 13+ list sizes, as the generator uses them. */
export async function loadDemoPractices(db: Warehouse): Promise<DemoPracticeRecord[]> {
  const rows = await db.all<PracticeRow>(demoSql.practices);
  return rows.map((r) => ({
    code: r.code,
    patients13plus: r.patients13plus,
    pcnCode: r.pcnCode,
    subIcbCode: r.subIcbCode,
    icbCode: r.icbCode,
    lastSeen: r.lastSeen,
    goneBy: r.goneBy,
  }));
}

/** Lists travel as JSON text (the SQL reads them with from_json): list parameters would take their element type from the first item. */
const json = (values: readonly (number | string | null)[]): string => JSON.stringify(values);

const ROUTES = ['IDVM', 'PYI', 'POL'] as const;
const CHANNELS = ['ios', 'android', 'web'] as const;

/** Generates the demo events and writes the monthly Parquet files. */
export async function generateDemoEvents(db: Warehouse, options: DemoOptions): Promise<DemoResult> {
  const started = Date.now();
  const model = options.model ?? DEMO_MODEL;
  if (!(options.scale > 0 && options.scale <= 1))
    throw new RangeError(`scale must be in (0, 1], got ${options.scale}`);
  if (!Number.isSafeInteger(options.seed))
    throw new RangeError(`seed must be an integer, got ${options.seed}`);
  const practices = await loadDemoPractices(db);
  if (practices.length === 0) {
    throw new Error(
      'No GP practices in the warehouse: load the reference data (practice map, list sizes) first.',
    );
  }
  const window = demoWindow(options.clock, options.weeks ?? DEMO_WEEKS);
  const plan = planDemo(practices, window, options.scale, options.seed, model);
  const { slots } = plan;

  const outDir = path.resolve(options.outDir);
  fs.mkdirSync(outDir, { recursive: true });
  const tmpDir = path.join(outDir, `.demo-tmp-${process.pid}-${started}`);

  await db.run(demoSql.dropTemp);
  // Row order does not matter here and keeping it makes the large temporary tables and the Parquet
  // writes several times slower: switch it off for the run, and restore the connection's setting after.
  const preserveOrder = await db.scalar<boolean>("SELECT current_setting('preserve_insertion_order')");
  await db.run('SET preserve_insertion_order = false');
  try {
    await db.run(demoSql.createSlots, [
      window.from,
      json(slots.dayIndex),
      json(slots.hour),
      json(slots.loginLo),
      json(slots.loginW),
      json(slots.regLo),
      json(slots.regW),
      json(slots.hourLo),
      json(slots.hourW),
    ]);
    await db.run(demoSql.createDays, [json(slots.dayLo), json(slots.dayW), json(slots.dayShort)]);
    const dayCells = lookupCells(slots.dayW, slots.loginTotal);
    const hourCells = lookupCells(slots.hourW);
    await db.run(demoSql.createDayCells, [dayCells, slots.loginTotal]);
    await db.run(demoSql.createHourCells, [hourCells]);
    await db.run(demoSql.createMonths);
    const p = plan.practices;
    const groupSize = (g: number) => (g >= 0 ? plan.moveTargets[g]!.length : 0);
    const moveIndex = new Map<string, number>();
    plan.moveTargets.forEach((codes) => codes.forEach((c, i) => moveIndex.set(c, i)));
    const practiceNumber = new Map(p.map((x, i) => [x.code, i]));
    const numberOf = (code: string | null) => (code === null ? null : practiceNumber.get(code)!);
    await db.run(demoSql.createPractices, [
      json(p.map((x) => x.code)),
      json(p.map((x) => x.users)),
      json(p.map((x) => x.activity)),
      json(p.map((x) => x.closureAt)),
      json(p.map((x) => numberOf(x.successor))),
      json(p.map((x) => x.moveGroup)),
      json(p.map((x) => moveIndex.get(x.code) ?? -1)),
      json(p.map((x) => groupSize(x.moveGroup))),
    ]);
    const targets = plan.moveTargets.flatMap((codes, g) => codes.map((code, i) => ({ g, i, code })));
    await db.run(demoSql.createMoveTargets, [
      json(targets.map((t) => t.g)),
      json(targets.map((t) => t.i)),
      json(targets.map((t) => numberOf(t.code))),
    ]);
    await db.run(demoSql.createSegments, [
      json(cumulativeShares(model.segments.map((s) => s.share))),
      json(model.segments.map((s) => s.meanLoginsPerMonth)),
    ]);
    const features = (['P9', 'P5'] as const).flatMap((level) =>
      featureTable(level, model).map((f) => ({ level, ...f })),
    );
    await db.run(demoSql.createFeatureTypes, [
      json(features.map((f) => f.level)),
      json(features.map((_, i) => i)),
      json(features.map((f) => f.lo)),
      json(features.map((f) => f.spec.eventType)),
      json(features.map((f) => f.spec.recordType ?? null)),
      json(features.map((f) => f.spec.provider ?? null)),
      json(features.map((f) => f.spec.service ?? null)),
    ]);
    const cells = featureCells(model);
    await db.run(demoSql.createFeatureCells, [cells]);
    await db.run(demoSql.createUsers, [
      options.seed,
      plan.preRegisteredShare,
      slots.loginTotal,
      slots.regTotal,
      model.preWindowP9Share,
      model.newRegistrationP9Share,
      model.upliftShare,
      model.movedUserShare,
      json(cumulativeShares(ROUTES.map((r) => model.p9Routes[r]))),
      json([...ROUTES]),
      json(cumulativeShares(CHANNELS.map((c) => model.channels[c]))),
    ]);
    const duplicates =
      (await db.scalar<number>('SELECT count(*) - count(DISTINCT k) AS duplicates FROM demo_user')) ?? 0;
    if (duplicates > 0) {
      // 64-bit keys: practically impossible at the scales this runs at; refuse rather than merge two people.
      throw new Error(`demo generation drew ${duplicates} duplicate user ids: try another seed`);
    }
    await db.run(demoSql.createLoginKeys);
    await db.run(demoSql.createLogins, [
      slots.loginTotal,
      model.unknownPracticeShare,
      model.sessionChannelSwitch,
      json(cumulativeShares(CHANNELS.map((c) => model.channels[c]))),
      json(poissonCdf(featureRate('P9', model))),
      json(poissonCdf(featureRate('P5', model))),
      dayCells,
      hourCells,
    ]);
    await db.run('DROP TABLE demo_login_key');
    const windowEnd = londonDayEndUtc(window.to).toISOString();
    await db.run(demoSql.createFeatures, [windowEnd, cells]);
    const stats = (await db.one<{
      logins: number;
      features: number;
      registrations: number;
      uplifts: number;
      users: number;
    }>(demoSql.runStats))!;

    fs.mkdirSync(tmpDir);
    const months = await db.all<{ month_idx: number; month: string }>(
      'SELECT month_idx, month FROM demo_month ORDER BY month_idx',
    );
    const written: { month: string; file: string }[] = [];
    for (const m of months) {
      const file = path.join(tmpDir, demoFileName(m.month));
      await db.run(
        `COPY (${demoSql.writeMonth.text}) TO ${sqlLiteral(file)} (FORMAT parquet, COMPRESSION zstd, PRESERVE_ORDER false)`,
        [m.month_idx, json([...CHANNELS])],
      );
      written.push({ month: m.month, file });
    }
    const historyTmp = path.join(tmpDir, DEMO_HISTORY_FILE);
    const launchToWindowUs =
      (londonDayStartUtc(window.from).getTime() - Date.parse('2019-01-01T00:00:00Z')) * 1000;
    await db.run(
      `COPY (${demoSql.writeHistory.text}) TO ${sqlLiteral(historyTmp)} (FORMAT parquet, COMPRESSION zstd, PRESERVE_ORDER false)`,
      [launchToWindowUs, json([...CHANNELS])],
    );
    const files = replaceMonthlyFiles(written, outDir);
    const historyFile = path.join(outDir, DEMO_HISTORY_FILE);
    fs.renameSync(historyTmp, historyFile);
    return {
      files,
      historyFile,
      events: stats.logins + stats.features + stats.registrations + stats.uplifts,
      users: stats.users,
      from: window.from,
      to: window.to,
      logins: stats.logins,
      practices: practices.length,
      elapsedMs: Date.now() - started,
    };
  } finally {
    await db.run(demoSql.dropTemp);
    await db.run(`SET preserve_insertion_order = ${preserveOrder === false ? 'false' : 'true'}`);
    fs.rmSync(tmpDir, { recursive: true, force: true });
  }
}

/** Cells of the feature-kind lookup (see lookupCells): from the narrowest kind of either level. */
function featureCells(model: DemoModel): number {
  const widths = (['P9', 'P5'] as const).flatMap((level) => {
    const table = featureTable(level, model);
    return table.map((f, i) => (i + 1 < table.length ? table[i + 1]!.lo : 1) - f.lo);
  });
  return lookupCells(widths);
}

/**
 * Moves the month files into the output folder, after removing the demo files of an earlier run (a run
 * over a different window would otherwise leave stale months behind).
 */
function replaceMonthlyFiles(written: { month: string; file: string }[], outDir: string): string[] {
  for (const f of fs.readdirSync(outDir)) {
    if (DEMO_FILE_PATTERN.test(f)) fs.rmSync(path.join(outDir, f));
  }
  return written.map(({ month, file }) => {
    const target = path.join(outDir, demoFileName(month));
    fs.renameSync(file, target);
    return target;
  });
}
