/**
 * `nhs-app-analytics publish --month YYYY-MM --out DIR` (issue 12f): the month's NHS App Management Information
 * publication written from the product's computed figures, in the official layout, so that the MI importer reads
 * it back to the same numbers:
 * - the workbook (exceljs): Title Sheet, Data Quality, Table 1 (national: a header row of months as dates, one row
 *   per measure), Table 2 (ICB level, long format: Month, ICB ODS Code, ICB Name, NHSE Region ODS Code, NHSE Region
 *   Name, one column per measure; the Unknown row last), Metric Metadata (from the metric catalogue);
 * - the ICB CSV (MONTH, ICB_ODS_CODE, ICB_NAME, REGION_ODS_CODE, REGION_NAME, NHS_APP_…) and the England CSV
 *   (MONTH, NHS_APP_…).
 * Measures: those of the publication the product computes from events (catalogue metrics of the same id), on
 * today's ICB structure (the publication's "fixed snapshot at the time of reporting"). Before anything is written,
 * every measure's ICB rows plus Unknown must add up to England, and the month must be complete. With
 * OPEN_DATA_DISCLOSURE on, ICB counts 1–7 are shown as * and others rounded to the nearest 5 (England exact).
 * Each release is also kept in DATA_DIR/open-data/<release>/ and listed at /open-data (never replaced).
 */
import { csvLine } from '../domain/csv.ts';
import ExcelJS from 'exceljs';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ENGLAND_CODE, UNKNOWN_CODE } from '../domain/areas.ts';
import { ANONYMOUS_VIEWER } from '../domain/access.ts';
import { SUPPRESSED_TEXT } from '../domain/disclosure.ts';
import { FigureAccess } from '../domain/figure-access.ts';
import { MI_MEASURES, type MiMeasure } from '../domain/mi-measures.ts';
import type { MetricDefinition } from '../domain/metric-definition.ts';
import { formatLongDate, periodLabel } from '../domain/periods.ts';
import { latestCompletePeriod } from '../query/area-page.ts';
import { getDataStatus } from '../query/status.ts';
import type { Warehouse } from '../warehouse/db.ts';
import * as querySql from '../warehouse/sql/query.ts';

export class PublishError extends Error {}

export interface PublishOptions {
  /** YYYY-MM */
  month: string;
  /** Where to write the files besides the archive; absent: the archive only (a publish asked of the server). */
  outDir?: string;
  /** Where releases are archived (DATA_DIR/open-data). */
  archiveDir: string;
  disclosure: boolean;
  catalogue: readonly MetricDefinition[];
  /** The publication date printed on the title sheet (YYYY-MM-DD). */
  today: string;
}

export interface PublishResult {
  releaseId: string;
  files: string[];
  notes: string[];
  measures: string[];
  icbRows: number;
}

const monthWords = (m: string) => periodLabel('month', `${m}-01`);
const dayWords = formatLongDate;

interface IcbRow {
  code: string;
  name: string;
  regionCode: string;
  regionName: string;
  values: (number | string)[];
}

