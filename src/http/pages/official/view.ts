/**
 * The Official statistics page (issue 12d): the NHS App Management Information publication as loaded, for
 * England, NHS England regions (summed from the ICB rows, Unknown kept) and ICBs, every published measure,
 * monthly: a chart with its figures as a table beside it, or a table of areas by month; the editions loaded and
 * the revisions between them; and, where the product computes the same figure, the reconciliation. Pure.
 */
import { MI_MEASURES, type MiMeasure } from '../../../domain/mi-measures.ts';
import type {
  OfficialEdition,
  OfficialLevel,
  OfficialRevision,
  OfficialRow,
} from '../../../query/official.ts';
import { renderLineChart } from '../../../web/charts/line-chart.ts';
import { formatDate, formatNumber, formatPeriod, formatPeriodShort } from '../../../web/format.ts';
import { officialQuery } from './state.ts';
import { percentChange } from '../../../domain/rate.ts';

export interface OfficialSelection {
  measure: MiMeasure;
  level: OfficialLevel;
  code?: string;
  from?: string;
  to?: string;
}

export interface ReconciliationRow {
  month: string;
  code: string;
  name: string;
  official: number;
  computed: number | null;
}

export interface OfficialPageInput {
  selection: OfficialSelection;
  rows: OfficialRow[];
  /** Every area of the level (code, name) for the area list. */
  areas: { code: string; name: string }[];
  editions: OfficialEdition[];
  revisions: OfficialRevision[];
  reconciliation?: {
    metricName: string;
    structure: string;
    rows: ReconciliationRow[];
    demo: boolean;
    /** Demo data: its scale (share of real users), to compare the computed figures at full scale. */
    demoScale?: number | null;
    csvHref: string;
  } | null;
}

const LEVEL_WORDS: Record<OfficialLevel, string> = {
  england: 'England',
  region: 'NHS England regions',
  icb: 'Integrated care boards (ICBs)',
};

const monthText = (m: string) => formatPeriod('month', `${m}-01`);
const monthShort = (m: string) => formatPeriodShort('month', `${m}-01`);

function pct(official: number, computed: number): string {
  const v = percentChange(computed, official);
  if (v === null) return '–';
  return `${v > 0 ? '+' : ''}${formatNumber(Math.round(v * 10) / 10)}%`;
}

