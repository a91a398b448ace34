/**
 * The Map page's view model: the filter form (only what the viewer may see), the choropleth with its legend,
 * a one-sentence summary, the table of the same figures (sortable through links) and the CSV of exactly what
 * the map shows. Formatted text only, so the template does no arithmetic. Pure and unit-tested.
 */
import { AREA_CSV_COLUMNS, areaCsvCells, csvCell } from '../../../domain/csv.ts';
import { roundCount, roundCoverage, roundFigure } from '../../../domain/rounding.ts';
import { SUPPRESSED_TEXT } from '../../../domain/disclosure.ts';
import { pickerLabel } from '../../../domain/no-data.ts';
import { areaLabel, LEVEL_LABELS } from '../../../domain/areas.ts';
import { isPatientRate, type Grain, type MetricDefinition } from '../../../domain/metric-definition.ts';
import type { MapLevel, MapValue, MapValues } from '../../../query/map-values.ts';
import type { DataStatus } from '../../../query/types.ts';
import {
  formatNumber,
  formatPeriod,
  formatPeriodInSentence,
  formatValue,
  lowerFirst,
  unitSuffix,
} from '../../../web/format.ts';
import { classify, type ClassMethod, type Classing } from '../../../web/map/classes.ts';
import type { InsetGeometry, MapGeometry } from '../../../web/map/geometry.ts';
import { bestGeometry, matchShapes } from '../../../web/map/match.ts';
import { renderChoropleth } from '../../../web/map/svg.ts';
import { demoView, type DemoView } from '../../../web/views/metric-panels.ts';
import { mapUrl, type MapSort, type MapSortKey, type MapState, type SortDir } from './state.ts';

/** What the viewer may choose from. */
export interface MapOptions {
  levels: MapLevel[];
  metrics: MetricDefinition[];
  grains: Grain[];
  /** Complete periods of the metric at the grain, oldest first. */
  periods: string[];
  /** Metrics with figures for the chosen level and period (others are marked "(no data)"); null: unknown. */
  withFigures?: ReadonlySet<string> | null;
}

const LEVEL_WORDS: Record<MapLevel, { one: string; many: string }> = {
  region: { one: 'region', many: 'regions' },
  icb: { one: 'ICB', many: 'ICBs' },
  sub_icb: { one: 'sub-ICB location', many: 'sub-ICB locations' },
};

const CLASS_TEXT: Record<ClassMethod, { option: string; legend: string }> = {
  quantile: {
    option: 'Quantiles (about the same number of areas in each shade)',
    legend: 'Shades are quantile classes: each holds about the same number of areas.',
  },
  equal: {
    option: 'Equal intervals (the range cut into equal steps)',
    legend: 'Shades are equal-interval classes: the range from lowest to highest cut into equal steps.',
  },
};

export function areaHref(level: MapLevel, code: string, grain: Grain): string {
  const path = `/areas/${level}/${encodeURIComponent(code)}`;
  return grain === 'month' ? path : `${path}?grain=${grain}`;
}

export interface RankedRow extends MapValue {
  /** NHS England's name of the area (`name` is its label, areaLabel: a sub-ICB location's place first). */
  officialName: string;
  /** 1 = highest value; ties share a rank (1, 2, 2, 4); null without a value. */
  rank: number | null;
  /** Index into the classing's classes; null without a value. */
  classIndex: number | null;
  onMap: boolean;
}

/** Ranks by value, highest first (standard competition ranking). */
export function rankRows(rows: readonly MapValue[]): Map<string, number> {
  const valued = rows.filter((r) => r.value !== null).sort((a, b) => b.value! - a.value!);
  const ranks = new Map<string, number>();
  valued.forEach((r, i) => {
    const prev = valued[i - 1];
    ranks.set(r.code, prev && prev.value === r.value ? ranks.get(prev.code)! : i + 1);
  });
  return ranks;
}

const collator = new Intl.Collator('en-GB', { sensitivity: 'base', numeric: true });

/** Rows in the asked order; rows without a value always last; ties by name then code. */
export function sortMapRows<
  T extends { name: string; code: string; value: number | null; rank: number | null },
>(rows: readonly T[], sort: MapSort): T[] {
  const sign = sort.dir === 'asc' ? 1 : -1;
  const byName = (a: T, b: T) => collator.compare(a.name, b.name) || collator.compare(a.code, b.code);
  return [...rows].sort((a, b) => {
    if (sort.key === 'name') return sign * byName(a, b);
    if (sort.key === 'code') return sign * collator.compare(a.code, b.code);
    const x = sort.key === 'rank' ? a.rank : a.value;
    const y = sort.key === 'rank' ? b.rank : b.value;
    if (x === null || y === null) return x === y ? byName(a, b) : x === null ? 1 : -1;
    return sign * (x - y) || byName(a, b);
  });
}

