/**
 * The data table page and its CSV: the selection (level, area, metrics, grain, period range, partial
 * period) as a URL, the filter form's options (only those the viewer may see), the rows of one page with
 * numbered pagination, and the CSV of the whole selection. Pure.
 */
import { pickerLabel } from '../../../domain/no-data.ts';
import { areaLabel, LEVEL_LABELS, type AreaLevel } from '../../../domain/areas.ts';
import { SUPPRESSED_TEXT } from '../../../domain/disclosure.ts';
import { isPatientRate, type Grain, type MetricDefinition } from '../../../domain/metric-definition.ts';
import type { DataTableRow } from '../../../query/data-table.ts';
import type { AreaSearchResult } from '../../../query/types.ts';
import { formatCoverage, formatNumber, formatPeriod, formatValue, periodEnd } from '../../../web/format.ts';
import { LEVEL_WORDS } from '../../../web/views/metric-panels.ts';
import { AREA_CSV_COLUMNS, areaCsvCells, csvLine, wideCsvLine } from '../../../domain/csv.ts';
import { roundCount, roundCoverage, roundFigure } from '../../../domain/rounding.ts';
import { THEME_LABELS, THEME_ORDER } from '../dictionary/view.ts';
import { DATA_PAGE_SIZE, dataUrl, levelForArea, selectionFields, type DataSelection } from './state.ts';

export interface DataAreaView {
  level: AreaLevel;
  code: string;
  name: string;
  placeName?: string | null;
  isCurrent: boolean;
}

export interface DataTableViewInput {
  selection: DataSelection;
  /** The chosen area, when there is one. */
  area: DataAreaView | null;
  /** Metrics shown, in the order asked. */
  metrics: MetricDefinition[];
  /** Metrics asked for that the level or grain does not offer, with the reason. */
  dropped: { metric: MetricDefinition; reason: string }[];
  /** What the form offers this viewer. */
  options: {
    levels: AreaLevel[];
    grains: Grain[];
    metrics: MetricDefinition[];
    periods: string[];
    /** Metrics with figures for the chosen level, grain and periods (others marked "(no data)"). */
    withFigures?: ReadonlySet<string> | null;
  };
  total: number;
  rows: DataTableRow[];
  search: {
    query: string;
    results: AreaSearchResult[];
    total: number;
    hidden: number;
    didYouMean?: string | undefined;
  } | null;
  signedIn: boolean;
}

export interface DataTableView {
  caption: string;
  summary: string;
  form: {
    levels: { value: string; text: string; selected: boolean }[];
    grains: { value: string; text: string; checked: boolean }[];
    metricGroups: {
      heading: string;
      id: string;
      items: { value: string; text: string; checked: boolean; id: string }[];
    }[];
    selectedMetricsText: string;
    fromOptions: { value: string; text: string; selected: boolean }[];
    toOptions: { value: string; text: string; selected: boolean }[];
    includePartial: boolean;
    areaCode: string;
    hidden: { name: string; value: string }[];
  };
  area: { text: string; clearHref: string; href: string } | null;
  notices: string[];
  head: { text: string; numeric: boolean }[];
  rows: { cells: { text: string; numeric: boolean }[] }[];
  hasRates: boolean;
  pagination: {
    previous: string | null;
    next: string | null;
    items: ({ number: number; href: string; current: boolean } | { ellipsis: true })[];
  } | null;
  rangeText: string;
  csvHref: string;
  csvText: string;
  /** The same selection as a wide CSV: a row per area and metric, a column per period (ADR 0032). */
  wideCsvHref: string;
  wideCsvText: string;
  search: {
    query: string;
    heading: string;
    results: { text: string; meta: string; href: string }[];
    moreText: string | null;
    /** When nothing was found: the search correctly spelt (ADR 0066), as a link to find it. */
    didYouMean: { text: string; href: string } | null;
  } | null;
  signInNote: string | null;
  /** The find-an-area form carries the rest of the selection. */
  findHidden: { name: string; value: string }[];
}

