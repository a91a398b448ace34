import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { CatalogueError, loadCatalogue, METRICS_DIR } from './catalogue.ts';
import {
  checkCatalogue,
  EVENT_TYPES,
  isPatientRate,
  type MetricDefinition,
} from '../domain/metric-definition.ts';
import {
  checkPlacements,
  emptySlots,
  LIST_PLACEMENTS,
  metricIdsShownOn,
  metricInSlot,
  metricsShownOn,
  SLOT_PLACEMENTS,
  type ListPlacement,
  type SlotOf,
  type SlotPlacement,
} from '../domain/placements.ts';

// ---------------------------------------------------------------------------------------------------
// The real catalogue in metrics/
// ---------------------------------------------------------------------------------------------------

describe('the metric catalogue in metrics/', () => {
  const metrics = loadCatalogue();
  const byId = new Map(metrics.map((m) => [m.id, m]));
  const get = (id: string): MetricDefinition => {
    const m = byId.get(id);
    if (!m) throw new Error(`metric ${id} is missing`);
    return m;
  };

  it('loads every file, one metric per file, named after its id', () => {
    const files = fs
      .readdirSync(METRICS_DIR)
      .filter((f) => f.endsWith('.yaml'))
      .sort();
    expect(metrics).toHaveLength(files.length);
    expect(metrics.map((m) => `${m.id}.yaml`).sort()).toEqual(files);
    // No definitions hidden under another extension.
    expect(fs.readdirSync(METRICS_DIR).filter((f) => /\.ya?ml$/i.test(f) && !f.endsWith('.yaml'))).toEqual(
      [],
    );
  });

  it('has unique ids, names, short names and display orders, and every reference resolves', () => {
    const unique = (values: unknown[]) => expect(new Set(values).size).toBe(values.length);
    unique(metrics.map((m) => m.id));
    unique(metrics.map((m) => m.name));
    unique(metrics.map((m) => m.short_name));
    unique(metrics.map((m) => m.display_order));
    expect(checkCatalogue(metrics)).toEqual([]);
    for (const m of metrics) {
      for (const ref of [m.of, m.numerator, m.denominator]) {
        if (ref !== undefined) expect(byId.has(ref), `${m.id} → ${ref}`).toBe(true);
      }
    }
  });

  it('holds the metrics the synthetic demo produces from activity events', () => {
    const expected: Record<string, { types: string[]; where?: Record<string, string> }> = {
      logins: { types: ['login'] },
      registrations: { types: ['registration'] },
      registrations_p9: { types: ['registration'], where: { identity_level: 'P9' } },
      registrations_p5: { types: ['registration'], where: { identity_level: 'P5' } },
      identity_uplifts: { types: ['identity_uplift'] },
      appointments_booked: { types: ['appointment_booked'] },
      appointments_cancelled: { types: ['appointment_cancelled'] },
      prescriptions_ordered: { types: ['prescription_ordered'] },
      nominated_pharmacy_changes: { types: ['nominated_pharmacy_changed'] },
      record_views: { types: ['record_viewed'] },
      record_views_summary: { types: ['record_viewed'], where: { record_type: 'summary' } },
      record_views_detailed_coded: { types: ['record_viewed'], where: { record_type: 'detailed_coded' } },
      nhs111_visits: { types: ['nhs111_visit'] },
      health_a_z_visits: { types: ['health_a_z_visit'] },
      data_opt_out_visits: { types: ['data_opt_out_visit'] },
      organ_donation_registrations: { types: ['organ_donation_registered'] },
      organ_donation_updates: { types: ['organ_donation_updated'] },
      organ_donation_withdrawals: { types: ['organ_donation_withdrawn'] },
      organ_donation_lookups: { types: ['organ_donation_lookup'] },
      jump_off_clicks: { types: ['jump_off'] },
    };
    for (const [id, events] of Object.entries(expected)) {
      const m = get(id);
      expect(m.source, id).toBe('events');
      expect(m.aggregation, id).toBe('event_count');
      expect(m.events, id).toEqual(events);
    }
    // Every event type is counted by at least one metric.
    const counted = new Set(metrics.flatMap((m) => m.events?.types ?? []));
    expect([...EVENT_TYPES].filter((t) => !counted.has(t))).toEqual([]);

    const cumulative = get('registrations_cumulative');
    expect(cumulative.aggregation).toBe('cumulative');
    expect(cumulative.of).toBe('registrations');
    expect(get(cumulative.of!).aggregation).toBe('event_count');
  });

  it('offers weekly and monthly figures, suppresses small counts below England, and keeps grains consistent', () => {
    for (const m of metrics) {
      // Rolling 12-month users and POMI (a monthly collection) are monthly; everything else weekly and monthly.
      expect([...m.grains].sort(), m.id).toEqual(
        m.window === 'rolling_12_months' || m.source === 'pomi' ? ['month'] : ['month', 'week'],
      );
      if (m.lowest_geography !== 'england' && (m.unit === 'events' || m.unit === 'users')) {
        expect(m.disclosure, m.id).toBe('suppress_small_counts');
      }
      if (m.aggregation === 'event_count' || m.aggregation === 'unique_users') {
        if (m.source === 'events') expect(m.events, m.id).toBeDefined();
      }
      if (m.aggregation === 'cumulative') {
        const base = get(m.of!);
        expect(base.lowest_geography, m.id).toBe(m.lowest_geography);
        expect(m.unit, m.id).toBe(base.unit);
      }
    }
  });

  it('marks the NHS App Management Information measures and keeps the earlier identifiers', () => {
    expect(
      metrics
        .filter((m) => m.mi_publication)
        .map((m) => m.id)
        .sort(),
    ).toEqual([
      // The six measures of the NHS App Management Information publication (seeds/001).
      'logins',
      'prescriptions_ordered',
      'registrations',
      'unique_logins',
      'unique_logins_12m',
      'users_ordering_prescriptions',
    ]);
    const legacy: Record<string, string[]> = {
      logins: ['M149', 'LatestLogins'],
      registrations: ['M144'],
      registrations_p9: ['M146', 'NHSApp_RegistrationsCount'],
      registrations_cumulative: ['M143'],
      appointments_booked: ['M150'],
      appointments_cancelled: ['M151'],
      prescriptions_ordered: ['M152'],
      record_views: ['M153'],
      record_views_summary: ['M154'],
      record_views_detailed_coded: ['M155'],
      organ_donation_registrations: ['M156'],
      organ_donation_withdrawals: ['M157'],
      organ_donation_updates: ['M158'],
      organ_donation_lookups: ['M159'],
      jump_off_clicks: ['M182'],
    };
    for (const [id, ids] of Object.entries(legacy)) {
      for (const legacyId of ids) expect(get(id).legacy_ids, id).toContain(legacyId);
    }
    // Each M-number belongs to one metric only.
    const mNumbers = metrics.flatMap((m) => m.legacy_ids.filter((l) => /^M\d+$/.test(l)));
    expect(new Set(mNumbers).size).toBe(mNumbers.length);
  });

  it('names the original NHS App Dashboard data dictionary entries where there was one', () => {
    expect(get('logins').original_dictionary_name).toBe('NHS App Logins');
    expect(get('registrations_p9').original_dictionary_name).toBe('NHS App Registrations');
    expect(get('organ_donation_registrations').original_dictionary_name).toBe('Organ Donation Registrations');
    // The dictionary only had unique-user versions of these: the event counts must not claim those names.
    for (const id of ['nhs111_visits', 'health_a_z_visits', 'data_opt_out_visits', 'record_views']) {
      expect(get(id).original_dictionary_name, id).toBeUndefined();
    }
  });

  it('puts logins, then users logging in and registrations first', () => {
    expect(metrics.slice(0, 4).map((m) => m.id)).toEqual([
      'logins',
      'unique_logins',
      'unique_logins_12m',
      'registrations',
    ]);
    for (let i = 1; i < metrics.length; i++) {
      expect(metrics[i]!.display_order).toBeGreaterThan(metrics[i - 1]!.display_order);
    }
  });

  it('writes descriptions, calculations and caveats as finished plain-English sentences', () => {
    for (const m of metrics) {
      for (const text of [m.description, m.calculation, ...m.caveats]) {
        expect(text, m.id).toMatch(/^[A-Z"].*[.)]$/s);
        expect(text, m.id).not.toMatch(/\s{2,}|\n/);
      }
      expect(m.calculation, m.id).toMatch(/Europe\/London/);
      if (m.source === 'events' && m.lowest_geography === 'practice' && m.aggregation === 'event_count') {
        expect(m.calculation, m.id).toMatch(/practice the user was registered with/);
        expect(m.calculation, m.id).toMatch(/Unknown/);
      }
    }
    expect(get('logins').calculation).toMatch(/one session/);
    for (const id of [
      'organ_donation_registrations',
      'organ_donation_updates',
      'organ_donation_withdrawals',
      'organ_donation_lookups',
    ]) {
      expect(get(id).caveats.join(' '), id).toMatch(/outside|Only actions in the NHS App/);
    }
  });
});

// ---------------------------------------------------------------------------------------------------
// Which pages show which metrics (shown_on, src/domain/placements.ts)
// ---------------------------------------------------------------------------------------------------

describe('placements in metrics/ (shown_on)', () => {
  const metrics = loadCatalogue();

  it('reproduce the lists the pages showed when they were constants, in their order', () => {
    // Written out by hand from the constants they replace (issue 9 item 1), not read from the YAML.
    const lists: Record<ListPlacement, string[]> = {
      // HEADLINE_METRICS, src/query/national-summary.ts
      national_summary_headline: [
        'logins',
        'unique_logins',
        'registrations',
        'registered_pct_13plus',
        'prescriptions_ordered',
        'appointments_booked',
        'record_views',
        'registrations_p9',
        'unique_logins_12m',
      ],
      // was DEFAULT_MAP_METRICS; read by src/http/pages/map
      map_default: [
        'unique_logins_per_1000',
        'registered_pct_13plus',
        'logins_per_1000',
        'unique_logins',
        'logins',
      ],
      // PRACTICE_RANK_METRICS, src/query/practice-context.ts
      practice_rank: ['registered_pct_13plus', 'unique_logins_per_1000', 'logins_per_1000'],
      // was DEFAULT_DATA_METRICS; read by src/http/pages/data-table
      data_table_default: ['logins'],
      // ORGAN_DONATION_METRICS and SUPPLIER_RATE_METRICS, src/query/partners.ts
      organ_donation: [
        'organ_donation_registrations',
        'organ_donation_updates',
        'organ_donation_withdrawals',
        'organ_donation_lookups',
      ],
      supplier_rate: ['unique_logins_per_1000', 'logins_per_1000', 'registered_pct_13plus'],
    };
    expect(Object.keys(lists).sort()).toEqual(Object.keys(LIST_PLACEMENTS).sort());
    for (const [placement, ids] of Object.entries(lists))
      expect(metricIdsShownOn(metrics, placement as ListPlacement), placement).toEqual(ids);
    // were RANKING_HEADLINE_METRIC, RANKING_SECOND_METRIC (src/http/pages/ranking) and CHILD_COLUMNS (area page).
    const slot = <P extends SlotPlacement>(p: P, s: SlotOf<P>) => metricInSlot(metrics, p, s)?.id;
    expect(slot('ranking_link', 'headline')).toBe('registered_pct_13plus');
    expect(slot('ranking_link', 'second')).toBe('unique_logins_per_1000');
    expect(slot('area_children_column', 'logins')).toBe('logins');
    expect(slot('area_children_column', 'users')).toBe('unique_logins');
    expect(slot('area_children_column', 'users_per_1000')).toBe('unique_logins_per_1000');
    expect(slot('area_children_column', 'registered_pct')).toBe('registered_pct_13plus');
    // were JUMP_OFF_METRIC (src/query/jump-offs.ts) and ACTIVITY_METRIC (src/query/area-page.ts).
    expect(slot('partner_jump_offs', 'events')).toBe('jump_off_clicks');
    expect(slot('partner_jump_offs', 'feed')).toBe('partner_jump_off_clicks');
    expect(slot('closed_area_activity', 'activity')).toBe('logins');
  });

  it('fill every slot with exactly one metric, and give no two metrics one position', () => {
    for (const [placement, { slots }] of Object.entries(SLOT_PLACEMENTS))
      for (const s of slots) {
        const holders = metrics.filter(
          (m) => (m.shown_on as Record<string, unknown> | undefined)?.[placement] === s,
        );
        expect(
          holders.map((m) => m.id),
          `${placement}: ${s}`,
        ).toHaveLength(1);
      }
    expect(emptySlots(metrics)).toEqual([]);
    expect(checkPlacements(metrics)).toEqual([]);
    for (const placement of Object.keys(LIST_PLACEMENTS) as ListPlacement[]) {
      const positions = metricsShownOn(metrics, placement).map((m) => m.shown_on![placement]);
      expect(new Set(positions).size, placement).toBe(positions.length);
    }
  });

  it('place only metrics that can be shown there', () => {
    // The rate placements hold rates over patients aged 13+ (each has a count the supplier page shows beside it).
    for (const m of metricsShownOn(metrics, 'supplier_rate')) expect(isPatientRate(m), m.id).toBe(true);
    for (const m of metricsShownOn(metrics, 'practice_rank')) expect(isPatientRate(m), m.id).toBe(true);
    // The children table's rate columns are rates over patients aged 13+, the users rate that of its users.
    const column = (s: SlotOf<'area_children_column'>) => metricInSlot(metrics, 'area_children_column', s)!;
    expect(isPatientRate(column('users_per_1000'))).toBe(true);
    expect(isPatientRate(column('registered_pct'))).toBe(true);
    expect(column('users_per_1000').numerator).toBe(column('users').id);
    expect([column('logins').unit, column('users').unit]).toEqual(['events', 'users']);
    // Rankings linked from area pages compare practices of different sizes: rates.
    expect(isPatientRate(metricInSlot(metrics, 'ranking_link', 'headline')!)).toBe(true);
    expect(isPatientRate(metricInSlot(metrics, 'ranking_link', 'second')!)).toBe(true);
    // Every headline has monthly figures (the National summary's default grain).
    for (const m of metricsShownOn(metrics, 'national_summary_headline'))
      expect(m.grains, m.id).toContain('month');
  });
});

describe('loadCatalogue on bad placements', () => {
  it('refuses an unknown placement, naming the file, the field and the placements there are', () => {
    const dir = catalogueDir({
      'misplaced.yaml': {
        ...validMetric('misplaced'),
        shown_on: { national_summary_headline: 1, front_page: 2 },
      },
    });
    const message = loadError(dir);
    expect(message).toMatch(
      /^misplaced\.yaml: shown_on: unknown placement front_page; the placements are .*map_default/m,
    );
  });

  it('refuses a bad position, an unknown slot and a list instead of a map, naming file and field', () => {
    const dir = catalogueDir({
      'zero.yaml': { ...validMetric('zero'), shown_on: { map_default: 0 } },
      'slot.yaml': { ...validMetric('slot'), shown_on: { ranking_link: 'third' } },
      'listed.yaml': { ...validMetric('listed'), shown_on: ['national_summary_headline'] },
    });
    const message = loadError(dir);
    expect(message).toMatch(/^zero\.yaml: shown_on\.map_default: positions are whole numbers from 1$/m);
    expect(message).toMatch(
      /^slot\.yaml: shown_on\.ranking_link: ranking_link is one of: headline, second$/m,
    );
    expect(message).toMatch(/^listed\.yaml: shown_on: shown_on maps placements to a position/m);
  });

  it('refuses two metrics at one position of a list, or in one slot', () => {
    const dir = catalogueDir({
      'first.yaml': { ...validMetric('first'), shown_on: { practice_rank: 2, ranking_link: 'second' } },
      'other.yaml': {
        ...validMetric('other'),
        display_order: 2,
        shown_on: { practice_rank: 2, ranking_link: 'second' },
      },
    });
    const message = loadError(dir);
    expect(message).toMatch(/^other\.yaml: shown_on\.practice_rank: position 2 is also first's/m);
    expect(message).toMatch(/^other\.yaml: shown_on\.ranking_link: the second slot is also first's/m);
  });

  it('orders a list by position, with gaps allowed, and leaves out metrics not placed', () => {
    const dir = catalogueDir({
      'a_metric.yaml': { ...validMetric('a_metric'), shown_on: { organ_donation: 20 } },
      'b_metric.yaml': { ...validMetric('b_metric'), display_order: 2, shown_on: { organ_donation: 5 } },
      'c_metric.yaml': { ...validMetric('c_metric'), display_order: 3 },
    });
    const loaded = loadCatalogue(dir);
    expect(metricIdsShownOn(loaded, 'organ_donation')).toEqual(['b_metric', 'a_metric']);
    expect(metricIdsShownOn(loaded, 'map_default')).toEqual([]);
    expect(emptySlots(loaded)).toContain('ranking_link: headline');
  });
});

// ---------------------------------------------------------------------------------------------------
// The loader rejects bad files, naming the file and the field
// ---------------------------------------------------------------------------------------------------

const tempDirs: string[] = [];
afterAll(() => {
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

function validMetric(id: string): Record<string, unknown> {
  return {
    id,
    name: `Test metric ${id}`,
    short_name: `Test ${id}`.slice(0, 40),
    description: 'A metric used only by the catalogue loader tests.',
    calculation: 'Count of login events in the period, dated in UK time (Europe/London).',
    unit: 'events',
    aggregation: 'event_count',
    grains: ['week', 'month'],
    lowest_geography: 'practice',
    source: 'events',
    events: { types: ['login'] },
    caveats: ['A test caveat.'],
    polarity: 'neutral',
    disclosure: 'suppress_small_counts',
    theme: 'logins',
    display_order: 1,
  };
}

/** Writes files (name → YAML text or object) into a fresh temp dir and returns the dir. */
function catalogueDir(files: Record<string, string | Record<string, unknown>>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'metrics-test-'));
  tempDirs.push(dir);
  for (const [name, content] of Object.entries(files)) {
    fs.writeFileSync(path.join(dir, name), typeof content === 'string' ? content : stringify(content));
  }
  return dir;
}

function loadError(dir: string): string {
  try {
    loadCatalogue(dir);
  } catch (err) {
    expect(err).toBeInstanceOf(CatalogueError);
    return (err as Error).message;
  }
  throw new Error('expected the catalogue to be rejected');
}

describe('loadCatalogue on bad files', () => {
  it('loads a valid directory, sorted by display order', () => {
    const dir = catalogueDir({
      b_metric: 'not yaml at all: [', // not a .yaml file: ignored
      'b_metric.yaml': { ...validMetric('b_metric'), display_order: 1 },
      'a_metric.yaml': { ...validMetric('a_metric'), display_order: 2 },
      'c_total.yaml': {
        ...validMetric('c_total'),
        display_order: 0,
        aggregation: 'cumulative',
        of: 'b_metric',
        events: undefined,
      },
    });
    expect(loadCatalogue(dir).map((m) => m.id)).toEqual(['c_total', 'b_metric', 'a_metric']);
  });

  it('rejects broken YAML, naming the file', () => {
    const dir = catalogueDir({
      'good.yaml': validMetric('good'),
      'broken.yaml': 'id: broken\nname: [unclosed\n  short_name: x\n',
    });
    expect(loadError(dir)).toMatch(/^broken\.yaml: not valid YAML/m);
  });

  it('rejects a missing field, naming the file and the field', () => {
    const metric = validMetric('missing_unit');
    delete metric.unit;
    const message = loadError(catalogueDir({ 'missing_unit.yaml': metric }));
    expect(message).toMatch(/^missing_unit\.yaml: unit: /m);
  });

  it('rejects an unknown event type, naming the file and the field', () => {
    const metric = { ...validMetric('bad_event'), events: { types: ['login', 'logged_in'] } };
    const message = loadError(catalogueDir({ 'bad_event.yaml': metric }));
    expect(message).toMatch(/^bad_event\.yaml: events\.types\.1: /m);
  });

  it('rejects an unknown filter value and an unknown filter field', () => {
    const dir = catalogueDir({
      'bad_level.yaml': {
        ...validMetric('bad_level'),
        events: { types: ['registration'], where: { identity_level: 'P7' } },
      },
      'bad_filter.yaml': {
        ...validMetric('bad_filter'),
        events: { types: ['login'], where: { age_band: '13-19' } },
      },
    });
    const message = loadError(dir);
    expect(message).toMatch(/^bad_level\.yaml: events\.where\.identity_level: /m);
    expect(message).toMatch(/^bad_filter\.yaml: events\.where: .*age_band/m);
  });

  it('rejects an unknown (misspelt) field, naming it', () => {
    const metric = validMetric('typo');
    metric.caveat = metric.caveats;
    delete metric.caveats;
    expect(loadError(catalogueDir({ 'typo.yaml': metric }))).toMatch(/^typo\.yaml: .*"caveat"/m);
  });

  it('rejects a wrong value type and an unknown enum value, naming the field', () => {
    const dir = catalogueDir({
      'bad_order.yaml': { ...validMetric('bad_order'), display_order: 'first' },
      'bad_geo.yaml': { ...validMetric('bad_geo'), lowest_geography: 'ccg' },
      'bad_grain.yaml': { ...validMetric('bad_grain'), grains: ['week', 'day'] },
    });
    const message = loadError(dir);
    expect(message).toMatch(/^bad_order\.yaml: display_order: /m);
    expect(message).toMatch(/^bad_geo\.yaml: lowest_geography: /m);
    expect(message).toMatch(/^bad_grain\.yaml: grains\.1: /m);
  });

  it('rejects a count from events without an event selector', () => {
    const metric = validMetric('no_events');
    delete metric.events;
    expect(loadError(catalogueDir({ 'no_events.yaml': metric }))).toMatch(
      /^no_events\.yaml: .*need an "events" selector/m,
    );
  });

  it('rejects a file whose name does not match its id', () => {
    const message = loadError(catalogueDir({ 'wrong_name.yaml': validMetric('right_id') }));
    expect(message).toMatch(/^wrong_name\.yaml: file name must be right_id\.yaml$/m);
  });

  it('rejects a cumulative metric whose "of" refers to no metric', () => {
    const dir = catalogueDir({
      'base.yaml': validMetric('base'),
      'dangling.yaml': {
        ...validMetric('dangling'),
        aggregation: 'cumulative',
        of: 'nowhere',
        events: undefined,
      },
    });
    // The message names the metric (= the file name without .yaml) and the missing reference.
    expect(loadError(dir)).toMatch(/^dangling\.yaml: of: refers to unknown metric nowhere$/m);
  });

  it('rejects a cumulative metric without "of"', () => {
    const metric = { ...validMetric('no_of'), aggregation: 'cumulative', events: undefined };
    expect(loadError(catalogueDir({ 'no_of.yaml': metric }))).toMatch(/^no_of\.yaml: .*"of"/m);
  });

  it('rejects a metric id defined twice', () => {
    const dir = catalogueDir({
      'twice.yaml': validMetric('twice'),
      'twice_again.yaml': validMetric('twice'),
    });
    const message = loadError(dir);
    expect(message).toMatch(/twice is defined twice/);
    expect(message).toMatch(/^twice_again\.yaml: file name must be twice\.yaml$/m);
  });

  it('reports every problem at once, one line per problem', () => {
    const metric = validMetric('two_problems');
    delete metric.unit;
    const dir = catalogueDir({
      'two_problems.yaml': { ...metric, polarity: 'up' },
      'broken.yaml': ': : :\n  - [',
      'fine.yaml': validMetric('fine'),
    });
    const lines = loadError(dir).split('\n');
    expect(lines[0]).toBe('Invalid metric definitions:');
    expect(lines.filter((l) => l.startsWith('two_problems.yaml: '))).toHaveLength(2);
    expect(lines.some((l) => l.startsWith('broken.yaml: '))).toBe(true);
    expect(lines.some((l) => l.startsWith('fine.yaml'))).toBe(false);
  });
});
