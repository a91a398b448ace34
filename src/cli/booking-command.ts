/**
 * `query booking --measure ID --from YYYY-MM-DD --to YYYY-MM-DD [--group-by G] [--area ODS] [--format csv|json]`:
 * one urgent-care booking MI measure (issue 13), the same rows as GET /api/v1/booking: measure, group, count,
 * paired, ratio (group blank for the total, paired and ratio blank when there are none); `--area` narrows it to
 * the cases of patients registered in a region, ICB, sub-ICB location, PCN or practice.
 */
import type { AppConfig } from '../config.ts';
import { openForReading } from '../app/bootstrap.ts';
import { bookingQueryProblem, type BookingGrouping } from '../domain/booking.ts';
import { BOOKING_COLUMNS, bookingJson } from '../http/api/booking-routes.ts';
import { bookingAnswer, bookingAreaOf } from '../query/booking.ts';
import type { Warehouse } from '../warehouse/db.ts';
import { UsageError } from './args.ts';
import { toCsv } from './csv.ts';

type Values = Record<string, string | boolean | undefined>;
const opt = (values: Values, name: string) => (typeof values[name] === 'string' ? values[name] : undefined);

/** The checked question and format, or a UsageError naming the option. */
export function bookingOptions(values: Values): {
  measure: string;
  from: string;
  to: string;
  groupBy: BookingGrouping;
  area: string | undefined;
  format: 'csv' | 'json';
} {
  const q = {
    measure: opt(values, 'measure'),
    from: opt(values, 'from'),
    to: opt(values, 'to'),
    groupBy: opt(values, 'group-by') ?? 'none',
  };
  const problem = bookingQueryProblem(q);
  if (problem) {
    // The domain names the API's parameters; the CLI's are options.
    throw new UsageError(`--${problem.replace(/^groupBy/, 'group-by')}`);
  }
  const format = opt(values, 'format') ?? 'csv';
  if (format !== 'csv' && format !== 'json') throw new UsageError('--format must be csv or json');
  const area = opt(values, 'area');
  if (area !== undefined && !/^[A-Za-z0-9]{1,12}$/.test(area))
    throw new UsageError(
      '--area must be the ODS code of a region, ICB, sub-ICB location, PCN or GP practice',
    );
  return { ...(q as { measure: string; from: string; to: string; groupBy: BookingGrouping }), area, format };
}

/** The text `query booking` prints, read from `db`. */
export async function bookingQueryText(db: Warehouse, values: Values): Promise<string> {
  const { format, area: code, ...asked } = bookingOptions(values);
  const area = code === undefined ? undefined : await bookingAreaOf(db, code);
  if (area === null)
    throw new UsageError(
      `--area: there is no region, ICB, sub-ICB location, PCN or practice with the code ${code}`,
    );
  const q = { ...asked, ...(area ? { area } : {}) };
  const problem = bookingQueryProblem(q);
  if (problem) throw new UsageError(`--${problem.replace(/^groupBy/, 'group-by')}`);
  const rows = await bookingAnswer(db, q);
  if (format === 'json') return JSON.stringify(bookingJson(q, rows), null, 2) + '\n';
  return toCsv(rows as unknown as Record<string, unknown>[], [...BOOKING_COLUMNS]);
}

export async function runBookingQuery(config: AppConfig, values: Values): Promise<number> {
  bookingOptions(values); // refuse bad options before opening anything
  // Read-only: the warehouse, or the figures the running server published (they include the booking tables).
  const { db } = await openForReading(config, () => undefined);
  try {
    process.stdout.write(await bookingQueryText(db, values));
    return 0;
  } finally {
    db.close();
  }
}
