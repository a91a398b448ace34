/**
 * `query official --measure ID --level england|region|icb [--code C] [--from YYYY-MM] [--to YYYY-MM]
 * [--edition latest|YYYY-MM] [--format csv|json]`: the official statistics (NHS App MI publication), the same
 * rows as GET /api/v1/official.
 */
import type { AppConfig } from '../config.ts';
import { openForReading } from '../app/bootstrap.ts';
import { ENGLAND_CODE } from '../domain/areas.ts';
import { MI_MEASURES, miMeasureById } from '../domain/mi-measures.ts';
import {
  getOfficialEditions,
  getOfficialRows,
  isOfficialLevel,
  OFFICIAL_COLUMNS,
} from '../query/official.ts';
import { DEMOGRAPHIC_COLUMNS, getDemographics } from '../query/demographics.ts';
import { UsageError } from './args.ts';
import { toCsv } from './csv.ts';

type Values = Record<string, string | boolean | undefined>;
const opt = (values: Values, name: string) => (typeof values[name] === 'string' ? values[name] : undefined);
const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

export async function runOfficialQuery(config: AppConfig, values: Values): Promise<number> {
  const measure = miMeasureById(opt(values, 'measure') ?? '');
  if (!measure) {
    throw new UsageError(
      `--measure must be one of ${MI_MEASURES.map((m) => m.measure).join(', ')}, got "${opt(values, 'measure') ?? ''}"`,
    );
  }
  const level = opt(values, 'level') ?? '';
  if (!isOfficialLevel(level)) throw new UsageError(`--level must be england, region or icb, got "${level}"`);
  if (measure.nationalOnly && level !== 'england')
    throw new UsageError(`${measure.measure} is published for England only`);
  for (const name of ['from', 'to']) {
    const v = opt(values, name);
    if (v !== undefined && !MONTH.test(v))
      throw new UsageError(`--${name} must be a month like 2025-08, got "${v}"`);
  }
  const edition = opt(values, 'edition') ?? 'latest';
  if (edition !== 'latest' && !MONTH.test(edition))
    throw new UsageError(`--edition must be latest or a month like 2025-08, got "${edition}"`);
  const format = opt(values, 'format') ?? 'csv';
  if (format !== 'csv' && format !== 'json') throw new UsageError('--format must be csv or json');
  let code = opt(values, 'code')?.toUpperCase();
  if (level === 'england') {
    if (code !== undefined && code !== ENGLAND_CODE)
      throw new UsageError(`--code must be ${ENGLAND_CODE} for England`);
    code = undefined;
  }
  // Read-only: the warehouse, or the figures the running server published (they include the MI tables).
  const { db } = await openForReading(config, () => undefined);
  try {
    if (edition !== 'latest' && !(await getOfficialEditions(db)).some((e) => e.edition === edition))
      throw new UsageError(`no edition ${edition} loaded`);
    const rows = await getOfficialRows(db, {
      measure: measure.measure,
      level,
      code,
      from: opt(values, 'from'),
      to: opt(values, 'to'),
      edition,
    });
    if (
      code !== undefined &&
      rows.length === 0 &&
      opt(values, 'from') === undefined &&
      opt(values, 'to') === undefined
    )
      throw new UsageError(`no official figures for ${level} ${code}`);
    process.stdout.write(
      format === 'json'
        ? JSON.stringify(
            { measure: measure.measure, level, code: code ?? null, edition, data: rows },
            null,
            2,
          ) + '\n'
        : toCsv(rows as unknown as Record<string, unknown>[], [...OFFICIAL_COLUMNS]),
    );
    return 0;
  } finally {
    db.close();
  }
}

/**
 * `query demographics [--month YYYY-MM] [--format csv|json]`: who uses the App by age group and by deprivation
 * decile, NHS England's published FOI figures, the same rows as GET /api/v1/official/demographics.
 */
export async function runDemographicsQuery(config: AppConfig, values: Values): Promise<number> {
  const month = opt(values, 'month');
  if (month !== undefined && !MONTH.test(month))
    throw new UsageError(`--month must be a month like 2025-05, got "${month}"`);
  const format = opt(values, 'format') ?? 'csv';
  if (format !== 'csv' && format !== 'json') throw new UsageError('--format must be csv or json');
  const { db } = await openForReading(config, () => undefined);
  try {
    const answer = await getDemographics(db, month);
    if (month !== undefined && answer.rows.length === 0)
      throw new UsageError(
        `no figures for ${month}: the months published are ${answer.months.join(', ') || 'none'}`,
      );
    process.stdout.write(
      format === 'json'
        ? JSON.stringify(
            { months: answer.months, patientsExtract: answer.patientsExtract, data: answer.rows },
            null,
            2,
          ) + '\n'
        : toCsv(answer.rows as unknown as Record<string, unknown>[], [...DEMOGRAPHIC_COLUMNS]),
    );
    return 0;
  } finally {
    db.close();
  }
}
