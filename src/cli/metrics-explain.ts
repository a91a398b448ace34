/**
 * `metrics explain ID` (issue 9 item 4): a metric's path from its YAML to its stored cells to the pages and
 * API routes that show it. Every answer is taken from the code that decides it — the build's own tests
 * (src/metrics/metric-origin.ts), the domain rules (comparison, no data, rounding, disclosure, open data) and
 * the placements in the YAML (shown_on, src/domain/placements.ts) and the availability checks the pages and
 * routes use — so it cannot drift from them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig, REPO_ROOT, type AppConfig } from '../config.ts';
import { openForReading, warehouseFile } from '../app/bootstrap.ts';
import { ANONYMOUS_VIEWER, isOpenMetric, OPEN_DATA_GRAINS, OPEN_DATA_LEVELS } from '../domain/access.ts';
import { AREA_LEVELS, childLevel, ENGLAND_CODE, type AreaLevel } from '../domain/areas.ts';
import { ROUND_TO, SUPPRESS_BELOW } from '../domain/disclosure.ts';
import { FigureAccess } from '../domain/figure-access.ts';
import {
  comparisonOf,
  GRAINS,
  isPatientRate,
  isStoredRatio,
  type MetricDefinition,
} from '../domain/metric-definition.ts';
import { MI_MEASURES } from '../domain/mi-measures.ts';
import type { Query } from '../warehouse/query.ts';
import { placementsOf, type Placement } from '../domain/placements.ts';
import { absentMeansZero, NO_DATA_TEXT } from '../domain/no-data.ts';
import { DECIMALS_BY_UNIT } from '../domain/rounding.ts';
import { availableAt } from '../http/api/common.ts';
import { rankable } from '../http/pages/ranking/route.ts';
import { loadCatalogue, METRICS_DIR } from '../metrics/catalogue.ts';
import { closeMatches, definitionLine, metricOrigin, type MetricOrigin } from '../metrics/metric-origin.ts';
import { comparisonMetric } from '../domain/page-rates.ts';
import { getCellCounts, type CellCount } from '../query/cell-counts.ts';
import { metricAvailability } from '../query/data-table.ts';
import { MAP_LEVELS, metricAvailableAt } from '../query/map-values.ts';
import { resolvePeerMetric } from '../query/peers.ts';
import { levelsBelow } from '../query/ranking.ts';
import { COMPARISON_LABELS, THEME_LABELS } from '../http/pages/dictionary/view.ts';
import { UsageError } from './args.ts';
import { metricKind, missingFigure, rollUp, type KindName } from '../domain/metric-kind.ts';

type Values = Record<string, string | boolean | undefined>;

/** A page or API route that shows the metric: the route as registered, an example URL, and why. */
export interface Showing {
  route: string;
  url: string;
  what: string;
}

/** A query object and the line that defines it. */
export interface QueryAt {
  /** Its name, `<module>.<export>` (src/warehouse/sql/<module>.ts). */
  name: string;
  file: string;
  line: number;
}

/** Where a query object is defined: the `export const` line in its module under src/warehouse/sql. */
export function queryLocation(q: Query): QueryAt {
  const [module, id] = q.name.split('.') as [string, string];
  const file = `src/warehouse/sql/${module}.ts`;
  const lines = fs.readFileSync(path.join(REPO_ROOT, file), 'utf8').split('\n');
  const line = lines.findIndex((l) => l.startsWith(`export const ${id} = query`)) + 1;
  return { name: q.name, file, line };
}

export interface Explanation {
  id: string;
  name: string;
  definedAt: { file: string; line: number } | null;
  kind: {
    /** The metric model's kind (src/domain/metric-kind.ts) and what it decides. */
    model: KindName;
    rollUp: string;
    missing: string;
    aggregation: string;
    source: string;
    unit: string;
    grains: string[];
    lowestLevel: string;
  };
  /** Each step's query and where it is written (file and line of its definition). */
  origin: MetricOrigin & { queries: QueryAt[] };
  /** Stored cells per structure, grain and level, when a warehouse was read; null otherwise. */
  cells: CellCount[] | null;
  cellsNote: string;
  rules: Record<
    'rate' | 'denominator' | 'comparison' | 'polarity' | 'noData' | 'rounding' | 'disclosure' | 'openData',
    string
  >;
  pages: Showing[];
  api: Showing[];
}