/** Areas of a level inside a sentence ("ICBs"); the form's options use the full labels. */
function levelWords(level: AreaLevel): string {
  return level === 'england' ? 'England' : LEVEL_WORDS[level];
}

function levelOption(level: AreaLevel): string {
  return level === 'england' ? 'England' : LEVEL_LABELS[level].plural;
}

function metricLabel(m: MetricDefinition): string {
  return m.name;
}

/** Page numbers to link: first, last, and two either side of the current one, with gaps. */
export function pageNumbers(current: number, last: number): (number | null)[] {
  const wanted = new Set([1, last, current - 2, current - 1, current, current + 1, current + 2]);
  const out: (number | null)[] = [];
  let previous = 0;
  for (let n = 1; n <= last; n++) {
    if (!wanted.has(n)) continue;
    if (n - previous > 1) out.push(null);
    out.push(n);
    previous = n;
  }
  return out;
}

function periodText(grain: Grain, start: string, complete: boolean): string {
  return formatPeriod(grain, start) + (complete ? '' : ' (partial)');
}

export function buildDataTableView(input: DataTableViewInput): DataTableView {
  const { selection: sel, metrics, total, rows } = input;
  const byId = new Map(input.options.metrics.concat(metrics).map((m) => [m.id, m]));
  const hasRates = metrics.some(isPatientRate);
  const pages = Math.max(1, Math.ceil(total / DATA_PAGE_SIZE));
  const firstRow = total === 0 ? 0 : (sel.page - 1) * DATA_PAGE_SIZE + 1;
  const lastRow = Math.min(total, sel.page * DATA_PAGE_SIZE);
  const where = input.area
    ? input.area.level === sel.level
      ? input.area.name
      : `${levelWords(sel.level)} in ${input.area.name}`
    : `all ${levelWords(sel.level)}`.replace('all England', 'England');
  const metricNames = metrics.map((m) => m.short_name).join(', ') || 'No metrics';
  const caption = `${metricNames}: ${where}, by ${sel.grain}`;
  const rangeText =
    total === 0
      ? 'No rows'
      : `Rows ${formatNumber(firstRow)} to ${formatNumber(lastRow)} of ${formatNumber(total)}`;

  const head = [
    { text: 'Period', numeric: false },
    { text: 'Area', numeric: false },
    { text: 'Code', numeric: false },
    { text: 'Metric', numeric: false },
    { text: 'Value', numeric: true },
  ];
  if (hasRates) {
    head.push(
      { text: 'Numerator', numeric: true },
      { text: 'Denominator', numeric: true },
      { text: 'Coverage', numeric: true },
    );
  }
  head.push({ text: 'Complete period', numeric: false });
  const tableRows = rows.map((r) => {
    const m = byId.get(r.metricId);
    const unit = m?.unit ?? 'events';
    const cells = [
      { text: periodText(sel.grain, r.periodStart, r.complete), numeric: false },
      {
        text: areaLabel({ name: r.areaName, placeName: r.placeName }) + (r.isCurrent ? '' : ' (closed)'),
        numeric: false,
      },
      { text: r.areaCode, numeric: false },
      { text: m ? metricLabel(m) : r.metricId, numeric: false },
      {
        text: r.suppressed
          ? SUPPRESSED_TEXT
          : r.value === null
            ? m && (isPatientRate(m) || m.id === 'patients_13plus')
              ? 'No list size'
              : 'No data'
            : formatValue(r.value, unit),
        numeric: true,
      },
    ];
    if (hasRates) {
      const rate = r.numerator !== undefined;
      cells.push(
        { text: rate && r.numerator !== null ? formatNumber(r.numerator!) : '', numeric: true },
        {
          text: rate && r.denominator !== null ? formatNumber(Math.round(r.denominator! * 10) / 10) : '',
          numeric: true,
        },
        { text: rate && r.value !== null ? formatCoverage(r.coverage ?? null) : '', numeric: true },
      );
    }
    cells.push({ text: r.complete ? 'Yes' : 'No (partial)', numeric: false });
    return { cells };
  });

  let pagination: DataTableView['pagination'] = null;
  if (pages > 1) {
    const at = (page: number) => dataUrl({ ...sel, page }, { hash: '#data-results' });
    pagination = {
      previous: sel.page > 1 ? at(sel.page - 1) : null,
      next: sel.page < pages ? at(sel.page + 1) : null,
      items: pageNumbers(sel.page, pages).map((n) =>
        n === null ? { ellipsis: true as const } : { number: n, href: at(n), current: n === sel.page },
      ),
    };
  }

  const notices = input.dropped.map(
    (d) =>
      `${d.metric.name} is left out: ${d.reason}, so it has no figures for ${levelWords(sel.level)} by ${sel.grain}.`,
  );

  const selected = new Set(sel.metrics);
  const metricGroups = THEME_ORDER.map((theme) => ({
    heading: THEME_LABELS[theme],
    id: `metrics-${theme}`,
    items: input.options.metrics
      .filter((m) => m.theme === theme)
      .map((m) => ({
        value: m.id,
        text: pickerLabel(m.name, m.id, input.options.withFigures ?? null),
        checked: selected.has(m.id),
        id: `metric-${m.id}`,
      })),
  })).filter((g) => g.items.length > 0);

  const periodOption = (p: string, chosen: string | null) => ({
    value: p,
    text: formatPeriod(sel.grain, p),
    selected: chosen === p,
  });

  let search: DataTableView['search'] = null;
  if (input.search) {
    const s = input.search;
    search = {
      query: s.query,
      heading:
        s.results.length === 0
          ? `No areas found for “${s.query}”`
          : `${formatNumber(s.total - s.hidden)} area${s.total - s.hidden === 1 ? '' : 's'} found for “${s.query}”`,
      results: s.results.map((r) => ({
        text: areaLabel(r) + (r.isCurrent ? '' : ' (closed)'),
        meta: [LEVEL_LABELS[r.level].singular, r.code, r.postcode].filter(Boolean).join(' · '),
        href: dataUrl(
          { ...sel, area: r.code, level: levelForArea(sel.level, r.level), page: 1 },
          { hash: '#data-results' },
        ),
      })),
      moreText:
        s.total > s.results.length + s.hidden
          ? 'Only the best matches are shown: search for more of the name to narrow them down.'
          : null,
      didYouMean:
        s.results.length === 0 && s.didYouMean
          ? {
              text: s.didYouMean,
              href: dataUrl({ ...sel, page: 1 }, { q: s.didYouMean, hash: '#data-find-results' }),
            }
          : null,
    };
    if (s.hidden > 0 && !input.signedIn) {
      search.moreText = `${search.moreText ? `${search.moreText} ` : ''}Areas below ICB level are left out: sign in to see their figures.`;
    }
  }

  return {
    caption,
    summary:
      total === 0
        ? 'There are no figures for this selection.'
        : `${formatNumber(total)} figure${total === 1 ? '' : 's'}: ${metricNames.toLowerCase()} for ${where}, by ${sel.grain}.`,
    form: {
      levels: input.options.levels.map((l) => ({
        value: l,
        text: levelOption(l),
        selected: l === sel.level,
      })),
      grains: input.options.grains.map((g) => ({
        value: g,
        text: g === 'week' ? 'Week' : 'Month',
        checked: g === sel.grain,
      })),
      metricGroups,
      selectedMetricsText: `${metrics.length} selected: ${metricNames}`,
      fromOptions: [
        { value: '', text: 'Earliest', selected: sel.from === null },
        ...input.options.periods.map((p) => periodOption(p, sel.from)),
      ],
      toOptions: [
        { value: '', text: 'Latest', selected: sel.to === null },
        ...input.options.periods.map((p) => periodOption(p, sel.to)),
      ],
      includePartial: sel.includePartial,
      areaCode: sel.area ?? '',
      hidden: [],
    },
    area: input.area
      ? {
          text: `${areaLabel(input.area)} (${LEVEL_LABELS[input.area.level].singular}, ${input.area.code})${input.area.isCurrent ? '' : ', closed'}`,
          clearHref: dataUrl({ ...sel, area: null, page: 1 }),
          href:
            input.area.level === 'england'
              ? '/'
              : `/areas/${encodeURIComponent(input.area.level)}/${encodeURIComponent(input.area.code)}`,
        }
      : null,
    notices,
    head,
    rows: tableRows,
    hasRates,
    pagination,
    rangeText,
    csvHref: dataUrl(sel, { csv: true }),
    csvText: `Download all ${formatNumber(total)} row${total === 1 ? '' : 's'} (CSV)`,
    wideCsvHref: dataUrl(sel, { csv: true, layout: 'wide' }),
    wideCsvText: 'Download as a wide CSV: a row per area and metric, a column per period',
    search,
    findHidden: selectionFields({ ...sel, area: null }),
    signInNote: input.signedIn
      ? null
      : 'You are seeing open data: monthly figures for England, regions and ICBs of the metrics in the official NHS App Management Information publication. Sign in with an NHS email address to see every metric, weekly figures and every level down to GP practices.',
  };
}