export async function publishMonth(db: Warehouse, opts: PublishOptions): Promise<PublishResult> {
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(opts.month))
    throw new PublishError(`--month must be like 2025-08, got "${opts.month}"`);
  const monthDay = `${opts.month}-01`;
  const status = await getDataStatus(db);
  const lastComplete = latestCompletePeriod('month', status);
  if (lastComplete === null || monthDay > lastComplete) {
    throw new PublishError(
      `${opts.month} is not a complete month of the loaded activity (complete months end at ${lastComplete?.slice(0, 7) ?? 'none'})`,
    );
  }
  // Measures the product computes from events, at ICB level.
  const candidates = MI_MEASURES.filter(
    (m) => !m.nationalOnly && opts.catalogue.some((c) => c.id === m.measure && c.source === 'events'),
  );
  const icbs = await db.all<{ icb_code: string; icb_name: string; region_code: string; region_name: string }>(
    querySql.publishIcbs,
  );
  const notes: string[] = [];
  const measures: MiMeasure[] = [];
  const england: number[] = [];
  const perIcb = new Map<string, number[]>();
  const problems: string[] = [];
  for (const m of candidates) {
    const rows = await db.all<{ area_level: string; area_code: string; value: number }>(
      querySql.publishFigures,
      [m.measure, monthDay],
    );
    const eng = rows.find((r) => r.area_level === 'england' && r.area_code === ENGLAND_CODE);
    if (!eng) {
      notes.push(`${m.label}: no computed figure for ${opts.month}; not published`);
      continue;
    }
    const icbValues = new Map(
      rows.filter((r) => r.area_level === 'icb').map((r) => [r.area_code, Number(r.value)]),
    );
    // Every ICB of today's structure is published; one without activity in a computed month had none: 0.
    let sum = 0;
    for (const i of [...icbs.map((x) => x.icb_code), UNKNOWN_CODE]) sum += icbValues.get(i) ?? 0;
    const stray = [...icbValues.keys()].filter(
      (c) => c !== UNKNOWN_CODE && !icbs.some((x) => x.icb_code === c),
    );
    if (stray.length > 0)
      problems.push(`${m.label}: figures for ICB(s) not in today's structure: ${stray.join(', ')}`);
    if (sum !== Number(eng.value)) {
      problems.push(
        `${m.label}: the ICB rows plus Unknown add up to ${sum}, not England's ${Number(eng.value)} (difference ${Number(eng.value) - sum})`,
      );
    }
    measures.push(m);
    england.push(Number(eng.value));
    for (const i of [...icbs.map((x) => x.icb_code), UNKNOWN_CODE]) {
      let list = perIcb.get(i);
      if (!list) perIcb.set(i, (list = []));
      list.push(icbValues.get(i) ?? 0);
    }
  }
  if (problems.length > 0)
    throw new PublishError(`${opts.month} not published, nothing written: ${problems.join('; ')}`);
  if (measures.length === 0)
    throw new PublishError(`no computed figures for ${opts.month}: nothing to publish`);
  notes.push(
    `ICB rows plus Unknown add up to England for every measure (${measures.map((m) => m.measure).join(', ')})`,
  );

  // What anyone may see of an ICB count: the figure reader's rule for visitors (src/domain/figure-access.ts).
  const open = new FigureAccess(ANONYMOUS_VIEWER, { catalogue: opts.catalogue, disclosure: opts.disclosure });
  const shown = (v: number): number | string => {
    const d = open.count(v, 'events', 'icb');
    return d.suppressed ? SUPPRESSED_TEXT : d.value;
  };
  if (opts.disclosure)
    notes.push(
      'Disclosure control: ICB counts 1 to 7 shown as *, others rounded to the nearest 5; England exact',
    );
  const icbRows: IcbRow[] = [
    ...icbs.map((i) => ({
      code: i.icb_code,
      name: i.icb_name,
      regionCode: i.region_code,
      regionName: i.region_name,
      values: perIcb.get(i.icb_code)!.map(shown),
    })),
    {
      code: 'Unknown',
      name: 'Unknown',
      regionCode: 'Unknown',
      regionName: 'Unknown',
      values: perIcb.get(UNKNOWN_CODE)!.map(shown),
    },
  ];

  // Files, written to a new folder first, then into --out and the archive.
  const count = Number(
    (await db.scalar<number>('SELECT count(*) FROM open_data_release WHERE month = $1::DATE', [monthDay])) ??
      0,
  );
  const releaseId = `${opts.month}-${count + 1}`;
  const base = `nhs-app-analytics-mi_${opts.month}`;
  const names = { workbook: `${base}.xlsx`, icb: `${base}_icb.csv`, england: `${base}_england.csv` };
  const csvNames = measures.map((m) => m.csvColumns[0]!);

  const wb = new ExcelJS.Workbook();
  const title = wb.addWorksheet('Title Sheet');
  [
    'NHS App Management Information Statistics',
    `${monthWords(opts.month)} to ${monthWords(opts.month)}`,
    `Publication date: ${dayWords(opts.today)}`,
    status.demo
      ? `SYNTHETIC DEMO DATA: computed by NHS App Analytics from generated activity (scale ${status.demo.scale}, seed ${status.demo.seed}), in the layout of the NHS England publication. Not real NHS App figures and not an official statistic: do not use for any decision.`
      : 'Computed by NHS App Analytics from NHS App activity, in the layout of the NHS England publication. Not an official statistic.',
    'Contents',
    'Data Quality',
    `Table 1: National Summary of NHS App usage and registration statistics, ${monthWords(opts.month)}`,
    `Table 2: ICB level NHS App usage and registration statistics, ${monthWords(opts.month)}`,
    'Metric Metadata',
  ].forEach((t, i) => (title.getCell(`A${i + 1}`).value = t));
  const dq = wb.addWorksheet('Data Quality');
  dq.getCell('A1').value = 'Data Quality';
  dq.getCell('A2').value =
    "Figures are counted exactly from the App activity loaded, per calendar month in UK time. ICB activity is assigned by the user's registered GP practice on today's ICB structure; activity without a recognised practice is under Unknown.";
  if (status.demo)
    notes.unshift(
      `Synthetic demo data: the activity was generated by this product's demo at ${status.demo.scale} of England's users, not loaded from the NHS App. Every figure in this workbook is synthetic.`,
    );
  notes.forEach((n, i) => (dq.getCell(`A${i + 3}`).value = n));

  const t1 = wb.addWorksheet('Table 1');
  t1.getCell('A1').value = 'Return to Title Sheet';
  t1.getCell('A2').value =
    `Table 1: National Summary of NHS App usage and registration statistics, ${monthWords(opts.month)}`;
  t1.getCell('C3').value = new Date(`${monthDay}T00:00:00Z`);
  t1.getCell('C3').numFmt = 'mmm-yy';
  measures.forEach((m, i) => {
    t1.getRow(4 + i).values = ['England', m.label, england[i]!];
  });
  t1.getCell(`A${5 + measures.length}`).value = 'Source: NHS App Analytics';

  const t2 = wb.addWorksheet('Table 2');
  t2.getCell('A1').value = 'Return to Title Sheet';
  t2.getCell('A2').value =
    `Table 2: ICB level NHS App usage and registration statistics, ${monthWords(opts.month)}`;
  t2.getRow(3).values = [
    'Month',
    'ICB ODS Code [1,2]',
    'ICB Name [1,2]',
    'NHSE Region ODS Code [1,2]',
    'NHSE Region Name [1,2]',
    ...measures.map((m) => m.label),
  ];
  icbRows.forEach((r, i) => {
    const row = t2.getRow(4 + i);
    row.values = [new Date(`${monthDay}T00:00:00Z`), r.code, r.name, r.regionCode, r.regionName, ...r.values];
    row.getCell(1).numFmt = 'yyyy-mm-dd';
  });
  const after = 5 + icbRows.length;
  t2.getCell(`A${after}`).value = 'Source: NHS App Analytics';
  t2.getCell(`A${after + 1}`).value = 'Notes:';
  t2.getCell(`B${after + 1}`).value =
    '1 Unknown: activity that cannot be mapped to an ICB (no recognised GP practice).';

  const meta = wb.addWorksheet('Metric Metadata');
  meta.getRow(1).values = ['Metric', 'CSV Column Name', 'Description', 'Methodology', 'Geography', 'Caveats'];
  measures.forEach((m, i) => {
    const c = opts.catalogue.find((x) => x.id === m.measure)!;
    meta.getRow(2 + i).values = [
      m.label,
      m.csvColumns[0]!,
      c.description,
      c.calculation,
      `England, NHS England regions and ICBs (today's structure); lowest level computed: ${c.lowest_geography}`,
      c.caveats.join(' '),
    ];
  });

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nhs-app-publish-'));
  try {
    await wb.xlsx.writeFile(path.join(tmp, names.workbook));
    fs.writeFileSync(
      path.join(tmp, names.icb),
      csvLine(['MONTH', 'ICB_ODS_CODE', 'ICB_NAME', 'REGION_ODS_CODE', 'REGION_NAME', ...csvNames]) +
        icbRows
          .map((r) => csvLine([monthDay, r.code, r.name, r.regionCode, r.regionName, ...r.values]))
          .join(''),
    );
    fs.writeFileSync(
      path.join(tmp, names.england),
      csvLine(['MONTH', ...csvNames]) + csvLine([monthDay, ...england]),
    );
    if (opts.outDir) fs.mkdirSync(opts.outDir, { recursive: true });
    const archive = path.join(opts.archiveDir, releaseId);
    fs.mkdirSync(archive, { recursive: true });
    const files = [names.workbook, names.icb, names.england];
    for (const f of files) {
      if (opts.outDir) fs.copyFileSync(path.join(tmp, f), path.join(opts.outDir, f));
      fs.copyFileSync(path.join(tmp, f), path.join(archive, f));
    }
    const version = await db.scalar<string>("SELECT value FROM warehouse_meta WHERE key = 'data_version'");
    await db.run(querySql.openDataReleaseInsert, [
      releaseId,
      monthDay,
      files.join('|'),
      notes.join('\n'),
      opts.disclosure,
      version ?? null,
    ]);
    return {
      releaseId,
      files: files.map((f) => path.join(opts.outDir ?? archive, f)),
      notes,
      measures: measures.map((m) => m.measure),
      icbRows: icbRows.length,
    };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * The server's publish, for the CLI's request while the server holds the warehouse (RefreshService `publish`):
 * the month into the archive only, then `afterPublish` on the same connection (the server publishes its figures,
 * so that /open-data lists the new release). A refusal throws PublishError, whose message is the answer.
 */
export function serverPublisher(opts: {
  archiveDir: string;
  disclosure: boolean;
  catalogue: readonly MetricDefinition[];
  /** The publication date (YYYY-MM-DD) at the time of the request. */
  today: () => string;
  afterPublish?: (conn: Warehouse) => Promise<void>;
}): (conn: Warehouse, month: string) => Promise<PublishResult> {
  return async (conn, month) => {
    const r = await publishMonth(conn, {
      month,
      archiveDir: opts.archiveDir,
      disclosure: opts.disclosure,
      catalogue: opts.catalogue,
      today: opts.today(),
    });
    await opts.afterPublish?.(conn);
    return r;
  };
}
