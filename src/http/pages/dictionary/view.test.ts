/** The data dictionary's view models. Pure. */
import { describe, expect, it } from 'vitest';
import { loadCatalogue } from '../../../metrics/catalogue.ts';
import { buildDictionaryMetricView, buildDictionaryView, relatedMetrics } from './view.ts';

const catalogue = loadCatalogue();
const byId = (id: string) => catalogue.find((m) => m.id === id)!;

describe('data dictionary view', () => {
  it('puts every metric under exactly one theme, in display order, with a contents entry per theme', () => {
    const view = buildDictionaryView(catalogue);
    const listed = view.themes.flatMap((t) => t.metrics.map((m) => m.id));
    expect(listed.sort()).toEqual(catalogue.map((m) => m.id).sort());
    expect(view.contents.map((c) => c.href)).toEqual(view.themes.map((t) => `#${t.id}`));
    for (const t of view.themes) {
      const orders = t.metrics.map((m) => byId(m.id).display_order);
      expect(orders).toEqual([...orders].sort((a, b) => a - b));
    }
  });

  it('relates counts to their rates and running totals, and rates to their parts', () => {
    expect(relatedMetrics(byId('registrations'), catalogue).map((r) => [r.relation, r.href])).toContainEqual([
      'Running total',
      '/dictionary/registrations_cumulative',
    ]);
    const pct = relatedMetrics(byId('registered_pct_13plus'), catalogue);
    expect(pct.map((r) => r.relation)).toEqual(['Numerator', 'Denominator']);
    const view = buildDictionaryMetricView(byId('downloads'), catalogue);
    expect(view.dataHref).toBe('/data?metric=downloads&grain=month');
    expect(view.facts.find((f) => f.key === 'Lowest geography')!.value).toMatch(/^England/);
    // Counts from events without a catalogue rate are compared as a derived per-1,000 rate.
    expect(buildDictionaryMetricView(byId('appointments_booked'), catalogue).derivedRateNote).toMatch(
      /per 1,000/,
    );
    expect(buildDictionaryMetricView(byId('logins'), catalogue).derivedRateNote).toBeNull();
  });

  it('says a rate of a disclosed count is worked out from the disclosed count (ADR 0061)', () => {
    const fact = (id: string) =>
      buildDictionaryMetricView(byId(id), catalogue).facts.find((f) => f.key === 'Disclosure control')!.value;
    // Its own YAML says "none"; its count is disclosed, so the rate follows it.
    expect(byId('registered_pct_13plus').disclosure).toBe('none');
    expect(fact('registered_pct_13plus')).toMatch(/^Worked out from the disclosed count \(/);
    expect(fact('unique_logins_per_1000')).toMatch(/disclosed count/);
    expect(fact('logins')).toMatch(/^Small counts are suppressed/);
    // A ratio of two feed figures over a feed's own list size is not a rate over patients aged 13+.
    const pomi = catalogue.find((m) => m.denominator === 'pomi_list_size')!;
    expect(fact(pomi.id)).toBe('None: figures are shown as computed.');
  });
});

describe('comparison method and rounding in the dictionary', () => {
  it('names each metric’s method from the catalogue and states the rounding rule', () => {
    const fact = (id: string) =>
      buildDictionaryMetricView(byId(id), catalogue).facts.find((f) => f.key === 'Compared with England by')!
        .value;
    expect(fact('registered_pct_13plus')).toMatch(/^Wilson’s score method/);
    expect(fact('logins_per_1000')).toMatch(/^Byar’s method/);
    expect(fact('logins')).toMatch(/^Not compared/);
    const rule = buildDictionaryView(catalogue).roundingRule.join(' ');
    expect(rule).toContain('whole numbers');
    expect(rule).toContain('1 decimal place');
  });
});