export { csvLine };

export const DATA_CSV_HEADER = [
  ...AREA_CSV_COLUMNS,
  'area_is_current',
  'period_start',
  'period_end',
  'grain',
  'complete',
  'metric_id',
  'metric_name',
  'unit',
  'value',
  'numerator',
  'denominator',
  'coverage',
];

/** A row's value as the CSVs write it: rounded at the edge (ADR 0022), the suppression mark, or empty. */
function csvValue(row: DataTableRow, metric: MetricDefinition | undefined): number | string | null {
  if (row.suppressed) return SUPPRESSED_TEXT;
  return roundFigure(row.value, metric?.unit ?? '');
}

export function dataCsvRow(row: DataTableRow, grain: Grain, metric: MetricDefinition | undefined): string {
  return csvLine([
    ...areaCsvCells({
      code: row.areaCode,
      name: row.areaName,
      placeName: row.placeName ?? null,
      level: row.areaLevel,
      onsCode: row.onsCode,
    }),
    row.isCurrent,
    row.periodStart,
    periodEnd(grain, row.periodStart),
    grain,
    row.complete,
    row.metricId,
    metric?.name ?? row.metricId,
    metric?.unit ?? '',
    csvValue(row, metric),
    roundCount(row.numerator ?? null),
    roundCount(row.denominator ?? null),
    roundCoverage(row.coverage ?? null),
  ]);
}

