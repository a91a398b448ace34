/**
 * The data dictionary: every metric of the catalogue (metrics/*.yaml) grouped by theme, and one page per
 * metric with its definition, calculation, unit, geography, grains, caveats, source, polarity, disclosure,
 * open-data status, legacy identifiers, its name in the original NHS App Dashboard and related metrics.
 * Built from the catalogue only (no figures), so it is public. Pure.
 */
import { AREA_LEVELS, LEVEL_LABELS } from '../../../domain/areas.ts';
import { isOpenMetric, OPEN_DATA_GRAINS, OPEN_DATA_LEVELS } from '../../../domain/access.ts';
import {
  comparisonOf,
  isPatientRate,
  isStoredRatio,
  type MetricDefinition,
} from '../../../domain/metric-definition.ts';
import { ROUNDING_RULE } from '../../../domain/rounding.ts';
import { isKind } from '../../../domain/metric-kind.ts';

export const THEME_LABELS: Record<MetricDefinition['theme'], string> = {
  uptake: 'Uptake and registrations',
  logins: 'Logins and users',
  appointments: 'Appointments',
  prescriptions: 'Prescriptions',
  records: 'Health records',
  services: 'Other services in the App',
  organ_donation: 'Organ donation',
  partners: 'Integrated partner services',
  population: 'Population and GP online services',
};

/** Themes in the order the dictionary lists them. */
export const THEME_ORDER = Object.keys(THEME_LABELS) as MetricDefinition['theme'][];

export const SOURCE_LABELS: Record<MetricDefinition['source'], { name: string; detail: string }> = {
  events: {
    name: 'NHS App activity events',
    detail:
      'Pseudonymised NHS App activity events loaded into this service and counted exactly (not publicly available).',
  },
  practice_snapshot: {
    name: 'NHS App daily practice snapshot',
    detail:
      'The NHS’s daily per-practice NHS App counts (nhs_app_table_snapshot files), loaded as delivered (not publicly available).',
  },
  integrated_partners: {
    name: 'NHS App integrated partner jump-offs',
    detail:
      'The NHS’s weekly counts of clicks from the App to integrated partner services, per practice (not publicly available).',
  },
  downloads: {
    name: 'NHS App downloads',
    detail: 'Apple App Store and Google Play download counts delivered to the NHS (England only).',
  },
  pomi: {
    name: 'Patient Online Management Information (POMI)',
    detail:
      'NHS England’s monthly GP online services statistics per practice, published under the Open Government Licence v3.0.',
  },
  list_sizes: {
    name: 'Patients Registered at a GP Practice',
    detail:
      'NHS England’s published list sizes (single year of age for PCNs and above, 5-year bands for practices), Open Government Licence v3.0.',
  },
  mi_publication: {
    name: 'NHS App Management Information',
    detail: 'NHS England’s monthly official statistics publication, Open Government Licence v3.0.',
  },
};

export const UNIT_LABELS: Record<MetricDefinition['unit'], string> = {
  events: 'Number of events',
  users: 'Number of people',
  patients: 'Number of patients',
  downloads: 'Number of downloads',
  percent: 'Percentage',
  per_1000: 'Rate per 1,000 GP registered patients aged 13 and over',
  practices: 'Number of GP practices',
};

const AGGREGATION_LABELS: Record<MetricDefinition['aggregation'], string> = {
  event_count:
    'A count of events: it adds up across areas (England is the sum of every practice plus Unknown) and across periods.',
  unique_users:
    'A count of people: each person counts once per period, at one practice, so areas add up to England but periods must not be added together.',
  cumulative: 'A running total from the first day of loaded data to the end of each period.',
  snapshot: 'A position at the end of the period (not a flow): do not add periods together.',
  ratio: 'A rate: a numerator divided by a denominator, over the practices that have both.',
};

const STORED_RATIO_LABEL =
  'A percentage of two figures of the same area: computed from the area’s totals, so it does not add up across areas or periods.';

/** How a metric's figures get a confidence interval and a verdict (docs/adr/0022), from comparisonOf. */
export const COMPARISON_LABELS: Record<ReturnType<typeof comparisonOf>, string> = {
  'rate-per-1000':
    'Byar’s method: 95% and 99.8% confidence intervals of the count, divided by the patients aged 13+ and multiplied by 1,000; the verdict compares the 95% interval with England’s (or the parent area’s) value.',
  proportion:
    'Wilson’s score method: 95% and 99.8% confidence intervals of the percentage; the verdict compares the 95% interval with England’s (or the parent area’s) value.',
  none: 'Not compared: no confidence interval can be computed for it (a count, or a ratio whose parts are not patients aged 13+). Area pages compare a count as its rate per 1,000 patients aged 13+.',
};