export function buildOfficialView(input: OfficialPageInput) {
  const { selection: s, rows } = input;
  const query = officialQuery({
    measure: s.measure.measure,
    level: s.level,
    code: s.code,
    from: s.from,
    to: s.to,
  });
  const single = s.level === 'england' || s.code !== undefined;
  const areaName = single
    ? (rows[0]?.name ?? input.areas.find((a) => a.code === s.code)?.name ?? s.code)
    : null;
  const months = [...new Set(rows.map((r) => r.month))].sort();
  const latestEdition = input.editions[0] ?? null;

  let chart = null;
  if (single && rows.length > 0) {
    const first = rows[0]!;
    const last = rows[rows.length - 1]!;
    const title = `${s.measure.label}, ${areaName}, by month`;
    const desc =
      `${s.measure.label} in ${areaName} from ${monthText(first.month)} to ${monthText(last.month)}, as published by ` +
      `NHS England: ${formatNumber(last.value)} in ${monthText(last.month)}` +
      (rows.length > 1 ? `, against ${formatNumber(first.value)} in ${monthText(first.month)}.` : '.');
    const options = {
      title,
      desc,
      points: rows.map((r) => ({ label: monthShort(r.month), value: r.value })),
      integer: true,
    };
    chart = {
      id: 'official-chart',
      heading: title,
      summary: desc,
      svg: renderLineChart({ ...options, id: 'official-chart', className: 'app-chart__svg--wide' }),
      svgNarrow: renderLineChart({
        ...options,
        id: 'official-chart-narrow',
        width: 360,
        height: 240,
        className: 'app-chart__svg--narrow',
      }),
      tableCaption: `${s.measure.label}, ${areaName}, by month (official statistics)`,
      tableHead: [{ text: 'Month' }, { text: s.measure.label, format: 'numeric' }, { text: 'Edition' }],
      tableRows: rows.map((r) => [
        { text: monthText(r.month) },
        { text: formatNumber(r.value), format: 'numeric' },
        { text: monthText(r.edition) },
      ]),
    };
  }

  // Areas by month: the last (up to) six months of the selection, one row per area, Unknown last.
  let areaTable = null;
  if (!single && rows.length > 0) {
    const shown = months.slice(-6);
    const byArea = new Map<string, { code: string; name: string; values: Map<string, number> }>();
    for (const r of rows) {
      if (!shown.includes(r.month)) continue;
      let a = byArea.get(r.code);
      if (!a) byArea.set(r.code, (a = { code: r.code, name: r.name, values: new Map() }));
      a.values.set(r.month, r.value);
    }
    areaTable = {
      caption: `${s.measure.label} by ${s.level === 'region' ? 'NHS England region' : 'ICB'} and month (official statistics)`,
      months: shown.map((m) => ({ month: m, text: monthShort(m) })),
      rows: [...byArea.values()].map((a) => ({
        name: a.name === 'Unknown' || a.code === 'UNKNOWN' ? 'Unknown (not mapped to an ICB)' : a.name,
        code: a.code,
        href: `/official?${officialQuery({ measure: s.measure.measure, level: s.level, code: a.code, from: s.from, to: s.to })}`,
        values: shown.map((m) => {
          const v = a.values.get(m);
          return v === undefined ? 'no data' : formatNumber(v);
        }),
      })),
    };
  }

  const rec = input.reconciliation;
  const reconciliation = rec
    ? {
        metricName: rec.metricName,
        structure: rec.structure,
        demo: rec.demo,
        demoScale: rec.demoScale ? `${formatNumber(rec.demoScale * 100, 3)}%` : null,
        csvHref: rec.csvHref,
        rows: rec.rows.map((r) => ({
          month: monthText(r.month),
          area: r.name,
          official: formatNumber(r.official),
          computed: r.computed === null ? 'no data' : formatNumber(r.computed),
          difference:
            r.computed === null
              ? '–'
              : `${r.computed - r.official > 0 ? '+' : ''}${formatNumber(r.computed - r.official)}`,
          pct: r.computed === null ? '–' : pct(r.official, r.computed),
          fullScale:
            r.computed === null || !rec.demoScale
              ? '–'
              : formatNumber(Math.round(r.computed / rec.demoScale)),
          fullScalePct:
            r.computed === null || !rec.demoScale ? '–' : pct(r.official, r.computed / rec.demoScale),
        })),
      }
    : null;

  return {
    query,
    csvHref: `/api/v1/official?${query}&format=csv`,
    apiHref: `/api/v1/official?${query}`,
    measure: s.measure,
    level: s.level,
    levelWords: LEVEL_WORDS[s.level],
    code: s.code ?? '',
    from: s.from ?? '',
    to: s.to ?? '',
    areaName,
    single,
    empty: rows.length === 0,
    measureItems: MI_MEASURES.map((m) => ({
      value: m.measure,
      text: m.label,
      selected: m.measure === s.measure.measure,
    })),
    levelItems: (Object.keys(LEVEL_WORDS) as OfficialLevel[]).map((l) => ({
      value: l,
      text: LEVEL_WORDS[l],
      selected: l === s.level,
    })),
    areaItems: [
      { value: '', text: s.level === 'england' ? 'England' : 'All areas', selected: !s.code },
      ...input.areas.map((a) => ({
        value: a.code,
        text: `${a.name} (${a.code})`,
        selected: a.code === s.code,
      })),
    ],
    chart,
    areaTable,
    latestEdition: latestEdition
      ? {
          edition: monthText(latestEdition.edition),
          published: latestEdition.publishedOn ? formatDate(latestEdition.publishedOn) : null,
        }
      : null,
    editions: input.editions.map((e) => ({
      edition: monthText(e.edition),
      published: e.publishedOn ? formatDate(e.publishedOn) : 'not stated',
      covers: `${monthText(e.firstMonth)} to ${monthText(e.lastMonth)}`,
      files: e.files.map((f) => f.file).join(', '),
    })),
    revisions: input.revisions.slice(0, 200).map((r) => ({
      month: monthText(r.month),
      area: r.name,
      measure: MI_MEASURES.find((m) => m.measure === r.measure)?.label ?? r.measure,
      oldValue: formatNumber(r.oldValue),
      newValue: formatNumber(r.newValue),
      editions: `${monthText(r.oldEdition)} → ${monthText(r.edition)}`,
    })),
    revisionsTotal: input.revisions.length,
    reconciliation,
  };
}