/** The wide CSV's key columns (ADR 0032); a column per period start (YYYY-MM-DD) follows. */
export const DATA_WIDE_CSV_KEYS = [
  ...AREA_CSV_COLUMNS,
  'area_is_current',
  'metric_id',
  'metric_name',
  'unit',
];

export function dataWideCsvHeader(periods: readonly string[]): string {
  return csvLine([...DATA_WIDE_CSV_KEYS, ...periods]);
}

/**
 * The wide CSV's lines of one area: a line per metric (in the order asked), its value in each period's
 * column; a period without a figure (no data, or outside the metric's periods) is an empty cell.
 */
export function dataWideCsvLines(
  areaRows: readonly DataTableRow[],
  metrics: readonly MetricDefinition[],
  periods: readonly string[],
): string {
  const first = areaRows[0];
  if (!first) return '';
  const area = areaCsvCells({
    code: first.areaCode,
    name: first.areaName,
    placeName: first.placeName ?? null,
    level: first.areaLevel,
    onsCode: first.onsCode,
  });
  let out = '';
  for (const metric of metrics) {
    const values = new Map<string, number | string | null>();
    for (const r of areaRows) if (r.metricId === metric.id) values.set(r.periodStart, csvValue(r, metric));
    out += wideCsvLine([...area, first.isCurrent, metric.id, metric.name, metric.unit], periods, values);
  }
  return out;
}