const POLARITY_LABELS: Record<MetricDefinition['polarity'], string> = {
  higher_is_better: 'Higher is better',
  lower_is_better: 'Lower is better',
  neutral: 'Neither higher nor lower is better',
};

const DISCLOSURE_LABELS: Record<MetricDefinition['disclosure'], string> = {
  none: 'None: figures are shown as computed.',
  suppress_small_counts:
    'Small counts are suppressed in open-data publications below national level where configured (1 to 7 shown as *, others rounded to the nearest 5).',
};

export interface DictionaryEntryView {
  id: string;
  name: string;
  href: string;
  description: string;
}

export interface DictionaryThemeView {
  id: string;
  heading: string;
  metrics: DictionaryEntryView[];
}

export interface DictionaryView {
  count: number;
  /** How figures are rounded where they are shown or sent (src/domain/rounding.ts). */
  roundingRule: readonly string[];
  themes: DictionaryThemeView[];
  /** The contents list: one link per theme. */
  contents: { text: string; href: string }[];
}

export function dictionaryHref(metricId: string): string {
  return `/dictionary/${encodeURIComponent(metricId)}`;
}

export function buildDictionaryView(catalogue: readonly MetricDefinition[]): DictionaryView {
  const themes: DictionaryThemeView[] = [];
  for (const theme of THEME_ORDER) {
    const metrics = catalogue
      .filter((m) => m.theme === theme)
      .sort((a, b) => a.display_order - b.display_order || a.id.localeCompare(b.id))
      .map((m) => ({ id: m.id, name: m.name, href: dictionaryHref(m.id), description: m.description }));
    if (metrics.length > 0) themes.push({ id: `theme-${theme}`, heading: THEME_LABELS[theme], metrics });
  }
  return {
    count: catalogue.length,
    roundingRule: ROUNDING_RULE,
    themes,
    contents: themes.map((t) => ({ text: t.heading, href: `#${t.id}` })),
  };
}

export interface RelatedMetricView {
  text: string;
  href: string;
  relation: string;
}

export interface DictionaryMetricView {
  id: string;
  name: string;
  shortName: string;
  themeLabel: string;
  description: string;
  calculation: string;
  caveats: string[];
  /** Summary-list rows: key, value text. */
  facts: { key: string; value: string }[];
  related: RelatedMetricView[];
  /** A note when area pages compare the metric as a per-1,000 rate derived from it. */
  derivedRateNote: string | null;
  /** Link to the data table with this metric selected. */
  dataHref: string;
  backHref: string;
}

function levelsFrom(lowest: MetricDefinition['lowest_geography']): string {
  const levels = AREA_LEVELS.slice(0, AREA_LEVELS.indexOf(lowest) + 1);
  return levels.map((l) => LEVEL_LABELS[l].plural).join(', ');
}

function grainsText(m: MetricDefinition): string {
  const words = m.grains.map((g) =>
    g === 'week' ? 'Weekly (Monday to Sunday)' : 'Monthly (calendar months)',
  );
  const text = words.join('; ');
  return m.window === 'rolling_12_months' ? `${text}, each over the 12 months ending with the month` : text;
}

/** Whether the metric's figures are open data, and why (the rule is src/domain/access.ts). */
function openDataText(m: MetricDefinition, catalogue: readonly MetricDefinition[]): string {
  if (!isOpenMetric(m, catalogue)) {
    return 'No: its figures need sign-in with an NHS email address.';
  }
  const levels = OPEN_DATA_LEVELS.map((l) => LEVEL_LABELS[l].plural).join(', ');
  const grains = OPEN_DATA_GRAINS.map((g) => (g === 'month' ? 'monthly' : 'weekly')).join(' and ');
  const why = m.mi_publication
    ? 'part of the NHS App Management Information publication'
    : m.source === 'list_sizes'
      ? 'GP list sizes are open data published by NHS England'
      : isKind(m, 'running_total')
        ? 'a running total of open figures'
        : 'a rate of open figures per GP registered patients, which are open data too';
  return `Yes: ${why}. Its ${grains} figures for ${levels} are open to everyone; other levels and weekly figures need sign-in.`;
}

/**
 * What disclosure control does to the metric's figures. A rate of a count over patients aged 13+ is worked
 * out from the disclosed count where that count is disclosed (ADR 0061), whatever its own setting says.
 */