function firstDir(key: MapSortKey): SortDir {
  return key === 'value' ? 'desc' : 'asc';
}

export interface MapPageView {
  heading: string;
  levelPlural: string;
  metricName: string;
  periodText: string | null;
  summary: string;
  form: {
    levels: { value: string; text: string; selected: boolean }[];
    metrics: { value: string; text: string; selected: boolean }[];
    grains: { value: string; text: string; checked: boolean }[];
    periods: { value: string; text: string; selected: boolean }[];
    classes: { value: string; text: string; checked: boolean }[];
    /** "Zoom to": all of England, then each region. */
    regions: { value: string; text: string; selected: boolean }[];
    /** Anonymous viewers: what signing in adds. */
    signInNote: boolean;
  };
  svg: string | null;
  /** Zoomed to a region: its name, and the link back to all of England. */
  zoom: { code: string; name: string; englandHref: string } | null;
  /** Dense places drawn larger beside the England map (hidden from screen readers), with a zoom link each. */
  insets: { id: string; title: string; svg: string; zoomHref: string; zoomText: string }[];
  /** The metric's entry in the data dictionary ("What is this figure?"). */
  dictionaryHref: string;
  legend: {
    caption: string;
    methodText: string;
    items: { shade: number; text: string; countText: string }[];
    noData: { countText: string } | null;
    /** England's figure for the metric and period, rounded as everywhere (src/domain/rounding.ts). */
    england: { text: string; shade: number | null } | null;
  } | null;
  table: {
    caption: string;
    valueHeading: string;
    columns: { key: MapSortKey; text: string; numeric: boolean; href: string; ariaSort: string | null }[];
    rows: {
      name: string;
      code: string;
      href: string;
      valueText: string;
      rankText: string;
      classText: string;
      onMap: boolean;
      approximate: boolean;
    }[];
  };
  csvHref: string;
  notes: {
    noBoundary: { name: string; code: string }[];
    /** Areas drawn with an approximate boundary (older areas' shapes), and how. */
    approximate: { name: string; code: string; text: string }[];
    noArea: { name: string; code: string }[];
    boundarySource: string | null;
    hasMissing: boolean;
    rate: boolean;
    noFigures: boolean;
  };
  demo: DemoView | null;
  /** Rows for the CSV, in the table's order. */
  csv: { header: string[]; rows: (string | number | null)[][] };
}

function classLabel(c: { lower: number; upper: number }, unit: string): string {
  const lo = formatValue(c.lower, unit);
  const hi = formatValue(c.upper, unit);
  return lo === hi ? lo : `${lo} to ${hi}`;
}

function areasText(n: number, level: MapLevel): string {
  return `${formatNumber(n)} ${n === 1 ? LEVEL_WORDS[level].one : LEVEL_WORDS[level].many}`;
}