const rel = (file: string) => path.relative(REPO_ROOT, file);
const levelsWhere = (test: (l: AreaLevel) => boolean, levels: readonly AreaLevel[] = AREA_LEVELS) =>
  levels.filter(test);
const list = (xs: readonly string[]) => xs.join(', ');

/** Where the metric's YAML places it (shown_on), as "shown_on PLACEMENT: POSITION or SLOT", or null. */
function placed(m: MetricDefinition, placement: Placement): string | null {
  const p = placementsOf(m).find((x) => x.placement === placement);
  return p ? `shown_on ${placement}: ${p.position ?? p.slot}` : null;
}

/** The pages that show a metric, from the placements in its YAML and the checks the pages themselves use. */
export function pagesShowing(m: MetricDefinition, catalogue: readonly MetricDefinition[]): Showing[] {
  const out: Showing[] = [];
  const id = m.id;
  const headline = placed(m, 'national_summary_headline');
  const areaLevels = levelsWhere((l) => l !== 'england' && availableAt(m, l));
  if (headline) {
    out.push({
      route: 'GET /',
      url: m.grains.includes('month') ? '/' : '/?grain=week',
      what: `National summary: a headline tile and chart (${headline})`,
    });
    if (areaLevels.length > 0)
      out.push({
        route: 'GET /areas/:level/:code',
        url: `/areas/${areaLevels[0]}/CODE`,
        what: `area pages (${list(areaLevels)}): a headline tile and chart, the same list`,
      });
    out.push({
      route: 'GET /areas/:level/:code/chart.csv',
      url: `/areas/england/${ENGLAND_CODE}/chart.csv?metric=${id}`,
      what: 'the CSV of that chart (England and area pages)',
    });
  }
  const column = placementsOf(m).find((x) => x.placement === 'area_children_column')?.slot;
  if (column) {
    const what = `children table, column "${column}" (${placed(m, 'area_children_column')})`;
    out.push({ route: 'GET /', url: '/', what: `National summary: the ${what}` });
    out.push({
      route: 'GET /areas/:level/:code',
      url: '/areas/region/CODE',
      what: `area pages: the ${what}`,
    });
  }
  const practiceRank = placed(m, 'practice_rank');
  if (practiceRank) {
    out.push({
      route: 'GET /areas/:level/:code',
      url: '/areas/practice/CODE',
      what: `practice pages: the practice’s rank in its PCN, sub-ICB and ICB (${practiceRank})`,
    });
  }
  const organDonation = placed(m, 'organ_donation');
  if (organDonation)
    out.push({
      route: 'GET /areas/:level/:code/organ-donation',
      url: `/areas/england/${ENGLAND_CODE}/organ-donation`,
      what: `organ donation page (England and area pages): one of the actions (${organDonation})`,
    });
  const supplierRate = placed(m, 'supplier_rate');
  if (supplierRate)
    out.push({
      route: 'GET /areas/:level/:code/suppliers',
      url: `/areas/england/${ENGLAND_CODE}/suppliers`,
      what: `GP system suppliers page (England and area pages): a rate by supplier (${supplierRate})`,
    });
  const mapLevels = levelsWhere((l) => metricAvailableAt(m, l), MAP_LEVELS);
  if (mapLevels.length > 0) {
    const mapDefault = placed(m, 'map_default');
    const first = mapDefault ? `; one of the defaults (${mapDefault})` : '';
    out.push({
      route: 'GET /map',
      url: `/map?metric=${id}&level=${mapLevels[0]}`,
      what: `map, chosen in its form, at ${list(mapLevels)}${first}`,
    });
    out.push({ route: 'GET /map.csv', url: `/map.csv?metric=${id}&level=${mapLevels[0]}`, what: 'its CSV' });
  }
  const rankLevels = levelsWhere(
    (l) => m.grains.some((g) => rankable(catalogue, m, l, g)),
    levelsBelow('england'),
  );
  if (rankLevels.length > 0) {
    const link = placed(m, 'ranking_link');
    const first = link ? `; offered first, and linked from area pages (${link})` : '';
    out.push({
      route: 'GET /rank',
      url: `/rank?metric=${id}&level=${rankLevels[0]}`,
      what: `ranking, chosen in its form, of ${list(rankLevels)}${first}`,
    });
  }
  const dataLevels = levelsWhere((l) => GRAINS.some((g) => metricAvailability(m, l, g) === null));
  if (dataLevels.length > 0) {
    const dataDefault = placed(m, 'data_table_default');
    const first = dataDefault ? `; the default (${dataDefault})` : '';
    out.push({
      route: 'GET /data',
      url: `/data?metric=${id}&level=${dataLevels[0]}`,
      what: `data table, chosen in its form, at ${list(dataLevels)}${first}`,
    });
    out.push({
      route: 'GET /data.csv',
      url: `/data.csv?metric=${id}&level=${dataLevels[0]}`,
      what: 'its CSV',
    });
  }
  if (MI_MEASURES.some((x) => x.measure === id)) {
    out.push({
      route: 'GET /official',
      url: `/official?measure=${id}`,
      what: 'official statistics beside the computed figures (MI_MEASURES, src/domain/mi-measures.ts)',
    });
  }
  out.push({
    route: 'GET /dictionary',
    url: '/dictionary',
    what: `data dictionary, under "${THEME_LABELS[m.theme]}" (its theme; THEME_LABELS, src/http/pages/dictionary/view.ts)`,
  });
  out.push({ route: 'GET /dictionary/:metricId', url: `/dictionary/${id}`, what: 'its dictionary entry' });
  return out;
}