function disclosureText(m: MetricDefinition, catalogue: readonly MetricDefinition[]): string {
  const count = isPatientRate(m) ? catalogue.find((c) => c.id === m.numerator) : undefined;
  if (count?.disclosure === 'suppress_small_counts')
    return `Worked out from the disclosed count (${count.short_name}) in open-data figures below national level where disclosure control is configured, so that the exact count cannot be found from the rate and the list size.`;
  return DISCLOSURE_LABELS[m.disclosure];
}

/** Metrics that refer to this one, and the ones it is built from. */
export function relatedMetrics(
  metric: MetricDefinition,
  catalogue: readonly MetricDefinition[],
): RelatedMetricView[] {
  const byId = new Map(catalogue.map((m) => [m.id, m]));
  const out: RelatedMetricView[] = [];
  const add = (m: MetricDefinition | undefined, relation: string) => {
    if (m && m.id !== metric.id && !out.some((r) => r.href === dictionaryHref(m.id)))
      out.push({ text: m.name, href: dictionaryHref(m.id), relation });
  };
  if (metric.of) add(byId.get(metric.of), 'Running total of');
  if (metric.numerator) add(byId.get(metric.numerator), 'Numerator');
  if (metric.denominator) add(byId.get(metric.denominator), 'Denominator');
  for (const m of catalogue) {
    if (m.of === metric.id) add(m, 'Running total');
    if (m.numerator === metric.id) add(m, m.unit === 'per_1000' ? 'Rate per 1,000' : 'Rate');
    if (m.denominator === metric.id) add(m, 'Used as the denominator of');
  }
  return out;
}

export function buildDictionaryMetricView(
  metric: MetricDefinition,
  catalogue: readonly MetricDefinition[],
): DictionaryMetricView {
  const source = SOURCE_LABELS[metric.source];
  const facts: DictionaryMetricView['facts'] = [
    { key: 'Metric ID', value: metric.id },
    { key: 'Unit', value: UNIT_LABELS[metric.unit] },
    {
      key: 'How it adds up',
      value: isStoredRatio(metric) ? STORED_RATIO_LABEL : AGGREGATION_LABELS[metric.aggregation],
    },
    {
      key: 'Lowest geography',
      value: `${LEVEL_LABELS[metric.lowest_geography].singular} (figures for ${levelsFrom(metric.lowest_geography)})`,
    },
    { key: 'Periods', value: grainsText(metric) },
    { key: 'Source', value: `${source.name}. ${source.detail}` },
    { key: 'Polarity', value: POLARITY_LABELS[metric.polarity] },
    { key: 'Compared with England by', value: COMPARISON_LABELS[comparisonOf(metric)] },
    { key: 'Disclosure control', value: disclosureText(metric, catalogue) },
    { key: 'In the official MI publication', value: metric.mi_publication ? 'Yes' : 'No' },
    { key: 'Open data (no sign-in)', value: openDataText(metric, catalogue) },
  ];
  if (metric.multiplier !== undefined && isKind(metric, 'patient_rate', 'ratio')) {
    facts.splice(2, 0, {
      key: 'Multiplier',
      value:
        metric.multiplier === 1000
          ? 'Per 1,000'
          : metric.multiplier === 100
            ? 'Per 100 (a percentage)'
            : String(metric.multiplier),
    });
  }
  facts.push({
    key: 'Name in the original NHS App Dashboard',
    value: metric.original_dictionary_name ?? 'Not in the original dashboard’s data dictionary',
  });
  facts.push({
    key: 'Earlier identifiers',
    value: metric.legacy_ids.length > 0 ? metric.legacy_ids.join(', ') : 'None',
  });
  const hasRate = catalogue.some((m) => m.numerator === metric.id && m.unit === 'per_1000');
  const derivedRateNote =
    !hasRate &&
    (metric.unit === 'events' || metric.unit === 'users') &&
    metric.source === 'events' &&
    metric.lowest_geography === 'practice'
      ? 'Area pages compare this count between areas as a rate per 1,000 GP registered patients aged 13 and over, derived from it the same way as the catalogue’s rates (only practices with a 13+ list size count, and the coverage is shown).'
      : null;
  return {
    id: metric.id,
    name: metric.name,
    shortName: metric.short_name,
    themeLabel: THEME_LABELS[metric.theme],
    description: metric.description,
    calculation: metric.calculation,
    caveats: metric.caveats,
    facts,
    related: relatedMetrics(metric, catalogue),
    derivedRateNote,
    dataHref: `/data?metric=${encodeURIComponent(metric.id)}&grain=${metric.grains.includes('month') ? 'month' : 'week'}`,
    backHref: `/dictionary#theme-${metric.theme}`,
  };
}
