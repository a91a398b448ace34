/**
 * Where the pages show a metric (issue 9 item 1), declared in its YAML under `shown_on` rather than in
 * constants spread over the layers. Two kinds of placement:
 *
 * - lists: a page shows several metrics in an order, so each metric gives its position in the list
 *   (`national_summary_headline: 3`); positions need not be consecutive, but two metrics may not share one;
 * - slots: a page has named places for one metric each (`ranking_link: headline`); a slot holds at most one
 *   metric (the product's catalogue fills every slot: its test checks that).
 *
 * The functions here are pure: callers pass the catalogue they were given.
 */
/** Placements that list metrics in an order, and where each is shown. */
export const LIST_PLACEMENTS = {
  national_summary_headline: 'National summary and area pages: the headline tiles and charts',
  map_default: 'map: shown first when none is asked for (the first the viewer may see)',
  practice_rank: 'practice pages: the practice’s rank among the practices of its ICB',
  data_table_default: 'data table: shown when none is asked for',
  organ_donation: 'organ donation page and API: the actions, in this order',
  supplier_rate: 'GP system suppliers page and API: the rates, each with the count it is made of',
} as const;
export type ListPlacement = keyof typeof LIST_PLACEMENTS;

/** Placements with named slots of one metric each. */
export const SLOT_PLACEMENTS = {
  ranking_link: {
    // The links' texts name what the slots hold: headline uptake (lowest first), second reach.
    what: 'area pages: the links to rankings, and the ranking page’s metric when none is asked for',
    slots: ['headline', 'second'],
  },
  area_children_column: {
    what: 'National summary and area pages: a column of the children table',
    slots: ['logins', 'users', 'users_per_1000', 'registered_pct'],
  },
  partner_jump_offs: {
    what: 'partners page, API and `query jump-offs`: the jump-offs counted from activity events and those of the WeeklyIntegratedPartners feed',
    slots: ['events', 'feed'],
  },
  closed_area_activity: {
    what: 'area pages of closed areas: the count whose last period with activity ends the area’s history',
    slots: ['activity'],
  },
} as const;
export type SlotPlacement = keyof typeof SLOT_PLACEMENTS;
export type SlotOf<P extends SlotPlacement> = (typeof SLOT_PLACEMENTS)[P]['slots'][number];

export const PLACEMENTS = [
  ...(Object.keys(LIST_PLACEMENTS) as ListPlacement[]),
  ...(Object.keys(SLOT_PLACEMENTS) as SlotPlacement[]),
];
export type Placement = ListPlacement | SlotPlacement;

/** A metric's `shown_on`: a position per list placement, a slot name per slot placement. */
export type ShownOn = { [P in ListPlacement]?: number } & { [P in SlotPlacement]?: SlotOf<P> };

const isList = (p: Placement): p is ListPlacement => p in LIST_PLACEMENTS;

/** What placing needs of a metric (a MetricDefinition, or a test's stand-in): its id and `shown_on`. */
type Placed = { readonly id: string; shown_on?: ShownOn | undefined };

/** The metrics of a list placement, in its order (by position). */
export function metricsShownOn<M extends Placed>(catalogue: readonly M[], placement: ListPlacement): M[] {
  return catalogue
    .filter((m) => m.shown_on?.[placement] !== undefined)
    .sort((a, b) => a.shown_on![placement]! - b.shown_on![placement]! || a.id.localeCompare(b.id));
}

/** The ids of a list placement's metrics, in its order. */
export function metricIdsShownOn(catalogue: readonly Placed[], placement: ListPlacement): string[] {
  return metricsShownOn(catalogue, placement).map((m) => m.id);
}

/** The metric in a slot, or undefined when the catalogue puts none there. */
export function metricInSlot<M extends Placed, P extends SlotPlacement>(
  catalogue: readonly M[],
  placement: P,
  slot: SlotOf<P>,
): M | undefined {
  return catalogue.find((m) => m.shown_on?.[placement] === slot);
}

/** The metric in a slot the page cannot do without: a catalogue that leaves it empty is an error. */
export function requiredMetricInSlot<M extends Placed, P extends SlotPlacement>(
  catalogue: readonly M[],
  placement: P,
  slot: SlotOf<P>,
): M {
  const m = metricInSlot(catalogue, placement, slot);
  if (!m)
    throw new Error(`no metric is shown in ${placement} ${slot}: give one "shown_on: ${placement}: ${slot}"`);
  return m;
}

/** Where a metric is placed: a position in a list, or a slot. */
export interface PlacementOf {
  placement: Placement;
  position: number | null;
  slot: string | null;
  what: string;
}

/** Where one metric is placed, in the order of PLACEMENTS: for `metrics explain`. */
export function placementsOf(m: Placed): PlacementOf[] {
  return PLACEMENTS.flatMap((p): PlacementOf[] => {
    const value = m.shown_on?.[p];
    if (value === undefined) return [];
    return isList(p)
      ? [{ placement: p, position: value as number, slot: null, what: LIST_PLACEMENTS[p] }]
      : [{ placement: p, position: null, slot: value as string, what: SLOT_PLACEMENTS[p].what }];
  });
}

/** Two metrics at one position of a list, or in one slot: each problem names a file and its field. */
export function checkPlacements(metrics: readonly Placed[]): string[] {
  const problems: string[] = [];
  for (const p of PLACEMENTS) {
    const taken = new Map<string, string>();
    for (const m of metrics) {
      const value = m.shown_on?.[p];
      if (value === undefined) continue;
      const key = String(value);
      const other = taken.get(key);
      if (other !== undefined)
        problems.push(
          isList(p)
            ? `${m.id}.yaml: shown_on.${p}: position ${key} is also ${other}'s; give each metric its own`
            : `${m.id}.yaml: shown_on.${p}: the ${key} slot is also ${other}'s; a slot shows one metric`,
        );
      else taken.set(key, m.id);
    }
  }
  return problems;
}

/** Slots no metric fills (the product's catalogue has none: its test checks). */
export function emptySlots(metrics: readonly Placed[]): string[] {
  return (Object.keys(SLOT_PLACEMENTS) as SlotPlacement[]).flatMap((p) =>
    (SLOT_PLACEMENTS[p].slots as readonly string[])
      .filter((slot) => !metrics.some((m) => m.shown_on?.[p] === slot))
      .map((slot) => `${p}: ${slot}`),
  );
}