function joinNames(names: string[]): string {
  if (names.length <= 1) return names.join('');
  if (names.length > 3) return `${names.slice(0, 3).join(', ')} and ${names.length - 3} more`;
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/** The one-sentence summary of the map. */
export function mapSummary(
  state: Pick<MapState, 'level' | 'metric' | 'grain' | 'periodStart'>,
  rows: readonly { name: string; value: number | null }[],
  place: string | null = null,
): string {
  const metric = lowerFirst(state.metric.name);
  const many = LEVEL_WORDS[state.level].many;
  if (!state.periodStart)
    return `There are no complete periods of figures yet, so the map shows no ${metric}.`;
  const when = formatPeriodInSentence(state.grain, state.periodStart);
  const valued = rows.filter((r) => r.value !== null) as { name: string; value: number }[];
  if (valued.length === 0)
    return `There are no figures for ${metric} for ${many}${place ? ` in ${place}` : ''} in ${when}.`;
  const unit = state.metric.unit;
  const text = (v: number) => formatValue(v, unit);
  const max = Math.max(...valued.map((r) => r.value));
  const min = Math.min(...valued.map((r) => r.value));
  const top = valued.filter((r) => r.value === max).map((r) => r.name);
  const bottom = valued.filter((r) => r.value === min).map((r) => r.name);
  const among = `of the ${areasText(valued.length, state.level)}${place ? ` in ${place}` : ''} with a figure`;
  if (valued.length === 1) return `In ${when}, ${valued[0]!.name} had ${metric}: ${text(max)}.`;
  if (max === min) {
    return `In ${when}, every one ${among} had the same ${metric}: ${text(max)}.`;
  }
  const had = (names: string[]) => (names.length === 1 ? 'had' : 'shared');
  return (
    `In ${when}, ${joinNames(top)} ${had(top)} the highest ${metric} (${text(max)}) and ` +
    `${joinNames(bottom)} ${had(bottom)} the lowest (${text(min)}), ${among}.`
  );
}

export interface MapViewInput {
  state: MapState;
  options: MapOptions;
  values: MapValues | null;
  /** The boundary files that can draw the level (today's first); zoomed to the region if one is chosen. */
  geometries: MapGeometry[];
  /** Insets of the England map, for each boundary file (those of the file drawn are shown). */
  insets?: InsetGeometry[];
  /** England's figure (getEnglandMapValue), for the key. */
  england?: { value: number | null } | null;
  status: DataStatus;
  signedIn: boolean;
}

export function buildMapView(input: MapViewInput): MapPageView {
  const { state, options, values, status } = input;
  const { level, metric, grain, periodStart } = state;
  const unit = metric.unit;
  const levelPlural = LEVEL_LABELS[level].plural;
  const periodText = periodStart ? formatPeriod(grain, periodStart) : null;
  // Areas are named by their label everywhere on the page (areaLabel); the CSV keeps both names.
  const allRows = (values?.rows ?? []).map((r) => ({ ...r, name: areaLabel(r), officialName: r.name }));
  // The regions to zoom to, from the areas' own regions (at the region level, the regions themselves).
  const regionNames = new Map<string, string>();
  for (const r of allRows) if (r.regionCode) regionNames.set(r.regionCode, r.regionName ?? r.regionCode);
  const zoomCode = state.region && regionNames.has(state.region) ? state.region : null;
  const zoomName = zoomCode ? regionNames.get(zoomCode)! : null;
  const urlState = {
    level,
    metricId: metric.id,
    grain,
    periodStart,
    classes: state.classes,
    region: zoomCode,
  };
  const rate = isPatientRate(metric);

  // Shades and ranks are England's, so a zoomed map reads the same as the England map.
  const ranks = rankRows(allRows);
  const classing: Classing = classify(
    allRows.filter((r) => r.value !== null).map((r) => r.value!),
    state.classes,
  );
  const baseRows = zoomCode ? allRows.filter((r) => r.regionCode === zoomCode) : allRows;
  const best = bestGeometry(baseRows, input.geometries);
  const approximate = new Map(
    (best?.match.matched ?? [])
      .filter((m) => m.shape.approximation)
      .map((m) => [m.area.code, m.shape.approximation!]),
  );
  const onMap = new Set(best?.match.matched.map((m) => m.area.code) ?? []);
  const rows: RankedRow[] = baseRows.map((r) => ({
    ...r,
    rank: ranks.get(r.code) ?? null,
    classIndex: r.value === null ? null : classing.classOf(r.value),
    onMap: onMap.has(r.code),
  }));
  const byCode = new Map(rows.map((r) => [r.code, r]));
  const valueText = (r: { value: number | null; suppressed?: true }) =>
    r.suppressed ? SUPPRESSED_TEXT : r.value === null ? 'No data' : formatValue(r.value, unit);
  const suffix = unitSuffix(unit);
  const summary = mapSummary(state, rows, zoomName);
  const where = zoomName ? ` in ${zoomName}` : '';
  const title = `${metric.name} by ${LEVEL_WORDS[level].one}${where}${periodText ? `, ${periodText}` : ''}`;
  const shapeLabel = (row: RankedRow) =>
    (row.suppressed
      ? `${row.name}: fewer than 8 (not shown in open data)`
      : row.value === null
        ? `${row.name}: no data`
        : `${row.name}: ${formatValue(row.value, unit)}${suffix}`) +
    (approximate.has(row.code) ? ' (approximate boundary)' : '');
  const shadeOf = (row: RankedRow) =>
    row.classIndex === null ? null : classing.classes[row.classIndex]!.shade;

  // Insets (England view only): the same areas and shades, drawn larger; each links to its region's zoom.
  const insets: MapPageView['insets'] = [];
  const boxes: { x: number; y: number; width: number; height: number }[] = [];
  if (best && values && !zoomCode) {
    for (const inset of input.insets ?? []) {
      if (inset.geometry.structure !== best.geometry.structure) continue;
      const match = matchShapes(rows, inset.geometry.shapes);
      if (match.matched.length === 0) continue;
      boxes.push(inset.box);
      const regionName = regionNames.get(inset.inset.region);
      insets.push({
        id: inset.inset.id,
        title: inset.inset.title,
        svg: renderChoropleth({
          id: `map-inset-${inset.inset.id}`,
          title: `${inset.inset.title} (inset)`,
          desc: '',
          width: inset.geometry.width,
          height: inset.geometry.height,
          hidden: true,
          areas: match.matched.map(({ area, shape }) => ({
            code: area.code,
            d: shape.d,
            href: areaHref(level, area.code, grain),
            label: shapeLabel(area),
            shade: shadeOf(area),
            approximate: approximate.has(area.code),
          })),
        }),
        zoomHref: mapUrl('/map', { ...urlState, region: inset.inset.region }, '#map-heading'),
        zoomText: regionName
          ? `Zoom to ${regionName}${regionName === inset.inset.title ? '' : ` (${inset.inset.title})`}`
          : `Zoom to ${inset.inset.title}`,
      });
    }
  }

  let svg: string | null = null;
  if (best && values) {
    svg = renderChoropleth({
      id: 'map',
      title: `Map of ${title}`,
      desc: summary,
      width: best.geometry.width,
      height: best.geometry.height,
      areas: best.match.matched.map(({ area, shape }) => {
        const row = byCode.get(area.code)!;
        return {
          code: area.code,
          d: shape.d,
          href: areaHref(level, area.code, grain),
          label: shapeLabel(row),
          shade: shadeOf(row),
          approximate: approximate.has(area.code),
        };
      }),
      unmatched: best.match.noArea.map((s) => ({ d: s.d })),
      boxes,
    });
  }

  const noDataCount = rows.filter((r) => r.value === null).length;
  const legend =
    values && (classing.classes.length > 0 || noDataCount > 0)
      ? {
          caption: metric.name,
          methodText: zoomCode
            ? `${CLASS_TEXT[state.classes].legend} The shades are those of the map of all ${areasText(allRows.length, level)} in England; the counts are of ${zoomName}’s.`
            : CLASS_TEXT[state.classes].legend,
          items: classing.classes.map((c, i) => ({
            shade: c.shade,
            text: classLabel(c, unit),
            countText: areasText(rows.filter((r) => r.classIndex === i).length, level),
          })),
          noData: noDataCount > 0 ? { countText: areasText(noDataCount, level) } : null,
          england: englandLegend(input.england ?? null, unit, classing),
        }
      : null;

  const sorted = sortMapRows(rows, state.sort);
  const valueHeading = metric.short_name;
  const columnDefs: { key: MapSortKey; text: string; numeric: boolean }[] = [
    { key: 'name', text: 'Area', numeric: false },
    { key: 'code', text: 'ODS code', numeric: false },
    { key: 'value', text: valueHeading, numeric: true },
    { key: 'rank', text: zoomCode ? 'Rank in England (1 = highest)' : 'Rank (1 = highest)', numeric: true },
  ];
  const columns = columnDefs.map((c) => {
    const current = c.key === state.sort.key;
    const dir: SortDir = current ? (state.sort.dir === 'asc' ? 'desc' : 'asc') : firstDir(c.key);
    return {
      ...c,
      href: mapUrl('/map', { ...urlState, sort: { key: c.key, dir } }, '#map-table'),
      ariaSort: current ? (state.sort.dir === 'asc' ? 'ascending' : 'descending') : null,
    };
  });
  const classText = (r: RankedRow) =>
    r.classIndex === null ? 'No data' : classLabel(classing.classes[r.classIndex]!, unit);

  const header: string[] = [...AREA_CSV_COLUMNS, 'metric_id', 'grain', 'period_start', 'value'];
  if (rate) header.push('numerator', 'denominator', 'coverage');
  header.push('rank', 'shade_class', 'on_map');
  const csvRows = sorted.map((r) => {
    const line: (string | number | null)[] = [
      ...areaCsvCells({
        code: r.code,
        name: r.officialName,
        placeName: r.placeName,
        level,
        onsCode: r.onsCode,
      }),
      metric.id,
      grain,
      periodStart,
      // Rounded at the edge (docs/adr/0022), as every other CSV; "*" for a suppressed count.
      r.suppressed ? SUPPRESSED_TEXT : roundFigure(r.value, unit),
    ];
    if (rate)
      line.push(
        roundCount(r.numerator ?? null),
        roundCount(r.denominator ?? null),
        roundCoverage(r.coverage ?? null),
      );
    line.push(r.rank, classText(r), r.onMap ? 'yes' : 'no');
    return line;
  });

  const hideWeeks = !options.grains.includes('week');
  return {
    heading: 'Map',
    levelPlural,
    metricName: metric.name,
    periodText,
    summary,
    form: {
      levels: options.levels.map((l) => ({ value: l, text: LEVEL_LABELS[l].plural, selected: l === level })),
      metrics: options.metrics.map((m) => ({
        value: m.id,
        text: pickerLabel(
          m.grains.includes('week') ? m.name : `${m.name} (monthly only)`,
          m.id,
          options.withFigures ?? null,
        ),
        selected: m.id === metric.id,
      })),
      grains: hideWeeks
        ? []
        : options.grains.map((g) => ({
            value: g,
            text: g === 'month' ? 'Month' : 'Week',
            checked: g === grain,
          })),
      periods: [...options.periods]
        .reverse()
        .map((p) => ({ value: p, text: formatPeriod(grain, p), selected: p === periodStart })),
      classes: (['quantile', 'equal'] as const).map((c) => ({
        value: c,
        text: CLASS_TEXT[c].option,
        checked: c === state.classes,
      })),
      regions: [
        { value: '', text: 'All of England', selected: zoomCode === null },
        ...[...regionNames]
          .sort((a, b) => collator.compare(a[1], b[1]))
          .map(([code, name]) => ({ value: code, text: name, selected: code === zoomCode })),
      ],
      signInNote: !input.signedIn,
    },
    svg,
    zoom:
      zoomCode && zoomName
        ? { code: zoomCode, name: zoomName, englandHref: mapUrl('/map', { ...urlState, region: null }) }
        : null,
    insets,
    dictionaryHref: `/dictionary/${encodeURIComponent(metric.id)}`,
    legend,
    table: {
      caption: `${metric.name} by ${LEVEL_WORDS[level].one}${where}${periodText ? `: ${periodText}` : ''}`,
      valueHeading,
      columns,
      rows: sorted.map((r) => ({
        name: r.name,
        code: r.code,
        href: areaHref(level, r.code, grain),
        valueText: valueText(r),
        rankText: r.rank === null ? '–' : String(r.rank),
        classText: classText(r),
        onMap: r.onMap,
        approximate: approximate.has(r.code),
      })),
    },
    csvHref: mapUrl('/map.csv', { ...urlState, sort: state.sort }),
    notes: {
      noBoundary: best ? best.match.noBoundary.map((a) => ({ name: a.name, code: a.code })) : [],
      approximate: rows
        .filter((r) => approximate.has(r.code))
        .map((r) => ({ name: r.name, code: r.code, text: approximate.get(r.code)! })),
      noArea: best ? best.match.noArea.map((s) => ({ name: s.name, code: s.code })) : [],
      boundarySource: best?.geometry.source ?? null,
      hasMissing: noDataCount > 0 && (values?.hasFigures ?? false),
      rate,
      noFigures: values !== null && !values.hasFigures,
    },
    demo: demoView(status),
    csv: { header, rows: csvRows },
  };
}

/** England's figure in the key: rounded by the one rule, with the shade it would have on the map. */
function englandLegend(
  england: { value: number | null } | null,
  unit: string,
  classing: Classing,
): { text: string; shade: number | null } | null {
  if (!england || england.value === null) return null;
  const value = roundFigure(england.value, unit);
  // A rate or share compares with the areas' shades; a count (their sum) or a value outside the classes'
  // range does not, so it gets no swatch.
  const first = classing.classes[0];
  const last = classing.classes[classing.classes.length - 1];
  const comparable =
    (unit === 'per_1000' || unit === 'percent') &&
    first !== undefined &&
    england.value >= first.lower &&
    england.value <= last!.upper;
  const index = comparable ? classing.classOf(england.value) : null;
  return {
    text: `England: ${formatValue(value, unit)}${unitSuffix(unit)}`,
    shade: index === null ? null : classing.classes[index]!.shade,
  };
}

/** The CSV of what the map shows (RFC 4180, CRLF line ends). */
export function mapCsv(view: Pick<MapPageView, 'csv'>): string {
  return [view.csv.header, ...view.csv.rows].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
