import type { AppConfig } from '../config.ts';
import { openForReading } from '../app/bootstrap.ts';
import { childLevel, ENGLAND_CODE, isAreaLevel, type AreaLevel } from '../domain/areas.ts';
import { operatorFigures } from '../app/figures.ts';
import type { FigurePoint } from '../query/figures.ts';
import { isPatientRate, isStoredRatio } from '../domain/metric-definition.ts';
import { isGrain, isIsoDate, periodStart } from '../domain/periods.ts';
import { loadCatalogue } from '../metrics/catalogue.ts';
import { AREA_CSV_COLUMNS, areaCsvFields, type CsvArea } from '../domain/csv.ts';
import { toCsv } from './csv.ts';
import { type JumpOffSource } from '../query/jump-offs.ts';
import { getDataStatus } from '../query/status.ts';
import { UsageError } from './args.ts';
import { runDemographicsQuery, runOfficialQuery } from './official-command.ts';
import { runBookingQuery } from './booking-command.ts';
import * as querySql from '../warehouse/sql/query.ts';

type Values = Record<string, string | boolean | undefined>;

function option(values: Values, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

/** The options every query shares: --structure, --format, and the dates --from, --to and --period. */
function outputOptions(values: Values): {
  structure: 'current' | 'as-recorded';
  format: 'csv' | 'json';
} {
  const structure = option(values, 'structure') ?? 'current';
  if (structure !== 'current' && structure !== 'as-recorded')
    throw new UsageError('--structure must be current or as-recorded');
  const format = option(values, 'format') ?? 'csv';
  if (format !== 'csv' && format !== 'json') throw new UsageError('--format must be csv or json');
  for (const name of ['from', 'to', 'period']) {
    const v = option(values, name);
    if (v !== undefined && !isIsoDate(v))
      throw new UsageError(`--${name} must be a date like 2026-04-01, got "${v}"`);
  }
  return { structure, format };
}

/** A row without the area columns (JSON names the area once, not on every row). */
function withoutAreaColumns(row: Record<string, unknown>): Record<string, unknown> {
  const out = { ...row };
  for (const c of AREA_CSV_COLUMNS) delete out[c];
  return out;
}

/**
 * `query series` rows: the area's columns first (ADR 0032, as in every figure CSV), then each period's value,
 * complete flag and % change on the point before; rates also their numerator, denominator and coverage.
 */
export function seriesRows(
  area: CsvArea,
  points: readonly FigurePoint[],
  isRate: boolean,
): { columns: string[]; rows: Record<string, unknown>[] } {
  const rows = points.map((p) => ({
    ...areaCsvFields(area),
    period_start: p.periodStart,
    value: p.value,
    complete: p.complete,
    change_pct: p.changePct,
    ...(isRate ? { numerator: p.numerator, denominator: p.denominator, coverage: p.coverage } : {}),
  }));
  const columns = [
    ...AREA_CSV_COLUMNS,
    'period_start',
    'value',
    'complete',
    'change_pct',
    ...(isRate ? ['numerator', 'denominator', 'coverage'] : []),
  ];
  return { columns, rows };
}

/** `query breakdown` rows: each child's area columns (ADR 0032), its value, share of the parent and whether current. */
export function breakdownRows(
  childLevel: string,
  children: readonly {
    code: string;
    name: string;
    placeName?: string | null;
    onsCode: string | null;
    value: number | null;
    shareOfParent: number | null;
    isCurrent: boolean;
  }[],
  withShares: boolean,
): { columns: string[]; rows: Record<string, unknown>[] } {
  const rows = children.map((r) => ({
    ...areaCsvFields({
      code: r.code,
      name: r.name,
      placeName: r.placeName ?? null,
      level: childLevel,
      onsCode: r.onsCode,
    }),
    value: r.value,
    share_of_parent: withShares ? r.shareOfParent : null,
    current: r.isCurrent,
  }));
  return { columns: [...AREA_CSV_COLUMNS, 'value', 'share_of_parent', 'current'], rows };
}

/** `query series` and `query breakdown`: the figures behind pages and the API, as CSV or JSON. */
export async function runQuery(config: AppConfig, positionals: string[], values: Values): Promise<number> {
  const [what] = positionals;
  if (what === 'jump-offs') return runJumpOffQuery(config, values);
  if (what === 'official') return runOfficialQuery(config, values);
  if (what === 'demographics') return runDemographicsQuery(config, values);
  if (what === 'booking') return runBookingQuery(config, values);
  if (what !== 'series' && what !== 'breakdown')
    throw new UsageError(
      'usage: nhs-app-analytics query series|breakdown|jump-offs|official|demographics|booking …',
    );
  const catalogue = loadCatalogue();
  const metricId = option(values, 'metric');
  const metric = catalogue.find((m) => m.id === metricId);
  if (!metric)
    throw new UsageError(
      `--metric must be one of the catalogue ids (nhs-app-analytics metrics), got "${metricId ?? ''}"`,
    );
  const level = option(values, 'level') ?? 'england';
  if (!isAreaLevel(level))
    throw new UsageError(`--level must be england, region, icb, sub_icb, pcn or practice, got "${level}"`);
  const code = option(values, 'code') ?? (level === 'england' ? ENGLAND_CODE : undefined);
  if (!code) throw new UsageError('--code is required below England');
  const grain = option(values, 'grain') ?? 'month';
  if (!isGrain(grain) || !metric.grains.includes(grain)) {
    throw new UsageError(
      `--grain must be one of ${metric.grains.join(', ')} for ${metric.id}, got "${grain}"`,
    );
  }
  const { structure, format } = outputOptions(values);
  // On a running server: the figures it published (read-only).
  const { db } = await openForReading(config, () => undefined);
  try {
    const area = await db.one<{
      code: string;
      name: string;
      place_name: string | null;
      level: string;
      ons_code: string | null;
    }>(querySql.findArea, [level, code]);
    if (!area) throw new UsageError(`no ${level} with code "${code}"`);
    const status = await getDataStatus(db);
    const struct = structure === 'current' ? 'current' : 'as_recorded';
    const figures = operatorFigures(db, catalogue);
    if (what === 'series') {
      const points = await figures.series(status, metric, {
        level: level as AreaLevel,
        code,
        grain,
        structure: struct,
        includePartial: values.partial === true,
        from: option(values, 'from'),
        to: option(values, 'to'),
      });
      const { columns, rows } = seriesRows(
        {
          code: area.code,
          name: area.name,
          placeName: area.place_name,
          level: area.level,
          onsCode: area.ons_code,
        },
        points,
        isPatientRate(metric),
      );
      process.stdout.write(
        format === 'json'
          ? JSON.stringify(
              { metric: metric.id, level, code, grain, structure, data: rows.map(withoutAreaColumns) },
              null,
              2,
            ) + '\n'
          : toCsv(rows, columns),
      );
    } else {
      const period = option(values, 'period');
      if (!period)
        throw new UsageError('--period is required for a breakdown (any date in the week or month)');
      const child = childLevel(level as AreaLevel);
      if (!child) throw new UsageError('a practice has no children to break down into');
      const result = await figures.breakdown(status, metric, {
        level: level as AreaLevel,
        code,
        child,
        grain,
        periodStart: periodStart(grain, period),
        structure: struct,
      });
      const { columns, rows } = breakdownRows(
        child,
        result.rows.map((r) => ({ ...r, shareOfParent: r.shareOfParent ?? null })),
        !result.rate && !isStoredRatio(metric),
      );
      process.stdout.write(
        format === 'json'
          ? JSON.stringify(
              {
                metric: metric.id,
                parent: { level, code },
                grain,
                period_start: periodStart(grain, period),
                data: rows.map((r) => ({
                  level: child,
                  code: r.area_code,
                  name: r.area_name,
                  ...withoutAreaColumns(r),
                })),
              },
              null,
              2,
            ) + '\n'
          : toCsv(rows, columns),
      );
    }
    return 0;
  } finally {
    db.close();
  }
}

/**
 * `query jump-offs`: jump-off clicks by provider and service. With --period, one period's breakdown (one row
 * per provider and service); otherwise the series from --from to --to (default: the loaded range), for
 * --provider and/or --service when given. --source events (default) or feed (the integrated-partners file).
 */
async function runJumpOffQuery(config: AppConfig, values: Values): Promise<number> {
  const source = option(values, 'source') ?? 'events';
  if (source !== 'events' && source !== 'feed') throw new UsageError('--source must be events or feed');
  const level = option(values, 'level') ?? 'england';
  if (!isAreaLevel(level))
    throw new UsageError(`--level must be england, region, icb, sub_icb, pcn or practice, got "${level}"`);
  const code = option(values, 'code') ?? (level === 'england' ? ENGLAND_CODE : undefined);
  if (!code) throw new UsageError('--code is required below England');
  const grain = option(values, 'grain') ?? 'month';
  if (!isGrain(grain)) throw new UsageError(`--grain must be week or month, got "${grain}"`);
  const { structure, format } = outputOptions(values);
  const { db } = await openForReading(config, () => undefined);
  try {
    if (!(await db.one(querySql.findArea, [level, code])))
      throw new UsageError(`no ${level} with code "${code}"`);
    const req = {
      source: source as JumpOffSource,
      level: level as AreaLevel,
      code,
      grain,
      structure: structure === 'current' ? ('current' as const) : ('as_recorded' as const),
    };
    const figures = operatorFigures(db, loadCatalogue());
    const period = option(values, 'period');
    if (period) {
      const rows = await figures.jumpOffBreakdown({ ...req, periodStart: periodStart(grain, period) });
      const data = rows.map((r) => ({
        provider: r.provider,
        service: r.service,
        value: r.value,
        share: r.share,
      }));
      process.stdout.write(
        format === 'json'
          ? JSON.stringify(
              { source, level, code, grain, period_start: periodStart(grain, period), data },
              null,
              2,
            ) + '\n'
          : toCsv(data, ['provider', 'service', 'value', 'share']),
      );
      return 0;
    }
    const status = await getDataStatus(db);
    const from = option(values, 'from') ?? status.firstDay;
    const to = option(values, 'to') ?? status.lastDay;
    if (!from || !to) throw new UsageError('no activity loaded yet: give --from and --to');
    const points = await figures.jumpOffSeries({
      ...req,
      from,
      to,
      provider: option(values, 'provider'),
      service: option(values, 'service'),
    });
    const data = points.map((p) => ({ period_start: p.periodStart, value: p.value }));
    process.stdout.write(
      format === 'json'
        ? JSON.stringify(
            {
              source,
              level,
              code,
              grain,
              provider: option(values, 'provider') ?? null,
              service: option(values, 'service') ?? null,
              data,
            },
            null,
            2,
          ) + '\n'
        : toCsv(data, ['period_start', 'value']),
    );
    return 0;
  } finally {
    db.close();
  }
}