/** The API routes that answer with a metric's figures or definition. */
export function apiShowing(m: MetricDefinition, catalogue: readonly MetricDefinition[]): Showing[] {
  const id = m.id;
  const out: Showing[] = [
    { route: 'GET /api/v1/metrics', url: '/api/v1/metrics', what: 'every definition' },
    { route: 'GET /api/v1/metrics/:id', url: `/api/v1/metrics/${id}`, what: 'its definition' },
  ];
  const levels = levelsWhere((l) => availableAt(m, l));
  out.push({
    route: 'GET /api/v1/series',
    url: `/api/v1/series?metric=${id}`,
    what: `a series for one area at ${list(levels)}`,
  });
  const parents = levelsWhere((l) => {
    const c = childLevel(l);
    return c !== null && availableAt(m, c);
  });
  if (parents.length > 0)
    out.push({
      route: 'GET /api/v1/breakdown',
      url: `/api/v1/breakdown?metric=${id}`,
      what: `the children of an area at ${list(parents)}`,
    });
  const headline = placed(m, 'national_summary_headline');
  if (headline)
    out.push({ route: 'GET /api/v1/summary', url: '/api/v1/summary', what: `a headline (${headline})` });
  const organDonation = placed(m, 'organ_donation');
  if (organDonation)
    out.push({
      route: 'GET /api/v1/organ-donation',
      url: '/api/v1/organ-donation',
      what: `the organ donation actions (${organDonation})`,
    });
  const supplierRate = placed(m, 'supplier_rate');
  if (supplierRate)
    out.push({
      route: 'GET /api/v1/suppliers',
      url: '/api/v1/suppliers',
      what: `the rates by GP system supplier (${supplierRate})`,
    });
  const peerLevel = levels.find((l) => l !== 'england');
  if (resolvePeerMetric(id, [...catalogue]) && peerLevel)
    out.push({
      route: 'GET /api/v1/peers',
      url: `/api/v1/peers?metric=${id}&level=${peerLevel}&code=CODE`,
      what: 'an area among the areas of its level',
    });
  const rankLevels = levelsWhere(
    (l) => m.grains.some((g) => rankable(catalogue, m, l, g)),
    levelsBelow('england'),
  );
  if (rankLevels.length > 0)
    out.push({
      route: 'GET /api/v1/ranking',
      url: `/api/v1/ranking?metric=${id}&level=${rankLevels[0]}`,
      what: `ranked areas of ${list(rankLevels)}`,
    });
  if (MI_MEASURES.some((x) => x.measure === id)) {
    out.push({
      route: 'GET /api/v1/official',
      url: `/api/v1/official?measure=${id}&level=england`,
      what: 'the published official figures (MI_MEASURES)',
    });
    out.push({
      route: 'GET /api/v1/official/reconciliation',
      url: `/api/v1/official/reconciliation?measure=${id}&level=england`,
      what: 'official beside computed',
    });
  }
  return out;
}

