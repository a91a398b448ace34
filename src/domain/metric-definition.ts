import { z } from 'zod';
import { AREA_LEVELS } from './areas.ts';
import { checkPlacements, LIST_PLACEMENTS, PLACEMENTS, SLOT_PLACEMENTS } from './placements.ts';

export const EVENT_TYPES = [
  'login',
  'registration',
  'identity_uplift',
  'appointment_booked',
  'appointment_cancelled',
  'prescription_ordered',
  'record_viewed',
  'nominated_pharmacy_changed',
  'nhs111_visit',
  'health_a_z_visit',
  'data_opt_out_visit',
  'organ_donation_registered',
  'organ_donation_updated',
  'organ_donation_withdrawn',
  'organ_donation_lookup',
  'jump_off',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const GRAINS = ['week', 'month'] as const;
export type Grain = (typeof GRAINS)[number];

/** Count columns of the NHS daily practice snapshot feed (nhs_app_table_snapshot), as stored (snake_case). */
export const SNAPSHOT_COLUMNS = [
  'p5_new_app_users',
  'accepted_terms_and_conditions',
  'p9_verified_nhs_app_users',
  'logins',
  'record_views',
  'prescriptions',
  'nom_pharmacy',
  'appointments_booked',
  'appointments_cancelled',
  'od_registrations',
  'od_withdrawals',
  'od_updates',
  'od_lookups',
  'record_views_dcr',
  'record_views_scr',
] as const;

/** POMI (Patient Online Management Information) field codes a metric may read (the importer keeps these and more). */
export const POMI_FIELDS = [
  'Pat_Appts_Use',
  'Pat_Appts_Enbld',
  'Pat_Presc_Use',
  'Pat_Presc_Enbld',
  'Pat_DetCodeRec_Use',
  'Pat_DetCodeRec_Enbld',
  'Total_Pat_Enbld',
  'patient_list_size',
] as const;

export const AGGREGATIONS = ['event_count', 'unique_users', 'cumulative', 'snapshot', 'ratio'] as const;

const id = z.string().regex(/^[a-z][a-z0-9_]*$/, 'ids are snake_case: lower-case letters, digits and _');

/** A position in a list placement: 1 first; gaps allowed, so a metric can go between two without renumbering. */
const position = z.number().int().positive('positions are whole numbers from 1');
const slot = <const T extends readonly [string, ...string[]]>(values: T, placement: string) =>
  z.enum(values, { error: () => `${placement} is one of: ${values.join(', ')}` });

/** Where the pages show the metric (src/domain/placements.ts): a position per list, a slot name per slot. */
const shownOn = z.strictObject(
  {
    national_summary_headline: position.optional(),
    map_default: position.optional(),
    practice_rank: position.optional(),
    data_table_default: position.optional(),
    organ_donation: position.optional(),
    supplier_rate: position.optional(),
    ranking_link: slot(SLOT_PLACEMENTS.ranking_link.slots, 'ranking_link').optional(),
    area_children_column: slot(SLOT_PLACEMENTS.area_children_column.slots, 'area_children_column').optional(),
    partner_jump_offs: slot(SLOT_PLACEMENTS.partner_jump_offs.slots, 'partner_jump_offs').optional(),
    closed_area_activity: slot(SLOT_PLACEMENTS.closed_area_activity.slots, 'closed_area_activity').optional(),
  } satisfies Record<keyof typeof LIST_PLACEMENTS | keyof typeof SLOT_PLACEMENTS, z.ZodType>,
  {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown placement ${issue.keys.join(', ')}; the placements are ${PLACEMENTS.join(', ')}`
        : issue.code === 'invalid_type'
          ? 'shown_on maps placements to a position (lists) or a slot name, e.g. "national_summary_headline: 3"'
          : undefined,
  },
);

/** Which events a metric counts: event types plus optional equality filters on event fields. */
const eventSelector = z
  .object({
    types: z.array(z.enum(EVENT_TYPES)).min(1),
    where: z
      .object({
        identity_level: z.enum(['P0', 'P5', 'P9']).optional(),
        record_type: z.enum(['summary', 'detailed_coded']).optional(),
        channel: z.enum(['ios', 'android', 'web']).optional(),
        provider: z.string().min(1).optional(),
        service: z.string().min(1).optional(),
        p9_route: z.enum(['IDVM', 'PYI', 'POL']).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export const metricDefinitionSchema = z
  .object({
    id,
    name: z.string().min(3),
    short_name: z.string().min(2).max(40),
    description: z.string().min(10),
    calculation: z.string().min(10),
    unit: z.enum(['events', 'users', 'patients', 'downloads', 'percent', 'per_1000', 'practices']),
    aggregation: z.enum(AGGREGATIONS),
    grains: z.array(z.enum(GRAINS)).min(1),
    lowest_geography: z.enum(AREA_LEVELS),
    source: z.enum([
      'events',
      'practice_snapshot',
      'integrated_partners',
      'downloads',
      'pomi',
      'list_sizes',
      'mi_publication',
    ]),
    events: eventSelector.optional(),
    /** For metrics from the NHS's aggregated feeds: which column, field or slice of the feed. */
    feed: z
      .object({
        snapshot_column: z.enum(SNAPSHOT_COLUMNS).optional(),
        pomi_field: z.enum(POMI_FIELDS).optional(),
        device_type: z.enum(['Apple', 'Google']).optional(),
        provider: z.string().min(1).optional(),
        service: z.string().min(1).optional(),
      })
      .strict()
      .optional(),
    /**
     * For unique_users: 'period' counts each user once per week or month; 'rolling_12_months' counts users
     * active in the 12 months ending with each month (monthly grain only), at their most recent event.
     */
    window: z.enum(['period', 'rolling_12_months']).default('period'),
    /** For cumulative metrics: the metric whose running total this is; for ratios, numerator and denominator. */
    of: id.optional(),
    numerator: id.optional(),
    denominator: id.optional(),
    multiplier: z.number().positive().optional(),
    caveats: z.array(z.string().min(5)).default([]),
    polarity: z.enum(['higher_is_better', 'lower_is_better', 'neutral']),
    disclosure: z.enum(['none', 'suppress_small_counts']),
    /** Part of the official NHS App Management Information publication (so it can be open data). */
    mi_publication: z.boolean().default(false),
    /** Earlier identifiers (M-numbers of the NHSX pipelines, Tableau field names), for display only. */
    legacy_ids: z.array(z.string()).default([]),
    /** Name in the original NHS App Dashboard data dictionary, where it had one. */
    original_dictionary_name: z.string().optional(),
    theme: z.enum([
      'uptake',
      'logins',
      'appointments',
      'prescriptions',
      'records',
      'services',
      'organ_donation',
      'partners',
      'population',
    ]),
    display_order: z.number().int().nonnegative(),
    shown_on: shownOn.optional(),
  })
  .strict()
  .superRefine((m, ctx) => {
    const need = (cond: boolean, message: string) => {
      if (!cond) ctx.addIssue({ code: 'custom', message });
    };
    if (m.source === 'events' && (m.aggregation === 'event_count' || m.aggregation === 'unique_users')) {
      need(m.events !== undefined, `${m.aggregation} metrics from events need an "events" selector`);
    }
    if (m.aggregation === 'cumulative') need(m.of !== undefined, 'cumulative metrics need "of"');
    if (m.source === 'practice_snapshot')
      need(m.feed?.snapshot_column !== undefined, 'practice_snapshot metrics need feed.snapshot_column');
    if (m.source === 'pomi' && m.aggregation !== 'ratio')
      need(m.feed?.pomi_field !== undefined, 'pomi metrics need feed.pomi_field');
    if (m.source === 'pomi')
      need(m.grains.length === 1 && m.grains[0] === 'month', 'POMI metrics are monthly only');
    if (m.source === 'downloads')
      need(m.lowest_geography === 'england', 'downloads are national figures only');
    if (m.window === 'rolling_12_months') {
      need(m.aggregation === 'unique_users', 'only unique_users metrics can have a rolling 12-month window');
      need(
        m.grains.length === 1 && m.grains[0] === 'month',
        'rolling 12-month metrics have the month grain only',
      );
    }
    if (m.aggregation === 'ratio') {
      need(
        m.numerator !== undefined && m.denominator !== undefined,
        'ratio metrics need numerator and denominator',
      );
    }
  });

export type MetricDefinition = z.infer<typeof metricDefinitionSchema>;

/** The denominator of rates computed at query time from any count and the 13+ list sizes (ADR 0006). */
export const PATIENTS_13PLUS = 'patients_13plus';

/**
 * A rate over patients aged 13+ (ADR 0006), computed at query time with numerator, denominator and
 * coverage. Other ratios divide one stored metric by another; the build stores them (ADR 0009), so they
 * are read like any stored figure.
 */
export function isPatientRate(m: { readonly aggregation?: string; readonly denominator?: string }): boolean {
  return m.aggregation === 'ratio' && m.denominator === PATIENTS_13PLUS;
}

/**
 * How a metric's figures get confidence intervals and a verdict against a benchmark (docs/adr/0022): a
 * rate over patients aged 13+ in per cent is a proportion (Wilson's score interval); one per 1,000 is a
 * rate (Byar's method on its count). Anything else (counts, stored ratios whose parts are not read with
 * them) has no interval: 'none'. The one place consumers ask; derived per-1,000 rates of counts are
 * patient rates too, so they follow the same rule.
 */
export function comparisonOf(
  m: Pick<MetricDefinition, 'aggregation' | 'denominator' | 'unit'>,
): 'rate-per-1000' | 'proportion' | 'none' {
  if (!isPatientRate(m)) return 'none';
  if (m.unit === 'percent') return 'proportion';
  if (m.unit === 'per_1000') return 'rate-per-1000';
  return 'none';
}

/** A ratio of two stored catalogue metrics, computed and stored by the build (ADR 0009). */
export function isStoredRatio(m: { readonly aggregation?: string; readonly denominator?: string }): boolean {
  return m.aggregation === 'ratio' && m.denominator !== PATIENTS_13PLUS;
}

/**
 * Checks references between metrics (cumulative "of", ratio parts), unique ids, and that no two metrics share a
 * position or slot of a placement (src/domain/placements.ts). Returns problems found.
 */
export function checkCatalogue(metrics: MetricDefinition[]): string[] {
  const problems: string[] = [];
  const ids = new Set<string>();
  for (const m of metrics) {
    if (ids.has(m.id)) problems.push(`${m.id}.yaml: id: metric id ${m.id} is defined twice`);
    ids.add(m.id);
  }
  for (const m of metrics) {
    for (const field of ['of', 'numerator', 'denominator'] as const) {
      const ref = m[field];
      if (ref !== undefined && !ids.has(ref))
        problems.push(`${m.id}.yaml: ${field}: refers to unknown metric ${ref}`);
    }
  }
  const byId = new Map(metrics.map((m) => [m.id, m]));
  for (const m of metrics.filter(isStoredRatio)) {
    for (const field of ['numerator', 'denominator'] as const) {
      const part = byId.get(m[field]!);
      if (part?.aggregation === 'ratio')
        problems.push(`${m.id}.yaml: ${field}: ${part.id} is a ratio; a stored ratio divides stored metrics`);
      if (part && !m.grains.every((g) => part.grains.includes(g)))
        problems.push(`${m.id}.yaml: grains: ${part.id} has no figures at some of them`);
    }
  }
  problems.push(...checkPlacements(metrics));
  return problems;
}