/** The domain's answers for a metric: rate, comparison, no data, rounding, disclosure, open data. */
export function metricRules(
  m: MetricDefinition,
  catalogue: readonly MetricDefinition[],
): Explanation['rules'] {
  const compared = comparisonMetric(m, [...catalogue]);
  const kind = comparisonOf(m);
  const rate = isPatientRate(m)
    ? `a rate over patients aged 13+, computed when read (ADR 0006), × ${m.multiplier ?? 1}`
    : isStoredRatio(m)
      ? `a ratio of two stored figures, stored by the build (ADR 0009), × ${m.multiplier ?? 1}`
      : 'not a rate';
  // What a visitor would get at ICB level with OPEN_DATA_DISCLOSURE on (the figure reader's rule).
  const visitor = new FigureAccess(ANONYMOUS_VIEWER, { catalogue, disclosure: true });
  const byCount = visitor.discloses(m.unit, 'icb');
  const byRate = visitor.disclosesRate(m, 'icb');
  const open = isOpenMetric(m, catalogue);
  return {
    rate,
    denominator: m.denominator ?? (m.numerator ? '(none)' : 'none'),
    comparison:
      `${kind}: ${COMPARISON_LABELS[kind]}` +
      (compared && compared.metric.id !== m.id
        ? ` Compared on ${compared.metric.id}${compared.derived ? ' (derived per 1,000, not in the catalogue)' : ''}.`
        : ''),
    polarity: m.polarity,
    noData: absentMeansZero(m)
      ? 'an area with no stored figure in a loaded period had none: 0 (absentMeansZero, src/domain/no-data.ts)'
      : `an area with no stored figure was not reported: "${NO_DATA_TEXT}", null in the API, never 0 (src/domain/no-data.ts)`,
    rounding: `${DECIMALS_BY_UNIT[m.unit] ?? 1} decimal place(s) for ${m.unit} (src/domain/rounding.ts)`,
    disclosure:
      `disclosure: ${m.disclosure}; ` +
      (byCount
        ? `with OPEN_DATA_DISCLOSURE=on visitors see its counts below England suppressed (1 to ${SUPPRESS_BELOW - 1}) or rounded to ${ROUND_TO} (src/domain/disclosure.ts)`
        : byRate
          ? `with OPEN_DATA_DISCLOSURE=on visitors see it below England worked out from its disclosed count ${m.numerator} (suppressed with it), never from the exact one (ADR 0061, src/domain/disclosure.ts)`
          : `not a count, so never suppressed or rounded to ${ROUND_TO} (src/domain/disclosure.ts)`),
    openData: open
      ? `open: anyone sees it at ${list(OPEN_DATA_LEVELS)} by ${list(OPEN_DATA_GRAINS)}${m.mi_publication ? ' (MI publication)' : ''}; other levels and grains need sign-in (src/domain/access.ts)`
      : `not open: only signed-in users see it (mi_publication: ${m.mi_publication}; src/domain/access.ts isOpenMetric)`,
  };
}

/** Explains one metric; cells are counted when `readCells` is given (a warehouse to read). */
export async function explainMetric(
  id: string,
  opts: {
    catalogue?: MetricDefinition[];
    metricsDir?: string;
    readCells?: (id: string, table: 'metric_cell' | 'area_den_cell') => Promise<CellCount[]>;
    cellsNote?: string;
  } = {},
): Promise<Explanation> {
  const catalogue = opts.catalogue ?? loadCatalogue(opts.metricsDir);
  const m = catalogue.find((x) => x.id === id);
  if (!m) {
    const near = closeMatches(
      id,
      catalogue.map((x) => x.id),
    );
    throw new UsageError(
      `no metric "${id}" in the catalogue (metrics/*.yaml)` +
        (near.length > 0 ? `; did you mean: ${near.join(', ')}?` : '') +
        ' (nhs-app-analytics metrics list shows them all)',
    );
  }
  const origin = metricOrigin(m, catalogue);
  const at = definitionLine(m.id, opts.metricsDir ?? METRICS_DIR);
  const table = origin.table;
  const cells = table && opts.readCells ? await opts.readCells(m.id, table) : null;
  return {
    id: m.id,
    name: m.name,
    definedAt: at ? { file: rel(at.file), line: at.line } : null,
    kind: {
      model: metricKind(m).kind,
      rollUp: rollUp(m),
      missing: missingFigure(m),
      aggregation: m.aggregation,
      source: m.source,
      unit: m.unit,
      grains: m.grains,
      lowestLevel: m.lowest_geography,
    },
    origin: {
      ...origin,
      queries: origin.steps.flatMap((s) => (s.sql ? [queryLocation(s.sql)] : [])),
    },
    cells,
    cellsNote: table === null ? '' : (opts.cellsNote ?? ''),
    rules: metricRules(m, catalogue),
    pages: pagesShowing(m, catalogue),
    api: apiShowing(m, catalogue),
  };
}

export function formatExplanation(e: Explanation): string {
  const lines: string[] = [];
  const row = (label: string, text: string) => lines.push(`${label.padEnd(12)}${text}`);
  lines.push(`${e.id}: ${e.name}`, '');
  row('Defined', e.definedAt ? `${e.definedAt.file}:${e.definedAt.line}` : '(no id line found)');
  row(
    '',
    'validated by metricDefinitionSchema (src/domain/metric-definition.ts), loaded by src/metrics/catalogue.ts',
  );
  row(
    'Kind',
    `${e.kind.aggregation} from ${e.kind.source}, in ${e.kind.unit}, by ${e.kind.grains.join(' and ')}, down to ${e.kind.lowestLevel}`,
  );
  row(
    '',
    `model: ${e.kind.model} (src/domain/metric-kind.ts) — rolls up: ${e.kind.rollUp}; a missing figure: ${e.kind.missing}`,
  );
  row(
    'Computed',
    e.origin.table ? `${e.origin.summary} (src/metrics/build.ts buildMetrics)` : e.origin.summary,
  );
  e.origin.steps.forEach((s, i) => {
    const at = s.sql ? queryLocation(s.sql) : null;
    lines.push(`  ${i + 1}. ${at ? `${at.name} (${at.file}:${at.line})` : '(TypeScript)'}: ${s.what}`);
  });
  row(
    'Stored in',
    e.origin.table === null
      ? 'nothing: not stored'
      : `${e.origin.table}${e.origin.table === 'metric_cell' ? ' (read through the metric_value view)' : ' (read through the area_denominator view)'}` +
          (e.origin.breakdownTable ? `, and ${e.origin.breakdownTable}` : ''),
  );
  if (e.cells) {
    if (e.cells.length === 0) lines.push('  no cells stored yet');
    for (const c of e.cells)
      lines.push(
        `  ${c.structure.padEnd(12)}${c.grain.padEnd(7)}${c.level.padEnd(10)}${String(c.cells).padStart(9)} cells  ${c.first} to ${c.last}`,
      );
  }
  if (e.cellsNote) lines.push(`  ${e.cellsNote}`);
  lines.push('Rules');
  for (const [k, v] of Object.entries(e.rules)) lines.push(`  ${k.padEnd(12)}${v}`);
  const routes = (label: string, xs: Showing[]) => {
    lines.push(label);
    const w = Math.max(...xs.map((x) => x.url.length)) + 2;
    for (const x of xs) lines.push(`  ${x.url.padEnd(w)}${x.what}`);
  };
  routes('Pages', e.pages);
  routes('API', e.api);
  return lines.join('\n');
}

/** `metrics explain ID [--data-dir DIR] [--format json]`. */
export async function runMetricsExplain(
  config: AppConfig,
  positionals: string[],
  values: Values,
): Promise<number> {
  const [id, ...extra] = positionals;
  if (!id || extra.length > 0)
    throw new UsageError('usage: nhs-app-analytics metrics explain ID [--data-dir DIR]');
  if (values.format !== undefined && values.format !== 'text' && values.format !== 'json')
    throw new UsageError('--format must be text or json');
  const cfg =
    typeof values['data-dir'] === 'string'
      ? loadConfig({ ...process.env, DATA_DIR: values['data-dir'] })
      : config;
  // Count cells only where a warehouse exists: explaining a metric never creates one.
  const hasWarehouse = fs.existsSync(warehouseFile(cfg));
  let opened: Awaited<ReturnType<typeof openForReading>> | null = null;
  try {
    // The catalogue first: an unknown id is answered without opening anything.
    const catalogue = loadCatalogue();
    if (!catalogue.some((m) => m.id === id)) await explainMetric(id, { catalogue });
    if (hasWarehouse) opened = await openForReading(cfg, () => undefined);
    const db = opened?.db;
    const e = await explainMetric(id, {
      catalogue,
      ...(db ? { readCells: (metricId, table) => getCellCounts(db, metricId, table) } : {}),
      cellsNote: db
        ? `counted in ${warehouseFile(cfg)}${opened!.published ? ' (the figures the running server published)' : ''}`
        : `no warehouse at ${cfg.dataDir} (DATA_DIR or --data-dir): cells not counted`,
    });
    console.log(values.format === 'json' ? JSON.stringify(e, null, 2) : formatExplanation(e));
    return 0;
  } finally {
    opened?.db.close();
  }
}
